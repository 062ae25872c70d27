package dev.reason.engine.cuda;

import dev.reason.model.ModelDirectory;
import dev.reason.weights.LlamaWeights;
import dev.reason.weights.WeightTensor;

import java.util.List;
import java.util.function.Function;

/** The one place that reads weights for the CUDA engine: {@code dev.reason.weights} adapted to {@link HostWeights}. */
final class OnnxWeights {
    private OnnxWeights() {
    }

    /** Opens the model's ONNX file, hands its weights to {@code use} (which uploads them) and closes the file. */
    static <T> T read(ModelDirectory model, Function<HostWeights, T> use) {
        try (LlamaWeights w = LlamaWeights.read(model.onnxFile(), model.config())) {
            List<HostWeights.Layer> layers = w.layers().stream()
                    .map(l -> new HostWeights.Layer(tensor(l.attnNorm()), tensor(l.q()), tensor(l.k()), tensor(l.v()),
                            tensor(l.o()), tensor(l.qBias()), tensor(l.kBias()), tensor(l.vBias()),
                            tensor(l.mlpNorm()), tensor(l.gate()), tensor(l.up()), tensor(l.down()),
                            tensor(l.qNorm()), tensor(l.kNorm())))
                    .toList();
            return use.apply(new HostWeights(tensor(w.embedding()), tensor(w.finalNorm()), tensor(w.lmHead()),
                    w.lmHead() == w.embedding(), layers, model.config().inverseFrequencies()));
        }
    }

    private static HostWeights.Tensor tensor(WeightTensor t) {
        return t == null ? null : new HostWeights.Tensor(t.name(), t.shape(), t::toFloats);
    }
}
