package dev.reason.engine.cuda;

import dev.reason.model.ModelConfig;
import dev.reason.model.ModelException;
import jcuda.driver.CUdeviceptr;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The weights on the GPU. Matrices are in the engine's precision; norms, biases and RoPE frequencies stay fp32.
 * Q, K and V are stacked into one [q + 2 kv, hidden] matrix and gate and up into one [2 inter, hidden], so each
 * takes one GEMM. Layers without a bias point at {@link #zeros}.
 */
final class DeviceWeights implements AutoCloseable {
    /** qNorm and kNorm: Qwen3's per-head norms, null for the rest of the family. */
    record Layer(CUdeviceptr attnNorm, CUdeviceptr qkv, CUdeviceptr qkvBias, CUdeviceptr o, CUdeviceptr mlpNorm,
                 CUdeviceptr gateUp, CUdeviceptr down, CUdeviceptr qNorm, CUdeviceptr kNorm) {
    }

    private final DeviceMemory memory;
    private final CudaEngine.Precision precision;
    /** Bytes of weights a decode step reads: every layer, the final norm and the LM head (not the embedding). */
    private long bytesPerStep;

    /** The bias of GEMMs without one: as long as the widest output. */
    final CUdeviceptr zeros;
    final CUdeviceptr invFreq;
    final CUdeviceptr embedding;
    final List<Layer> layers = new ArrayList<>();
    final CUdeviceptr finalNorm;
    final CUdeviceptr lmHead;

    /** Checks every shape against the config, converts and uploads; frees what it uploaded if anything fails. */
    static DeviceWeights upload(HostWeights host, ModelConfig c, CudaEngine.Precision precision) {
        DeviceMemory memory = new DeviceMemory();
        try {
            return new DeviceWeights(host, c, precision, memory);
        } catch (RuntimeException e) {
            memory.closeAfter(e);
            throw e;
        }
    }

    private DeviceWeights(HostWeights w, ModelConfig c, CudaEngine.Precision precision, DeviceMemory memory) {
        this.memory = memory;
        this.precision = precision;
        int hidden = c.hiddenSize();
        int inter = c.intermediateSize();
        int qDim = c.numHeads() * c.headDim();
        int kvDim = c.numKvHeads() * c.headDim();
        if (w.layers().size() != c.numLayers()) {
            throw new ModelException("model.onnx has " + w.layers().size() + " layers, config.json says "
                    + c.numLayers() + ": the files do not belong together");
        }
        int widestOutput = Math.max(Math.max(c.vocabSize(), hidden), Math.max(2 * inter, qDim + 2 * kvDim));
        zeros = memory.upload(new float[widestOutput]);
        if (w.inverseFrequencies().length != c.headDim() / 2) {
            throw new IllegalStateException(w.inverseFrequencies().length + " RoPE frequencies for head_dim "
                    + c.headDim() + ": expected half as many");
        }
        float[] freq = new float[c.headDim() / 2];
        for (int i = 0; i < freq.length; i++) {
            freq[i] = (float) w.inverseFrequencies()[i];
        }
        invFreq = memory.upload(freq);
        embedding = upload(floats(w.embedding(), c.vocabSize(), hidden));
        for (HostWeights.Layer l : w.layers()) {
            float[] qkv = concat(floats(l.q(), qDim, hidden), floats(l.k(), kvDim, hidden),
                    floats(l.v(), kvDim, hidden));
            boolean biased = l.qBias() != null || l.kBias() != null || l.vBias() != null;
            CUdeviceptr qkvBias = biased
                    ? vector(concat(bias(l.qBias(), qDim), bias(l.kBias(), kvDim), bias(l.vBias(), kvDim))) : zeros;
            float[] gateUp = concat(floats(l.gate(), inter, hidden), floats(l.up(), inter, hidden));
            if (c.qkNorm() && (l.qNorm() == null || l.kNorm() == null)) {
                throw new IllegalStateException("model_type " + c.modelType() + " without q_norm and k_norm weights");
            }
            layers.add(new Layer(vector(floats(l.attnNorm(), hidden)), matrix(qkv), qkvBias,
                    matrix(floats(l.o(), hidden, qDim)), vector(floats(l.mlpNorm(), hidden)), matrix(gateUp),
                    matrix(floats(l.down(), hidden, inter)),
                    c.qkNorm() ? vector(floats(l.qNorm(), c.headDim())) : null,
                    c.qkNorm() ? vector(floats(l.kNorm(), c.headDim())) : null));
        }
        finalNorm = vector(floats(w.finalNorm(), hidden));
        if (w.lmHeadTied()) {
            lmHead = embedding;
            bytesPerStep += (long) c.vocabSize() * hidden * bytesPerElement(precision);
        } else {
            lmHead = matrix(floats(w.lmHead(), c.vocabSize(), hidden));
        }
    }

    /** Bytes of weights the model needs on the GPU in this precision, known before anything is read. */
    static long bytesNeeded(ModelConfig c, CudaEngine.Precision precision) {
        long qkvDim = (long) (c.numHeads() + 2 * c.numKvHeads()) * c.headDim();
        long perLayer = qkvDim * c.hiddenSize() + (long) c.hiddenSize() * c.numHeads() * c.headDim()
                + 3L * c.intermediateSize() * c.hiddenSize();
        long matrices = perLayer * c.numLayers() + (c.tieWordEmbeddings() ? 1L : 2L) * c.vocabSize() * c.hiddenSize();
        return matrices * bytesPerElement(precision);
    }

    static int bytesPerElement(CudaEngine.Precision precision) {
        return precision == CudaEngine.Precision.FP32 ? 4 : 2;
    }

    long bytesPerStep() {
        return bytesPerStep;
    }

    @Override
    public void close() {
        memory.close();
    }

    /** The tensor's floats after checking that its shape is {@code expected}. */
    private static float[] floats(HostWeights.Tensor t, int... expected) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new ModelException("weight " + t.name() + " in model.onnx is " + Arrays.toString(t.shape())
                    + " but config.json implies " + Arrays.toString(expected) + ": the files do not belong together");
        }
        return t.floats().get();
    }

    private static float[] bias(HostWeights.Tensor t, int n) {
        return t == null ? new float[n] : floats(t, n);
    }

    /** A matrix read by every decode step. */
    private CUdeviceptr matrix(float[] data) {
        bytesPerStep += (long) data.length * bytesPerElement(precision);
        return upload(data);
    }

    private CUdeviceptr upload(float[] data) {
        return precision == CudaEngine.Precision.FP32 ? memory.upload(data) : memory.upload(bf16(data));
    }

    /** A norm or bias: fp32 in both precisions. */
    private CUdeviceptr vector(float[] data) {
        bytesPerStep += 4L * data.length;
        return memory.upload(data);
    }

    /** Rows of {@code parts} one after the other. */
    static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** Round to nearest even, as the GPU's __float2bfloat16; NaN stays NaN. */
    static short[] bf16(float[] data) {
        short[] out = new short[data.length];
        for (int i = 0; i < data.length; i++) {
            int bits = Float.floatToRawIntBits(data[i]);
            out[i] = Float.isNaN(data[i]) ? (short) 0x7fc0 : (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
        }
        return out;
    }
}
