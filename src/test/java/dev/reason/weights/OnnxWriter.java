package dev.reason.weights;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Test-only protobuf writer with just enough of onnx.proto to hand-build small ONNX files. */
final class OnnxWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    OnnxWriter varint(int field, long v) {
        tag(field, ProtoReader.VARINT);
        raw(v);
        return this;
    }

    OnnxWriter bytes(int field, byte[] b) {
        tag(field, ProtoReader.LENGTH_DELIMITED);
        raw(b.length);
        out.writeBytes(b);
        return this;
    }

    OnnxWriter string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    OnnxWriter message(int field, OnnxWriter m) {
        return bytes(field, m.toByteArray());
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void tag(int field, int wireType) {
        raw((long) field << 3 | wireType);
    }

    private void raw(long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** A TensorProto header: name, dims (one tag each, unpacked), data type; the caller adds the data. */
    static OnnxWriter tensor(String name, int dataType, long... dims) {
        OnnxWriter t = new OnnxWriter().string(8, name).varint(2, dataType);
        for (long d : dims) {
            t.varint(1, d);
        }
        return t;
    }

    /** Packed varints, as int32_data holds fp16 and bf16 bit patterns. */
    static byte[] varints(long... v) {
        OnnxWriter w = new OnnxWriter();
        for (long x : v) {
            w.raw(x);
        }
        return w.toByteArray();
    }

    static byte[] floatsLE(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static OnnxWriter node(String op, String[] inputs, String... outputs) {
        OnnxWriter n = new OnnxWriter();
        for (String i : inputs) {
            n.string(1, i);
        }
        for (String o : outputs) {
            n.string(2, o);
        }
        return n.string(4, op);
    }

    /** ValueInfoProto with only a name: enough for graph inputs and outputs here. */
    static OnnxWriter value(String name) {
        return new OnnxWriter().string(1, name);
    }

    /** A ModelProto around a graph. */
    static byte[] model(OnnxWriter graph) {
        return new OnnxWriter().varint(1, 8).message(7, graph).toByteArray();
    }
}
