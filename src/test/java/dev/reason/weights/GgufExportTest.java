package dev.reason.weights;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason.model.ModelConfig;
import dev.reason.testing.Scripts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The recipe's GGUF exporter (models/recipe/gguf_export.py), read back with a reader of the specification's layout:
 * llama.cpp's metadata from config.json and the tokenizer files, and tensors equal to the weights the CPU engine maps
 * from model.onnx (Llama's q and k rows in llama.cpp's rotary order), exactly in F32, within half a step in Q8_0.
 */
class GgufExportTest {
    /** The shipped model (Llama, tied), a Llama with its own lm_head, and a Qwen2 with q/k/v biases. */
    static final String[] MODELS = {"models/reason-mini", "src/test/resources/models/tiny-llama",
        "src/test/resources/models/tiny-qwen2"};
    private static final String SPACE = "\u2581";

    @TempDir
    static Path out;
    private static final Map<String, GgufFile> exported = new HashMap<>();

    private static synchronized GgufFile export(String model, String type) throws Exception {
        String key = model + " " + type;
        if (!exported.containsKey(key)) {
            Path file = out.resolve(Path.of(model).getFileName() + "-" + type + ".gguf");
            exported.put(key, new GgufFile(Scripts.ggufExport(Path.of(model), type, file)));
        }
        return exported.get(key);
    }

    @ParameterizedTest
    @FieldSource("MODELS")
    void theMetadataDescribesTheModelAsLlamaCppReadsIt(String model) throws Exception {
        GgufFile g = export(model, "f32");
        ModelConfig c = LlamaWeightsTest.config(Path.of(model));
        String arch = c.modelType();
        assertEquals(arch, g.get("general.architecture"));
        assertEquals(0L, g.get("general.file_type"), "all F32");
        assertEquals((long) c.numLayers(), g.get(arch + ".block_count"));
        assertEquals((long) c.hiddenSize(), g.get(arch + ".embedding_length"));
        assertEquals((long) c.intermediateSize(), g.get(arch + ".feed_forward_length"));
        assertEquals((long) c.numHeads(), g.get(arch + ".attention.head_count"));
        assertEquals((long) c.numKvHeads(), g.get(arch + ".attention.head_count_kv"));
        assertEquals((long) c.headDim(), g.get(arch + ".rope.dimension_count"));
        assertEquals((long) c.maxPositions(), g.get(arch + ".context_length"));
        assertEquals((long) c.vocabSize(), g.get(arch + ".vocab_size"));
        assertEquals((float) c.ropeTheta(), ((Double) g.get(arch + ".rope.freq_base")).floatValue());
        assertEquals((float) c.rmsNormEps(), ((Double) g.get(arch + ".attention.layer_norm_rms_epsilon")).floatValue());
        int perLayer = 9 + (c.qkvBias() ? 3 : 0);
        assertEquals(2 + (c.tieWordEmbeddings() ? 0 : 1) + c.numLayers() * perLayer, g.tensors.size(), "tensors");
        assertEquals(!c.tieWordEmbeddings(), g.tensors.containsKey("output.weight"), "a tied lm_head is token_embd");

        JsonNode tokenizerConfig = new ObjectMapper().readTree(Path.of(model, "tokenizer_config.json").toFile());
        assertEquals(tokenizerConfig.get("chat_template").asText(), g.get("tokenizer.chat_template"));
        assertEquals((long) c.bosTokenId(), g.get("tokenizer.ggml.bos_token_id"));
        assertEquals((long) c.eosTokenIds().get(0), g.get("tokenizer.ggml.eos_token_id"));
        assertEquals("llama", g.get("tokenizer.ggml.model"));
        assertEquals(false, g.get("tokenizer.ggml.add_space_prefix"));
    }

