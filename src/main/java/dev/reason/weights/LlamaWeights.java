package dev.reason.weights;

import dev.reason.model.ModelConfig;

import java.nio.file.Path;
import java.util.List;

/** PLACEHOLDER until the weights reader (another worktree) lands: the agreed API only. Delete before merging. */
public final class LlamaWeights implements AutoCloseable {
    public static LlamaWeights read(Path onnxFile, ModelConfig config) {
        throw new UnsupportedOperationException("placeholder: the weights reader has not landed yet");
    }

    public WeightTensor embedding() {
        throw new UnsupportedOperationException("placeholder");
    }

    public WeightTensor finalNorm() {
        throw new UnsupportedOperationException("placeholder");
    }

    public WeightTensor lmHead() {
        throw new UnsupportedOperationException("placeholder");
    }

    public List<Layer> layers() {
        throw new UnsupportedOperationException("placeholder");
    }

    public record Layer(WeightTensor attnNorm, WeightTensor q, WeightTensor k, WeightTensor v, WeightTensor o,
                        WeightTensor qBias, WeightTensor kBias, WeightTensor vBias,
                        WeightTensor mlpNorm, WeightTensor gate, WeightTensor up, WeightTensor down) {
    }

    @Override
    public void close() {
    }
}
