package dev.reason.weights;

import dev.reason.model.ModelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.reason.weights.OnnxWriter.floatsLE;
import static dev.reason.weights.OnnxWriter.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The protobuf reader on hand-built ONNX files: every way a float tensor can be stored. */
class OnnxReaderTest {
    @TempDir
    Path dir;

    private OnnxFile open(OnnxWriter graph) throws IOException {
        Path file = dir.resolve("model.onnx");
        Files.write(file, OnnxWriter.model(graph));
        return OnnxFile.open(file);
    }

    private static OnnxWriter graphWith(OnnxWriter... initializers) {
        OnnxWriter g = new OnnxWriter();
        for (OnnxWriter t : initializers) {
            g.message(5, t);
        }
        return g;
    }

    @Test
    void readsFloat32FromRawDataAndPackedFloatData() throws IOException {
        float[] v = {1f, -2f, 3.5f, 1e-3f};
        OnnxFile f = open(graphWith(tensor("raw", StoredTensor.FLOAT, 2, 2).bytes(9, floatsLE(v)),
                tensor("packed", StoredTensor.FLOAT, 4).bytes(4, floatsLE(v))));
        StoredTensor raw = f.constants.get("raw");
        assertArrayEquals(new long[] {2, 2}, raw.dims);
        assertNull(raw.problem());
        assertArrayEquals(v, raw.toFloats());
        assertArrayEquals(v, f.constants.get("packed").toFloats());
    }

    @Test
    void convertsFloat16AndBfloat16FromRawDataAndInt32Data() throws IOException {
        // fp16: 1, -2.5, 65504 (largest), 2^-24 (smallest subnormal), 2^-14 (smallest normal), -0, infinity
        byte[] half = {0x00, 0x3c, 0x00, (byte) 0xc1, (byte) 0xff, 0x7b, 0x01, 0x00, 0x00, 0x04, 0x00, (byte) 0x80,
            0x00, 0x7c};
        float[] halfValues = {1f, -2.5f, 65504f, 0x1p-24f, 0x1p-14f, -0f, Float.POSITIVE_INFINITY};
        byte[] bf16 = {(byte) 0x80, 0x3f, 0x20, (byte) 0xc0, 0x49, 0x40}; // 1, -2.5, 3.140625
        OnnxFile f = open(graphWith(tensor("half", StoredTensor.FLOAT16, 7).bytes(9, half),
                tensor("bf16", StoredTensor.BFLOAT16, 3).bytes(9, bf16),
                tensor("halfInt32", StoredTensor.FLOAT16, 2).bytes(5, OnnxWriter.varints(0x3c00, 0xc100)),
                tensor("bf16Int32", StoredTensor.BFLOAT16, 1).bytes(5, OnnxWriter.varints(0xc020))));
        assertArrayEquals(halfValues, f.constants.get("half").toFloats());
        assertArrayEquals(new float[] {1f, -2.5f, 3.140625f}, f.constants.get("bf16").toFloats());
        assertArrayEquals(new float[] {1f, -2.5f}, f.constants.get("halfInt32").toFloats());
        assertArrayEquals(new float[] {-2.5f}, f.constants.get("bf16Int32").toFloats());
    }

    @Test
    void readsConstantNodesAndTransposePermutations() throws IOException {
        OnnxWriter value = new OnnxWriter().string(1, "value").varint(20, 4)
                .message(5, tensor("", StoredTensor.FLOAT, 2).bytes(9, floatsLE(7f, 8f)));
        OnnxWriter perm = new OnnxWriter().string(1, "perm").varint(20, 7).bytes(8, OnnxWriter.varints(1, 0));
        OnnxFile f = open(new OnnxWriter()
                .message(1, OnnxWriter.node("Constant", new String[0], "c").message(5, value))
                .message(1, OnnxWriter.node("Transpose", new String[] {"c"}, "t").message(5, perm)));
        assertArrayEquals(new float[] {7f, 8f}, f.constants.get("c").toFloats());
        assertArrayEquals(new long[] {1, 0}, f.nodes.get(1).perm());
        assertEquals("Transpose", f.nodes.get(1).opType());
    }

    private static OnnxWriter external(String location, long offset, long length) {
        return tensor("w", StoredTensor.FLOAT, 2, 2)
                .message(13, new OnnxWriter().string(1, "location").string(2, location))
                .message(13, new OnnxWriter().string(1, "offset").string(2, Long.toString(offset)))
                .message(13, new OnnxWriter().string(1, "length").string(2, Long.toString(length)))
                .varint(14, 1);
    }

    @Test
    void mapsExternalDataAtItsOffset() throws IOException {
        byte[] data = new byte[8 + 16 + 4];
        System.arraycopy(floatsLE(1f, 2f, 3f, 4f), 0, data, 8, 16);
        Files.write(dir.resolve("model.onnx.data"), data);
        OnnxFile f = open(graphWith(external("model.onnx.data", 8, 16)));
        assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, f.constants.get("w").toFloats());
    }

    @Test
    void mapsExternalDataPastTwoGigabytes() throws IOException {
        long offset = 3L << 30; // a sparse 3 GB file: Qwen2-0.5B's external data is 2.5 GB
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("big.bin").toFile(), "rw")) {
            f.seek(offset);
            f.write(floatsLE(5f, 6f, 7f, 8f));
        }
        OnnxFile f = open(graphWith(external("big.bin", offset, 16)));
        assertArrayEquals(new float[] {5f, 6f, 7f, 8f}, f.constants.get("w").toFloats());
    }

    @Test
    void missingOrEscapingExternalDataIsAOneLineError() throws IOException {
        ModelException missing = assertThrows(ModelException.class, () -> open(graphWith(external("gone.bin", 0, 16))));
        assertTrue(missing.getMessage().contains("gone.bin") && missing.getMessage().contains("does not exist"),
                missing.getMessage());
        Files.write(dir.resolve("short.bin"), new byte[10]);
        ModelException past = assertThrows(ModelException.class, () -> open(graphWith(external("short.bin", 0, 16))));
        assertTrue(past.getMessage().contains("past the end of short.bin"), past.getMessage());
        ModelException outside = assertThrows(ModelException.class, () -> open(graphWith(external("../x.bin", 0, 16))));
        assertTrue(outside.getMessage().contains("outside the model's folder"), outside.getMessage());
        for (ModelException e : new ModelException[] {missing, past, outside}) {
            assertTrue(!e.getMessage().contains("\n") && e.getMessage().contains("model.onnx"), e.getMessage());
        }
    }

    @Test
    void halfToFloatCoversEveryClass() {
        assertEquals(0f, StoredTensor.halfToFloat(0x0000));
        assertEquals(-2f, StoredTensor.halfToFloat(0xc000));
        assertEquals(0.333251953125f, StoredTensor.halfToFloat(0x3555));
        assertEquals(0x1.ff8p-15f, StoredTensor.halfToFloat(0x03ff)); // largest subnormal
        assertTrue(Float.isNaN(StoredTensor.halfToFloat(0x7e00)));
        assertEquals(Float.NEGATIVE_INFINITY, StoredTensor.halfToFloat(0xfc00));
    }
}
