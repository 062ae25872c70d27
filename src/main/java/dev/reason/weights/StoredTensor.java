package dev.reason.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * One TensorProto as the file stores it: name, dims, element type and a mapped slice holding its elements
 * (raw_data, packed float_data or int32_data inside the .onnx file, or a region of an external data file).
 */
final class StoredTensor {
    static final int FLOAT = 1;
    static final int FLOAT16 = 10;
    static final int BFLOAT16 = 16;

    final String name;
    final long[] dims;
    final int dataType;
    /** Little-endian elements, or for int32_data one varint per fp16/bf16 element. */
    private final ByteBuffer data;
    private final boolean varints;
    private final OnnxFile owner;

    private StoredTensor(String name, long[] dims, int dataType, ByteBuffer data, boolean varints, OnnxFile owner) {
        this.name = name;
        this.dims = dims;
        this.dataType = dataType;
        this.data = data;
        this.varints = varints;
        this.owner = owner;
    }

    /** The element type as the engines name it: fp32, fp16 or bf16 (the only ones a mapped weight can have). */
    String typeName() {
        switch (dataType) {
            case FLOAT:
                return "fp32";
            case FLOAT16:
                return "fp16";
            case BFLOAT16:
                return "bf16";
            default:
                return "ONNX type " + dataType;
        }
    }

    /** Bytes an element of a mappable type takes (fp32 4, fp16 and bf16 2). */
    int elementBytes() {
        return dataType == FLOAT ? 4 : 2;
    }

    /** Parses a TensorProto; external data is mapped from files next to the .onnx file. */
    static StoredTensor parse(ProtoReader r, OnnxFile owner) throws IOException {
        String name = "";
        ProtoReader.LongList dims = new ProtoReader.LongList();
        int type = 0;
        ByteBuffer data = null;
        boolean varints = false;
        boolean external = false;
        String location = null;
        long offset = 0;
        long length = -1;
        while (r.next()) {
            switch (r.field()) {
                case 1 -> r.int64s(dims);
                case 2 -> type = (int) r.varint();
                case 4, 9 -> data = packed(r); // float_data (packed fixed32) or raw_data
                case 5 -> {                      // int32_data: fp16 and bf16 bit patterns as varints
                    data = packed(r);
                    varints = true;
                }
                case 8 -> name = r.string();
                case 13 -> {                     // external_data: key/value strings
                    ProtoReader entry = r.message();
                    String key = null;
                    String value = null;
                    while (entry.next()) {
                        if (entry.field() == 1) {
                            key = entry.string();
                        } else if (entry.field() == 2) {
                            value = entry.string();
                        } else {
                            entry.skip();
                        }
                    }
                    if ("location".equals(key)) {
                        location = value;
                    } else if ("offset".equals(key)) {
                        offset = number(name, key, value);
                    } else if ("length".equals(key)) {
                        length = number(name, key, value);
                    }
                }
                case 14 -> external = r.varint() == 1;
                default -> r.skip();
            }
        }
        if (external || location != null) {
            data = owner.mapExternal(name, location, offset, length);
        }
        return new StoredTensor(name, dims.toArray(), type, data, varints, owner);
    }

    private static ByteBuffer packed(ProtoReader r) {
        if (r.wireType() != ProtoReader.LENGTH_DELIMITED) {
            throw new IllegalArgumentException("unpacked repeated field " + r.field() + " in a tensor");
        }
        return r.bytes();
    }

    private static long number(String tensor, String key, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("tensor " + tensor + " has external data " + key + " \"" + value + "\"");
        }
    }

    long elements() {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        return n;
    }

    /** Why this tensor cannot be read as floats, or null when it can. */
    String problem() {
        if (dataType != FLOAT && dataType != FLOAT16 && dataType != BFLOAT16) {
            return "has ONNX data type " + dataType + " (FLOAT, FLOAT16 and BFLOAT16 are supported)";
        }
        if (data == null) {
            return "has no data";
        }
        long n = elements();
        if (n > Integer.MAX_VALUE - 8) {
            return "has " + n + " elements, more than a Java array holds";
        }
        if (varints) {
            return dataType == FLOAT ? "stores FLOAT values in int32_data" : null;
        }
        long bytes = n * elementBytes();
        return data.limit() == bytes ? null : "holds " + data.limit() + " bytes for " + n + " elements " + Arrays.toString(dims);
    }

    /** The elements in file order, as floats; problem() must be null. */
    float[] toFloats() {
        owner.checkOpen();
        float[] out = new float[(int) elements()];
        if (varints) {
            ProtoReader r = new ProtoReader(data, 0);
            for (int i = 0; i < out.length; i++) {
                out[i] = fromBits16((int) r.varint());
            }
        } else if (dataType == FLOAT) {
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        } else {
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < out.length; i++) {
                out[i] = fromBits16(b.getShort(2 * i) & 0xffff);
            }
        }
        return out;
    }

    private float fromBits16(int bits) {
        return dataType == BFLOAT16 ? Float.intBitsToFloat(bits << 16) : halfToFloat(bits);
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(int h) {
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) { // infinity, NaN
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {    // zero, subnormal: mantissa * 2^-24
            float v = mantissa * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** Maps [offset, offset + length) of a file; length -1 means to the end of the file. */
    static ByteBuffer map(Path file, long offset, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long n = length < 0 ? size - offset : length;
            if (offset < 0 || n < 0 || offset + n > size) {
                throw new IllegalArgumentException("bytes " + offset + " to " + (offset + n) + " lie past the end of "
                        + file.getFileName() + " (" + size + " bytes)");
            }
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a tensor of " + n + " bytes is more than one mapping holds (2 GB)");
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, offset, n).order(ByteOrder.LITTLE_ENDIAN);
        }
    }
}
