package dev.reason.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test-only reader of a GGUF file (version 3, little-endian), read the way the specification lays it out and
 * independently of the exporter: metadata as Java values, tensor infos, and a tensor's values as floats (F32, F16 and
 * Q8_0). Scalars read as Long, Double, Boolean or String; arrays as lists of those.
 */
final class GgufFile {
    static final int F32 = 0;
    static final int F16 = 1;
    static final int Q8_0 = 8;
    private static final int Q8_0_VALUES = 32;
    private static final int Q8_0_BYTES = 2 + Q8_0_VALUES;

    /** dims in ggml's order: the fastest-varying first (a [out, in] matrix is {in, out}). */
    record Tensor(String name, long[] dims, int type, long offset) {
        long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }
    }

    final Map<String, Object> metadata = new LinkedHashMap<>();
    final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final ByteBuffer buf;
    private final long dataStart;

    GgufFile(Path file) throws IOException {
        buf = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[4];
        buf.get(magic);
        if (!new String(magic, StandardCharsets.US_ASCII).equals("GGUF") || buf.getInt() != 3) {
            throw new IllegalArgumentException(file + " is not a GGUF version 3 file");
        }
        long tensorCount = buf.getLong();
        long kvCount = buf.getLong();
        for (long i = 0; i < kvCount; i++) {
            String key = string();
            metadata.put(key, value(buf.getInt()));
        }
        for (long i = 0; i < tensorCount; i++) {
            String name = string();
            long[] dims = new long[buf.getInt()];
            for (int d = 0; d < dims.length; d++) {
                dims[d] = buf.getLong();
            }
            tensors.put(name, new Tensor(name, dims, buf.getInt(), buf.getLong()));
        }
        long alignment = ((Number) metadata.getOrDefault("general.alignment", 32L)).longValue();
        dataStart = (buf.position() + alignment - 1) / alignment * alignment;
    }

    Object get(String key) {
        if (!metadata.containsKey(key)) {
            throw new IllegalArgumentException("no metadata key " + key);
        }
        return metadata.get(key);
    }

    /** The tensor's values in its stored order, dequantized. */
    float[] floats(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + name);
        }
        float[] out = new float[Math.toIntExact(t.elements())];
        int at = Math.toIntExact(dataStart + t.offset());
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (t.type()) {
                case F32 -> buf.getFloat(at + 4 * i);
                case F16 -> StoredTensor.halfToFloat(buf.getShort(at + 2 * i) & 0xffff);
                case Q8_0 -> {
                    int block = at + i / Q8_0_VALUES * Q8_0_BYTES;
                    yield q8Scale(block) * buf.get(block + 2 + i % Q8_0_VALUES);
                }
                default -> throw new IllegalArgumentException(name + " has type " + t.type() + ", not read here");
            };
        }
        return out;
    }

    /** The scales of a Q8_0 tensor's blocks, in order. */
    float[] q8Scales(String name) {
        Tensor t = tensors.get(name);
        float[] out = new float[Math.toIntExact(t.elements() / Q8_0_VALUES)];
        for (int b = 0; b < out.length; b++) {
            out[b] = q8Scale(Math.toIntExact(dataStart + t.offset()) + b * Q8_0_BYTES);
        }
        return out;
    }

    private float q8Scale(int block) {
        return StoredTensor.halfToFloat(buf.getShort(block) & 0xffff);
    }

    private String string() {
        byte[] b = new byte[Math.toIntExact(buf.getLong())];
        buf.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private Object value(int type) {
        return switch (type) {
            case 0 -> (long) (buf.get() & 0xff);
            case 1 -> (long) buf.get();
            case 2 -> (long) (buf.getShort() & 0xffff);
            case 3 -> (long) buf.getShort();
            case 4 -> buf.getInt() & 0xffffffffL;
            case 5 -> (long) buf.getInt();
            case 6 -> (double) buf.getFloat();
            case 7 -> buf.get() != 0;
            case 8 -> string();
            case 9 -> {
                int element = buf.getInt();
                long n = buf.getLong();
                List<Object> list = new ArrayList<>();
                for (long i = 0; i < n; i++) {
                    list.add(value(element));
                }
                yield list;
            }
            case 10, 11 -> buf.getLong();
            case 12 -> buf.getDouble();
            default -> throw new IllegalArgumentException("unknown GGUF value type " + type);
        };
    }
}
