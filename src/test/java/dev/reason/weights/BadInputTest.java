package dev.reason.weights;

import dev.reason.model.ModelConfig;
import dev.reason.model.ModelDirectory;
import dev.reason.model.ModelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static dev.reason.weights.OnnxWriter.floatsLE;
import static dev.reason.weights.OnnxWriter.node;
import static dev.reason.weights.OnnxWriter.tensor;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files and configs the reader must refuse with one line that names the file and what is wrong. */
class BadInputTest {
    private static final Path TINY_LLAMA = Path.of("src/test/resources/models/tiny-llama");
    private static final Path TINY_QWEN2 = Path.of("src/test/resources/models/tiny-qwen2");

    @TempDir
    Path tmp;

    private static ModelConfig config(Path dir) {
        try (ModelDirectory m = ModelDirectory.open(dir)) {
            return m.config();
        }
    }

    private static String refused(Path onnx, ModelConfig config, String... expected) {
        ModelException e = assertThrows(ModelException.class, () -> LlamaWeights.read(onnx, config).close());
        String m = e.getMessage();
        assertTrue(!m.contains("\n") && m.contains(onnx.toString()), "one line naming the file: " + m);
        for (String x : expected) {
            assertTrue(m.contains(x), "expected \"" + x + "\" in: " + m);
        }
        return m;
    }

    /** A copy of a model directory with one config.json field replaced. */
    private Path withConfig(Path dir, String field, String value) throws IOException {
        Path copy = tmp.resolve(dir.getFileName() + "-" + field);
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        String json = Files.readString(copy.resolve("config.json"));
        String edited = json.replaceFirst("\"" + field + "\": [^,\\n]+", "\"" + field + "\": " + value);
        if (edited.equals(json)) {
            edited = json.replaceFirst("\\{", "{\"" + field + "\": " + value + ",");
        }
        Files.writeString(copy.resolve("config.json"), edited);
        return copy;
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] whole = Files.readAllBytes(TINY_LLAMA.resolve("model.onnx"));
        Path cut = tmp.resolve("model.onnx");
        Files.write(cut, Arrays.copyOf(whole, whole.length / 2));
        refused(cut, config(TINY_LLAMA), "not a readable ONNX model", "truncated");
        Files.write(cut, new byte[0]);
        refused(cut, config(TINY_LLAMA), "has no graph");
        refused(tmp.resolve("absent.onnx"), config(TINY_LLAMA), "does not exist");
    }

    @Test
    void graphsThatAreNotLlamaDecoders() throws IOException {
        Path onnx = tmp.resolve("model.onnx");
        OnnxWriter w = tensor("w", StoredTensor.FLOAT, 2, 2).bytes(9, floatsLE(1, 2, 3, 4));
        // a single matrix product: no embedding at all
        Files.write(onnx, OnnxWriter.model(new OnnxWriter().message(5, w)
                .message(11, OnnxWriter.value("x")).message(12, OnnxWriter.value("y"))
                .message(1, node("MatMul", new String[] {"x", "w"}, "y"))));
        refused(onnx, config(TINY_LLAMA), "no Gather of a 2-D weight by input_ids");
        // an embedding followed by two projections in a row: not the q/k/v, o, gate/up, down pattern
        OnnxWriter e = tensor("e", StoredTensor.FLOAT, 3, 2).bytes(9, floatsLE(1, 2, 3, 4, 5, 6));
        Files.write(onnx, OnnxWriter.model(new OnnxWriter().message(5, e).message(5, w)
                .message(11, OnnxWriter.value("input_ids")).message(12, OnnxWriter.value("z"))
                .message(1, node("Gather", new String[] {"e", "input_ids"}, "x"))
                .message(1, node("MatMul", new String[] {"x", "w"}, "y"))
                .message(1, node("MatMul", new String[] {"y", "w"}, "z"))));
        refused(onnx, config(TINY_LLAMA), "groups of [1, 1]", "3 (q, k, v)");
    }

    @Test
    void configThatDisagreesWithTheGraph() throws IOException {
        Path heads = withConfig(TINY_LLAMA, "num_attention_heads", "2");
        refused(heads.resolve("model.onnx"), config(heads), "q_proj", "[32, 32]", "implies [16, 32]",
                "num_attention_heads 2");
        Path kvHeads = withConfig(TINY_LLAMA, "num_key_value_heads", "4");
        refused(kvHeads.resolve("model.onnx"), config(kvHeads), "k_proj", "implies [32, 32]");
        Path layers = withConfig(TINY_LLAMA, "num_hidden_layers", "2");
        refused(layers.resolve("model.onnx"), config(layers), "graph has 3 decoder layers", "num_hidden_layers 2");
        Path vocab = withConfig(TINY_LLAMA, "vocab_size", "128");
        refused(vocab.resolve("model.onnx"), config(vocab), "embed_tokens", "[160, 32]", "implies [128, 32]");
        Path bias = withConfig(TINY_QWEN2, "attention_bias", "false");
        refused(bias.resolve("model.onnx"), config(bias), "3 of 3 q/k/v biases", "implies none");
    }

    @Test
    void missingExternalDataFile() throws IOException {
        Path dir = withConfig(Path.of("src/test/resources/models/tiny-llama-external"), "rms_norm_eps", "1e-05");
        Files.delete(dir.resolve("model.onnx_data"));
        refused(dir.resolve("model.onnx"), config(dir), "model.onnx_data", "does not exist");
    }
}
