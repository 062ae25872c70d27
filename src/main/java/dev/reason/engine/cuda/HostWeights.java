package dev.reason.engine.cuda;

import java.util.List;
import java.util.function.Supplier;

/**
 * A model's weights as the engine uploads them: Llama-family tensors, row-major floats read one at a time (so a
 * large model never sits in Java memory whole). {@link OnnxWeights} fills it from the model's ONNX file.
 *
 * @param lmHeadTied         the LM head is the embedding (uploaded once)
 * @param inverseFrequencies RoPE inverse frequencies, headDim / 2 values, scaling applied
 */
record HostWeights(Tensor embedding, Tensor finalNorm, Tensor lmHead, boolean lmHeadTied, List<Layer> layers,
                   double[] inverseFrequencies) {

    /** @param shape [out, in] for a matrix, [n] for a vector */
    record Tensor(String name, int[] shape, Supplier<float[]> floats) {
    }

    /** Biases are null when the model has none; qNorm and kNorm (Qwen3's per-head norms) when it has none. */
    record Layer(Tensor attnNorm, Tensor q, Tensor k, Tensor v, Tensor o, Tensor qBias, Tensor kBias, Tensor vBias,
                 Tensor mlpNorm, Tensor gate, Tensor up, Tensor down, Tensor qNorm, Tensor kNorm) {
    }
}