    /** Every token of tokenizer.json at its id (a space spelled U+2581, special tokens as control tokens), the rest unused. */
    @ParameterizedTest
    @FieldSource("MODELS")
    void everyTokenKeepsItsIdAndText(String model) throws Exception {
        GgufFile g = export(model, "f32");
        List<?> tokens = (List<?>) g.get("tokenizer.ggml.tokens");
        List<?> types = (List<?>) g.get("tokenizer.ggml.token_type");
        assertEquals(LlamaWeightsTest.config(Path.of(model)).vocabSize(), tokens.size());
        JsonNode tok = new ObjectMapper().readTree(Path.of(model, "tokenizer.json").toFile());
        boolean[] seen = new boolean[tokens.size()];
        for (Iterator<Map.Entry<String, JsonNode>> it = tok.get("model").get("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().asInt();
            seen[id] = true;
            assertEquals(e.getKey().replace(" ", SPACE), tokens.get(id), "token " + id);
        }
        for (JsonNode added : tok.get("added_tokens")) {
            int id = added.get("id").asInt();
            assertEquals(added.get("content").asText(), tokens.get(id));
            assertTrue(List.of(2L, 3L).contains(types.get(id)), added + " is an unknown or control token");
        }
        for (int id = 0; id < seen.length; id++) {
            if (!seen[id]) {
                assertEquals(5L, types.get(id), "id " + id + " is past the vocabulary: unused");
            }
        }
    }

    @ParameterizedTest
    @FieldSource("MODELS")
    void f32TensorsEqualTheOnnxInitializers(String model) throws Exception {
        GgufFile g = export(model, "f32");
        Path dir = Path.of(model);
        ModelConfig c = LlamaWeightsTest.config(dir);
        boolean llama = c.modelType().equals("llama");
        try (LlamaWeights w = LlamaWeights.read(dir.resolve("model.onnx"), c)) {
            assertTensor(g, "token_embd.weight", w.embedding().toFloats(), c.hiddenSize(), c.vocabSize());
            LlamaWeights.Layer first = w.layers().get(0);
            LlamaWeights.Layer last = w.layers().get(c.numLayers() - 1);
            int qRows = c.numHeads() * c.headDim();
            int kvRows = c.numKvHeads() * c.headDim();
            float[] q = first.q().toFloats();
            float[] k = last.k().toFloats();
            assertTensor(g, "blk.0.attn_q.weight", llama ? rotaryPairsAdjacent(q, c.numHeads(), c.hiddenSize()) : q,
                    c.hiddenSize(), qRows);
            assertTensor(g, "blk." + (c.numLayers() - 1) + ".attn_k.weight",
                    llama ? rotaryPairsAdjacent(k, c.numKvHeads(), c.hiddenSize()) : k, c.hiddenSize(), kvRows);
            assertTensor(g, "blk.0.attn_v.weight", first.v().toFloats(), c.hiddenSize(), kvRows);
            assertTensor(g, "blk.0.ffn_down.weight", first.down().toFloats(), c.intermediateSize(), c.hiddenSize());
            assertTensor(g, "output_norm.weight", w.finalNorm().toFloats(), c.hiddenSize());
            if (!c.tieWordEmbeddings()) {
                assertTensor(g, "output.weight", w.lmHead().toFloats(), c.hiddenSize(), c.vocabSize());
            }
            if (c.qkvBias()) {  // Qwen2 keeps Hugging Face's rotary pairing: nothing reordered
                assertTensor(g, "blk.0.attn_q.bias", first.qBias().toFloats(), qRows);
            }
        }
    }

    /** Q8_0 blocks: scale max|x| / 127 in fp16, every value within half a step; rows that are not whole blocks stay F32. */
    @Test
    void q8_0BlocksHoldTheWeightsWithinHalfAStep() throws Exception {
        String model = "src/test/resources/models/tiny-llama";
        GgufFile g = export(model, "q8_0");
        ModelConfig c = LlamaWeightsTest.config(Path.of(model));
        assertEquals(7L, g.get("general.file_type"));
        assertEquals(2L, g.get("general.quantization_version"));
        try (LlamaWeights w = LlamaWeights.read(Path.of(model, "model.onnx"), c)) {
            float[] v = w.layers().get(0).v().toFloats();  // rows of hidden 32: one block each
            assertEquals(GgufFile.Q8_0, g.tensors.get("blk.0.attn_v.weight").type());
            float[] stored = g.floats("blk.0.attn_v.weight");
            float[] scales = g.q8Scales("blk.0.attn_v.weight");
            for (int b = 0; b < scales.length; b++) {
                float max = 0;
                for (int i = 32 * b; i < 32 * b + 32; i++) {
                    max = Math.max(max, Math.abs(v[i]));
                }
                float step = max / 127;
                assertEquals(step, scales[b], step / 1024, "block " + b + " scale");
                for (int i = 32 * b; i < 32 * b + 32; i++) {
                    assertTrue(Math.abs(stored[i] - v[i]) <= 0.55f * step, "value " + i + ": " + stored[i] + " for " + v[i]);
                }
            }
            assertEquals(GgufFile.F32, g.tensors.get("blk.0.ffn_down.weight").type(), "rows of 80 are not whole blocks");
            assertArrayEquals(w.layers().get(0).down().toFloats(), g.floats("blk.0.ffn_down.weight"));
            assertArrayEquals(w.finalNorm().toFloats(), g.floats("output_norm.weight"), "norms stay F32");
        }
    }

    @Test
    void aModelItCannotExportIsRefusedInOneLine() throws Exception {
        Scripts.Result qwen3 = Scripts.recipe("gguf_export.py", "--model-dir", "src/test/resources/models/tiny-qwen3",
                "--out", out.resolve("qwen3.gguf").toString());
        assertEquals(4, qwen3.exit(), qwen3.output());
        assertEquals("gguf_export: config.json's model_type is 'qwen3': the exporter writes llama and qwen2\n",
                qwen3.output());
        Scripts.Result missing = Scripts.recipe("gguf_export.py", "--model-dir", out.resolve("nothing").toString(),
                "--out", out.resolve("nothing.gguf").toString());
        assertEquals(3, missing.exit(), missing.output());
        assertTrue(missing.output().startsWith("gguf_export: cannot read ") && missing.output().lines().count() == 1,
                missing.output());
        assertFalse(out.resolve("qwen3.gguf").toFile().exists());
    }

    private static void assertTensor(GgufFile g, String name, float[] expected, long... dims) {
        assertArrayEquals(dims, g.tensors.get(name).dims(), name + " dims (ggml order: the row length first)");
        assertEquals(GgufFile.F32, g.tensors.get(name).type(), name);
        assertArrayEquals(expected, g.floats(name), name);
    }

    /**
     * Hugging Face's [heads * d, in] q or k rows in llama.cpp's order: within each head, output row 2j is input row j and
     * row 2j + 1 is row j + d/2 (llama.cpp rotates adjacent pairs; Hugging Face pairs i with i + d/2).
     */
    private static float[] rotaryPairsAdjacent(float[] rows, int heads, int in) {
        int d = rows.length / in / heads;
        float[] out = new float[rows.length];
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < d / 2; j++) {
                for (int half = 0; half < 2; half++) {
                    System.arraycopy(rows, (h * d + half * d / 2 + j) * in, out, (h * d + 2 * j + half) * in, in);
                }
            }
        }
        return out;
    }
}
