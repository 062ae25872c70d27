package dev.reason.weights;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.cpu.OrtEngine;
import dev.reason.model.ModelDirectory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The random-weight fixtures are real models: ONNX Runtime runs each model.onnx (anonymized graph, external data)
 * and agrees with the PyTorch logits the recipe wrote, fresh and over its cache, so the mapping tests compare
 * against a sound graph.
 */
class FixtureModelsTest {
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama", "tiny-qwen2", "tiny-llama-external", "tiny-qwen3"})
    void onnxRuntimeAgreesWithPyTorch(String name) throws IOException {
        assertOnnxRuntimeAgreesWithPyTorch(Path.of("src/test/resources/models", name), name);
    }

    /**
     * ONNX Runtime's logits of dir's model.onnx against PyTorch's: after prefixes of the reference text (an empty
     * past), and decoding the rest of it one token at a time over the cache.
     */
    static void assertOnnxRuntimeAgreesWithPyTorch(Path dir, String name) throws IOException {
        ReferenceLogits ref = ReferenceLogits.read(dir);
        try (ModelDirectory model = ModelDirectory.open(dir); OrtEngine engine = OrtEngine.load(model, 1, line -> { })) {
            for (int n = ref.prefill(); n <= ref.ids().length; n += 10) {
                try (DecodeBatch b = engine.start(Arrays.copyOf(ref.ids(), n), 1, 4)) {
                    float d = ReferenceLogits.maxAbsDiff(b.promptLogits(), ref.full()[n - 1]);
                    assertTrue(d <= 1e-4, name + " prefix " + n + ": max |onnx - torch| = " + d);
                }
            }
            int steps = ref.ids().length - ref.prefill();
            try (DecodeBatch b = engine.start(Arrays.copyOf(ref.ids(), ref.prefill()), 1, steps)) {
                b.startChain(0);
                for (int t = 0; t < steps; t++) {
                    float[] logits = b.step(new int[] {ref.ids()[ref.prefill() + t]}, new boolean[] {true});
                    float d = ReferenceLogits.maxAbsDiff(Arrays.copyOf(logits, b.vocabSize()), ref.steps()[t]);
                    assertTrue(d <= 1e-4, name + " cached decoding step " + t + ": max |onnx - torch| = " + d);
                }
            }
        }
    }
}
