package dev.reason.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelDirectoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void readsTheShippedModel() {
        try (ModelDirectory m = ModelDirectory.open(Path.of("models", "reason-mini"))) {
            ModelConfig c = m.config();
            assertEquals("llama", c.modelType());
            assertEquals(c.hiddenSize() / c.numHeads(), c.headDim());
            assertTrue(c.numKvHeads() < c.numHeads(), "the shipped model uses grouped-query attention");
            assertEquals(List.of(2), m.eosTokenIds());
            // the chat template renders what the recipe trained on
            assertEquals("<s><|user|>What is 2+2?\n<|assistant|>", m.prompt("  What is 2+2?  "));
            int[] ids = m.promptIds("What is 2+2?");
            assertEquals(1, ids[0]);
            assertEquals(5, ids[ids.length - 1]);
            assertEquals("What is 2+2?", m.tokenizer().decode(Arrays.copyOfRange(ids, 2, ids.length - 2), ids.length - 4));
            assertTrue(m.generation().temperature() > 0);
        }
    }

    /**
     * Which ONNX file runs: model.onnx, else onnx/model.onnx (onnx-community's layout); --onnx names a variant in
     * either folder, or a path. A directory without the default lists the ONNX files it has.
     */
    @Test
    void findsTheOnnxFileInEitherLayoutAndAVariantByName(@TempDir Path tmp) throws Exception {
        Path community = Path.of("src/test/resources/models/tiny-llama-community");
        try (ModelDirectory m = ModelDirectory.open(community)) {
            assertEquals(community.resolve("onnx/model.onnx"), m.onnxFile());
        }
        try (ModelDirectory m = ModelDirectory.open(community, "model_q4.onnx")) {
            assertEquals(community.resolve("onnx/model_q4.onnx"), m.onnxFile());
        }
        Path shipped = Path.of("models", "reason-mini");
        try (ModelDirectory m = ModelDirectory.open(shipped)) {
            assertEquals(shipped.resolve("model.onnx"), m.onnxFile());
        }
        String elsewhere = community.resolve("onnx/model_quantized.onnx").toAbsolutePath().toString();
        try (ModelDirectory m = ModelDirectory.open(shipped, elsewhere)) {
            assertEquals(Path.of(elsewhere), m.onnxFile());
        }
        ModelException unknown = assertThrows(ModelException.class, () -> ModelDirectory.open(community, "model_bnb4.onnx"));
        assertEquals("--onnx model_bnb4.onnx: no such file in " + community + " or its onnx/ folder; its ONNX files:"
                + " onnx/model.onnx, onnx/model_fp16.onnx, onnx/model_q4.onnx, onnx/model_q4f16.onnx,"
                + " onnx/model_quantized.onnx: choose one with --onnx NAME",
                unknown.getMessage());

        Path onlyVariants = tmp.resolve("m");
        Files.createDirectories(onlyVariants.resolve("onnx"));
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
            Files.copy(community.resolve(f), onlyVariants.resolve(f));
        }
        Files.copy(community.resolve("onnx/model_q4.onnx"), onlyVariants.resolve("onnx/model_q4.onnx"));
        ModelException none = assertThrows(ModelException.class, () -> ModelDirectory.open(onlyVariants));
        assertEquals("model directory " + onlyVariants + " has no model.onnx (nor onnx/model.onnx); its ONNX files:"
                + " onnx/model_q4.onnx: choose one with --onnx NAME", none.getMessage());
        Files.delete(onlyVariants.resolve("onnx/model_q4.onnx"));
        assertTrue(assertThrows(ModelException.class, () -> ModelDirectory.open(onlyVariants)).getMessage()
                .endsWith("has no model.onnx (nor onnx/model.onnx): export the model with its tokenizer in the Optimum layout"));
    }

    @Test
    void readsBothRopeThetaForms() throws Exception {
        String base = "{\"vocab_size\": 151936, \"hidden_size\": 896, \"intermediate_size\": 4864,"
                + " \"num_hidden_layers\": 24, \"num_attention_heads\": 14, \"num_key_value_heads\": 2,"
                + " \"model_type\": \"qwen2\", \"eos_token_id\": [151645, 151643], ";
        ModelConfig old = ModelConfig.fromJson(JSON.readTree(base + "\"rope_theta\": 1000000.0}"));
        ModelConfig newer = ModelConfig.fromJson(JSON.readTree(base + "\"rope_parameters\": {\"rope_theta\": 1000000.0, \"rope_type\": \"default\"}}"));
        assertEquals(1e6, old.ropeTheta());
        assertEquals(1e6, newer.ropeTheta());
        assertEquals(64, old.headDim());
        assertTrue(old.qkvBias(), "Qwen2 has q/k/v biases");
        assertEquals(List.of(151645, 151643), old.eosTokenIds());
    }

    @Test
    void aSlidingWindowInForceBoundsTheContext() throws Exception {
        String base = "{\"vocab_size\": 32000, \"hidden_size\": 4096, \"intermediate_size\": 14336,"
                + " \"num_hidden_layers\": 32, \"num_attention_heads\": 32, \"num_key_value_heads\": 8,"
                + " \"max_position_embeddings\": 32768, ";
        assertEquals(4096, ModelConfig.fromJson(JSON.readTree(base
                + "\"model_type\": \"mistral\", \"sliding_window\": 4096}")).maxPositions(), "Mistral 7B v0.1");
        assertEquals(32768, ModelConfig.fromJson(JSON.readTree(base
                + "\"model_type\": \"mistral\", \"sliding_window\": null}")).maxPositions(), "Mistral v0.2+");
        assertEquals(32768, ModelConfig.fromJson(JSON.readTree(base + "\"model_type\": \"qwen2\","
                + " \"sliding_window\": 4096, \"use_sliding_window\": false}")).maxPositions(), "Qwen2: off");
        assertEquals(4096, ModelConfig.fromJson(JSON.readTree(base + "\"model_type\": \"qwen2\","
                + " \"sliding_window\": 4096, \"use_sliding_window\": true}")).maxPositions());
        assertEquals(32768, ModelConfig.fromJson(JSON.readTree(base + "\"model_type\": \"llama\"}")).maxPositions());
    }

    @Test
    void aListOfNamedChatTemplatesUsesTheDefaultOne() throws Exception {
        assertEquals("D", ModelDirectory.configuredTemplate(JSON.readTree("{\"chat_template\": [{\"name\": \"tool_use\","
                + " \"template\": \"T\"}, {\"name\": \"default\", \"template\": \"D\"}]}")));
        assertEquals("S", ModelDirectory.configuredTemplate(JSON.readTree("{\"chat_template\": \"S\"}")));
        String none = ModelDirectory.configuredTemplate(JSON.readTree("{\"chat_template\": [{\"name\": \"rag\", "
                + "\"template\": \"R\"}]}"));
        assertEquals("What?\n", new ChatTemplate(none, "", "").prompt("What?"), "no default: the question itself");
    }

    @Test
    void configWithoutArchitectureFieldsIsRejectedClearly() throws Exception {
        ModelException e = assertThrows(ModelException.class,
                () -> ModelConfig.fromJson(JSON.readTree("{\"model_type\": \"bert\"}")));
        assertTrue(e.getMessage().contains("hidden_size"), e.getMessage());
    }

    @Test
    void chatTemplateRaisesForUnsupportedRoles() {
        ChatTemplate t = new ChatTemplate("{% for m in messages %}{% if m['role'] != 'user' %}"
                + "{{ raise_exception('only user messages') }}{% endif %}{{ m['content'] }}{% endfor %}", "<s>", "</s>");
        assertEquals("hi", t.prompt("hi"));
        ChatTemplate bad = new ChatTemplate("{{ raise_exception('no chat here') }}", "<s>", "</s>");
        ModelException e = assertThrows(ModelException.class, () -> bad.prompt("hi"));
        assertTrue(e.getMessage().contains("no chat here"), e.getMessage());
    }

    @Test
    void aModelThatThinksGetsRoomToThinkWhenGenerationConfigSetsNoLimit(@TempDir Path tmp)
            throws Exception {
        Path dir = tmp.resolve("m");
        Files.createDirectories(dir);
        for (Path f : Files.newDirectoryStream(Path.of("src", "test", "resources", "models", "tiny-qwen3"))) {
            Files.copy(f, dir.resolve(f.getFileName()));
        }
        Path gen = dir.resolve("generation_config.json");
        Files.writeString(gen, "{\"do_sample\": true, \"temperature\": 0.6}");
        try (ModelDirectory m = ModelDirectory.open(dir)) {
            assertEquals(GenerationConfig.DEFAULT.maxNewTokens(), m.generation().maxNewTokens(), "no <think>: 512");
        }
        Files.writeString(dir.resolve("chat_template.jinja"), "{% for m in messages %}{{ m.content }}{% endfor %}"
                + "{% if add_generation_prompt %}<think>\n{% endif %}");
        try (ModelDirectory m = ModelDirectory.open(dir)) {
            assertEquals(GenerationConfig.THINKING_MAX_NEW_TOKENS, m.generation().maxNewTokens());
            assertEquals(0.6f, m.generation().temperature());
        }
        Files.delete(gen);
        try (ModelDirectory m = ModelDirectory.open(dir)) {
            assertEquals(GenerationConfig.THINKING_MAX_NEW_TOKENS, m.generation().maxNewTokens(), "no file at all");
        }
        Files.writeString(gen, "{\"max_new_tokens\": 700}");
        try (ModelDirectory m = ModelDirectory.open(dir)) {
            assertEquals(700, m.generation().maxNewTokens(), "the file's own limit wins");
        }
    }

    @Test
    void generationDefaultsWhenFieldsAreMissing() throws Exception {
        GenerationConfig g = GenerationConfig.fromJson(JSON.readTree("{\"do_sample\": false}"),
                GenerationConfig.DEFAULT.maxNewTokens());
        assertEquals(0f, g.temperature(), "greedy models sample at temperature 0");
        assertEquals(GenerationConfig.DEFAULT.maxNewTokens(), g.maxNewTokens());
        assertEquals(1f, g.repetitionPenalty(), "no repetition penalty unless the model asks for one");
        assertEquals(1.05f, GenerationConfig.fromJson(JSON.readTree("{\"repetition_penalty\": 1.05}"),
                GenerationConfig.DEFAULT.maxNewTokens()).repetitionPenalty());
        assertEquals(0, g.noRepeatNgramSize(), "n-grams may repeat unless the model says otherwise");
        assertEquals(3, GenerationConfig.fromJson(JSON.readTree("{\"no_repeat_ngram_size\": 3}"),
                GenerationConfig.DEFAULT.maxNewTokens()).noRepeatNgramSize());
        assertEquals(List.of(), g.unapplied());
    }

    @Test
    void settingsReasonDoesNotApplyAreNamedUnlessNeutral() throws Exception {
        GenerationConfig g = GenerationConfig.fromJson(JSON.readTree("{\"typical_p\": 0.9, \"num_beams\": 1,"
                + " \"bad_words_ids\": [[5]], \"suppress_tokens\": [], \"sequence_bias\": null, \"min_length\": 0,"
                + " \"temperature\": 0.7, \"no_repeat_ngram_size\": 3, \"num_beams_extra\": 4}"), 512);
        assertEquals(List.of("typical_p", "bad_words_ids"), g.unapplied(),
                "in the file's order; empty lists, nulls and neutral numbers change nothing");
        assertEquals(List.of("num_beams"), GenerationConfig.fromJson(JSON.readTree("{\"num_beams\": 4}"), 512)
                .unapplied());
    }
}
