package dev.reason.weights;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The graphs models/recipe/onnx_graph.py writes node by node, the recipe's way to an ONNX decoder when torch's
 * deprecated TorchScript exporter is missing (the GPU machine makes its throughput model with a newer torch):
 * built from two fixtures' weights (src/test/resources/models/built/, see the README there), each maps onto the
 * same tensors as the fixture's exported graph, and ONNX Runtime runs it to the fixture's PyTorch logits. The
 * append graphs ({@code --cache append}: only the new keys and values out) and the GroupQueryAttention graphs
 * ({@code --cache gqa}) run to the same logits; a GroupQueryAttention graph's weights map too (q, k and v by the
 * inputs they fill).
 */
class BuiltGraphTest {
    private static final Path MODELS = Path.of("src/test/resources/models");

    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen2", "tiny-llama", "tiny-llama-h16-gqa"})
    void mapsOntoTheFixturesWeights(String name) throws IOException {
        LlamaWeightsTest.assertMapsToTheSafetensors(MODELS.resolve("built").resolve(name + ".onnx"),
                MODELS.resolve(fixture(name)));
    }

    /** The fixture whose weights a built graph holds: its name without the kind of cache. */
    private static String fixture(String graph) {
        return graph.replaceAll("-(append|gqa)$", "");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-qwen2", "tiny-llama", "tiny-qwen2-append", "tiny-llama-append", "tiny-llama-h16-gqa"})
    void onnxRuntimeRunsItToThePyTorchLogits(String name, @TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        // the fixture, with the built graph instead
        try (Stream<Path> files = Files.list(MODELS.resolve(fixture(name)))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!f.getFileName().toString().startsWith("model.onnx")) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        Files.copy(MODELS.resolve("built").resolve(name + ".onnx"), dir.resolve("model.onnx"));
        FixtureModelsTest.assertOnnxRuntimeAgreesWithPyTorch(dir, "built " + name);
    }
}
