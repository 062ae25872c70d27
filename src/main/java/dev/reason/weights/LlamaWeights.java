package dev.reason.weights;

import dev.reason.model.ModelConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The weights of a Llama-family decoder (Llama, Qwen2, Qwen3, Mistral-style grouped-query attention, tied or
 * untied embeddings) read straight from its ONNX file and mapped onto the architecture config.json describes.
 * The file and any external data stay memory-mapped; a tensor is converted only when asked for. How weights
 * are found in the graph: {@link LlamaMapper}.
 */
public final class LlamaWeights implements AutoCloseable {
    /**
     * One decoder layer; the biases are null when the model has none, and the per-head norms of queries and keys
     * ([headDim], before RoPE) unless it is Qwen3.
     */
    public record Layer(WeightTensor attnNorm, WeightTensor q, WeightTensor k, WeightTensor v, WeightTensor o,
                        WeightTensor qBias, WeightTensor kBias, WeightTensor vBias,
                        WeightTensor mlpNorm, WeightTensor gate, WeightTensor up, WeightTensor down,
                        WeightTensor qNorm, WeightTensor kNorm) {
    }

    private final OnnxFile file;
    private final WeightTensor embedding;
    private final WeightTensor finalNorm;
    private final WeightTensor lmHead;
    private final List<Layer> layers;

    LlamaWeights(OnnxFile file, WeightTensor embedding, WeightTensor finalNorm, WeightTensor lmHead, List<Layer> layers) {
        this.file = file;
        this.embedding = embedding;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.layers = List.copyOf(layers);
    }

    /**
     * Reads and maps the weights; every shape is checked against config. Errors are ModelExceptions with one line
     * naming the file and what is wrong.
     */
    public static LlamaWeights read(Path onnxFile, ModelConfig config) {
        return new LlamaMapper(OnnxFile.open(onnxFile), config).map();
    }

    /** [vocab, hidden]. */
    public WeightTensor embedding() {
        return embedding;
    }

    /** [hidden]. */
    public WeightTensor finalNorm() {
        return finalNorm;
    }

    /** [vocab, hidden]; the same object as embedding() when the graph reuses the embedding itself. */
    public WeightTensor lmHead() {
        return lmHead;
    }

    public List<Layer> layers() {
        return layers;
    }

    /** Every weight tensor the file stores, once: a tied lm_head, the embedding read again, is not counted twice. */
    public List<WeightTensor> tensors() {
        List<WeightTensor> all = new ArrayList<>(List.of(embedding, finalNorm, lmHead));
        for (Layer l : layers) {
            all.addAll(Arrays.asList(l.attnNorm(), l.q(), l.k(), l.v(), l.o(), l.qBias(), l.kBias(), l.vBias(),
                    l.mlpNorm(), l.gate(), l.up(), l.down(), l.qNorm(), l.kNorm()));
        }
        Set<StoredTensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        return all.stream().filter(t -> t != null && seen.add(t.stored())).toList();
    }

    /** Tensors cannot be read afterwards; the mappings go with the garbage collector (Java 17 cannot unmap). */
    @Override
    public void close() {
        file.close();
    }
}
