package dev.reason.engine.cpu;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.platform.Fp16Conversions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.Locale;

/**
 * How a graph hands a float tensor to the CPU engine and back: fp32, or fp16 as half-precision exports keep their KV
 * cache and often their logits (Optimum's {@code --dtype fp16}, onnx-community's {@code model_fp16.onnx} and
 * {@code model_q4f16.onnx}). The engine keeps such tensors as raw bytes in direct buffers, so the cache is copied,
 * compacted and fed back the same way in either format; only logits are widened to fp32 for sampling.
 */
enum FloatFormat {
    FP32(4, OnnxJavaType.FLOAT),
    FP16(2, OnnxJavaType.FLOAT16);

    final int bytes;
    private final OnnxJavaType type;

    FloatFormat(int bytes, OnnxJavaType type) {
        this.bytes = bytes;
        this.type = type;
    }

    /** The format of a graph's tensor type, or null when the engine does not exchange that type. */
    static FloatFormat of(OnnxJavaType type) {
        for (FloatFormat f : values()) {
            if (f.type == type) {
                return f;
            }
        }
        return null;
    }

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A zeroed direct buffer for {@code elements} values, in the platform's byte order as ONNX Runtime reads it. */
    ByteBuffer allocate(long elements) {
        return ByteBuffer.allocateDirect(Math.toIntExact(elements * bytes)).order(ByteOrder.nativeOrder());
    }

    /** A tensor over the first elements of {@code buffer} (shared, not copied: ONNX Runtime reads and writes it in place). */
    OnnxTensor tensor(OrtEnvironment env, ByteBuffer buffer, long[] shape) throws OrtException {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        ByteBuffer head = buffer.duplicate().position(0).limit(Math.toIntExact(n * bytes)).slice().order(ByteOrder.nativeOrder());
        return this == FP32 ? OnnxTensor.createTensor(env, head.asFloatBuffer(), shape)
                : OnnxTensor.createTensor(env, head.asShortBuffer(), shape, type);
    }

    /** Copies {@code count} values starting at element {@code from} of {@code buffer} into {@code dst}, widened to fp32. */
    void read(ByteBuffer buffer, int from, int count, float[] dst) {
        if (this == FP32) {
            buffer.asFloatBuffer().get(from, dst, 0, count);
            return;
        }
        ShortBuffer halves = buffer.asShortBuffer();
        for (int i = 0; i < count; i++) {
            dst[i] = Fp16Conversions.fp16ToFloat(halves.get(from + i));
        }
    }
}
