package dev.reason.weights;

import dev.reason.model.ModelDirectory;
import dev.reason.runtime.DecodeBatch;
import dev.reason.runtime.OrtEngine;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The random-weight fixtures are real models: ONNX Runtime runs each model.onnx (anonymized graph, external data)
 * and agrees with the PyTorch logits the recipe wrote, so the mapping tests compare against a sound graph.
 */
class FixtureModelsTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2", "tiny-llama-external"})
    void onnxRuntimeAgreesWithPyTorch(String name) throws IOException {
        Path dir = Path.of("src/test/resources/models", name);
        ReferenceLogits ref = ReferenceLogits.read(dir);
        try (ModelDirectory model = ModelDirectory.open(dir); OrtEngine engine = OrtEngine.load(model, 1)) {
            for (int n = ref.prefill(); n <= ref.ids().length; n += 10) {
                try (DecodeBatch b = engine.start(Arrays.copyOf(ref.ids(), n), 1, 4)) {
                    float d = ReferenceLogits.maxAbsDiff(b.promptLogits(), ref.full()[n - 1]);
                    assertTrue(d <= 1e-4, name + " prefix " + n + ": max |onnx - torch| = " + d);
                }
            }
        }
    }
}
