package dev.reason.weights;

import dev.reason.model.ModelConfig;
import dev.reason.model.ModelDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The weights mapped from each committed model's ONNX graph against the recipe's model.safetensors (exact), and a
 * plain-Java forward pass over them against PyTorch's logits: the layouts differ per model (folded anonymous
 * [in, out] matrices, named matrices behind Transpose nodes, mixed layouts with Casts and Constants, external data).
 */
class LlamaWeightsTest {
    /** The shipped model and the recipe's random-weight fixtures. */
    static final String[] MODELS = {"models/reason-mini", "src/test/resources/models/tiny-llama",
        "src/test/resources/models/tiny-qwen2", "src/test/resources/models/tiny-llama-external",
        "src/test/resources/models/tiny-qwen3"};

    static ModelConfig config(Path dir) {
        try (ModelDirectory m = ModelDirectory.open(dir)) {
            return m.config();
        }
    }

    /** Every mapped tensor, by its Hugging Face name. */
    private static Map<String, WeightTensor> byHfName(LlamaWeights w) {
        Map<String, WeightTensor> m = new LinkedHashMap<>();
        m.put("model.embed_tokens.weight", w.embedding());
        m.put("model.norm.weight", w.finalNorm());
        m.put("lm_head.weight", w.lmHead());
        for (int i = 0; i < w.layers().size(); i++) {
            LlamaWeights.Layer l = w.layers().get(i);
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", l.attnNorm());
            m.put(p + "self_attn.q_proj.weight", l.q());
            m.put(p + "self_attn.k_proj.weight", l.k());
            m.put(p + "self_attn.v_proj.weight", l.v());
            m.put(p + "self_attn.o_proj.weight", l.o());
            m.put(p + "self_attn.q_proj.bias", l.qBias());
            m.put(p + "self_attn.k_proj.bias", l.kBias());
            m.put(p + "self_attn.v_proj.bias", l.vBias());
            m.put(p + "post_attention_layernorm.weight", l.mlpNorm());
            m.put(p + "mlp.gate_proj.weight", l.gate());
            m.put(p + "mlp.up_proj.weight", l.up());
            m.put(p + "mlp.down_proj.weight", l.down());
            m.put(p + "self_attn.q_norm.weight", l.qNorm());
            m.put(p + "self_attn.k_norm.weight", l.kNorm());
        }
        return m;
    }

    @ParameterizedTest
    @FieldSource("MODELS")
    void everyMappedTensorEqualsTheSafetensorsOne(String model) throws IOException {
        Path dir = Path.of(model);
        assertMapsToTheSafetensors(dir.resolve("model.onnx"), dir);
    }

    /** Maps {@code onnx} with {@code dir}'s config.json and checks every tensor against dir's model.safetensors. */
    static void assertMapsToTheSafetensors(Path onnx, Path dir) throws IOException {
        ModelConfig c = config(dir);
        SafeTensors st = new SafeTensors(dir.resolve("model.safetensors"));
        try (LlamaWeights w = LlamaWeights.read(onnx, c)) {
            assertEquals(c.numLayers(), w.layers().size());
            for (Map.Entry<String, WeightTensor> e : byHfName(w).entrySet()) {
                String name = e.getKey();
                WeightTensor t = e.getValue();
                if (name.endsWith("_proj.bias") && !c.qkvBias() || name.endsWith("_norm.weight") && name.contains("self_attn")
                        && !c.qkNorm()) {
                    assertNull(t, name);
                    continue;
                }
                // transformers saves a tied lm_head once, as the embedding
                String source = name.equals("lm_head.weight") && !st.has(name) ? "model.embed_tokens.weight" : name;
                assertArrayEquals(st.shape(source), t.shape(), name + " shape");
                assertArrayEquals(st.floats(source), t.toFloats(), name + " (" + t.name() + ") values");
            }
        }
    }

    @ParameterizedTest
    @FieldSource("MODELS")
    void plainJavaForwardOverTheMappedWeightsMatchesPyTorch(String model) throws IOException {
        Path dir = Path.of(model);
        ModelConfig c = config(dir);
        ReferenceLogits ref = ReferenceLogits.read(dir);
        float[][] logits;
        try (LlamaWeights w = LlamaWeights.read(dir.resolve("model.onnx"), c)) {
            logits = new ReferenceForward(w, c).logits(ref.ids());
        }
        float worst = 0;
        for (int t = 0; t < ref.ids().length; t++) {
            worst = Math.max(worst, ReferenceLogits.maxAbsDiff(logits[t], ref.full()[t]));
        }
        for (int t = ref.prefill(); t < ref.ids().length; t++) {
            worst = Math.max(worst, ReferenceLogits.maxAbsDiff(logits[t], ref.steps()[t - ref.prefill()]));
        }
        assertTrue(worst <= 1e-4, model + ": max |java - torch| = " + worst);
    }

    @Test
    void tiedEmbeddingsThroughATransposeAreOneTensor() {
        Path dir = Path.of("src/test/resources/models/tiny-llama-external");
        try (LlamaWeights w = LlamaWeights.read(dir.resolve("model.onnx"), config(dir))) {
            assertSame(w.embedding(), w.lmHead(), "lm_head reads the embedding initializer through a Transpose");
        }
        Path untied = Path.of("src/test/resources/models/tiny-llama");
        try (LlamaWeights w = LlamaWeights.read(untied.resolve("model.onnx"), config(untied))) {
            assertNotSame(w.embedding(), w.lmHead());
            assertNotEquals(w.embedding().name(), w.lmHead().name());
        }
    }

    @Test
    void qwen2BiasesAreMappedAndConstantNodesAreRead() {
        Path dir = Path.of("src/test/resources/models/tiny-qwen2");
        try (LlamaWeights w = LlamaWeights.read(dir.resolve("model.onnx"), config(dir))) {
            for (LlamaWeights.Layer l : w.layers()) {
                assertNotNull(l.qBias());
                assertNotNull(l.kBias());
                assertNotNull(l.vBias());
            }
            assertTrue(w.lmHead().name().startsWith("onnx::MatMul_"), "anonymous names: " + w.lmHead().name());
        }
    }

    @Test
    void closedWeightsCannotBeRead() {
        Path dir = Path.of("src/test/resources/models/tiny-llama");
        WeightTensor t;
        try (LlamaWeights w = LlamaWeights.read(dir.resolve("model.onnx"), config(dir))) {
            t = w.embedding();
        }
        assertThrows(IllegalStateException.class, t::toFloats);
    }
}
