package dev.reason.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason.engine.choice.Engines;
import dev.reason.engine.cuda.CudaEngine;
import dev.reason.model.ModelConfig;
import dev.reason.model.ModelDirectory;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code reason info}: what a model directory holds and where it would run, read without running it. */
class InfoCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FIXTURES = Path.of("src", "test", "resources", "models");

    private static JsonNode info(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "info";
        all[1] = "--json";
        System.arraycopy(args, 0, all, 2, args.length);
        CliTest.Run r = CliTest.reason(all);
        assertEquals(0, r.code(), r.err());
        return JSON.readTree(r.out());
    }

    /** Parameters of a Llama-family decoder, from its config alone: what the weights read from the graph must add up to. */
    private static long parametersOf(ModelConfig c) {
        long h = c.hiddenSize();
        long q = (long) c.numHeads() * c.headDim();
        long kv = (long) c.numKvHeads() * c.headDim();
        long layer = 2 * h + h * q + 2 * h * kv + q * h + 3 * h * c.intermediateSize()
                + (c.qkvBias() ? q + 2 * kv : 0) + (c.qkNorm() ? 2L * c.headDim() : 0);
        return (long) c.vocabSize() * h * (c.tieWordEmbeddings() ? 1 : 2) + c.numLayers() * layer + h;
    }

    /**
     * The parameters counted from the graph's weights match the architecture's count for every layout (named and
     * transposed, anonymous and folded, tied and untied, biases, Qwen3's head norms, external data), and for the
     * shipped model the count its model card gives (1,992,768: PyTorch's, tied embeddings counted once).
     */
    @Test
    void countsTheParametersTheArchitectureHas() throws Exception {
        for (String fixture : List.of("tiny-llama", "tiny-qwen2", "tiny-qwen3", "tiny-llama-external")) {
            Path dir = FIXTURES.resolve(fixture);
            JsonNode i = info("--model", dir.toString());
            try (ModelDirectory model = ModelDirectory.open(dir)) {
                assertEquals(parametersOf(model.config()), i.get("parameters").asLong(), fixture);
                assertEquals(model.config().modelType(), i.get("architecture").asText());
                assertEquals(2L * model.config().numLayers() * model.config().numKvHeads() * model.config().headDim(),
                        i.get("kv_values_per_token").asLong(), fixture);
            }
            assertEquals("fp32", i.get("weights_type").asText(), fixture);
            assertTrue(i.get("cuda_cannot_run_model").isNull(), fixture + ": " + i.get("cuda_cannot_run_model"));
        }
        JsonNode shipped = info("--model", CliTest.MODEL.toString());
        assertEquals(1_992_768, shipped.get("parameters").asLong());
        assertEquals("[\"</s>\"]", shipped.get("eos_tokens").toString());
        assertEquals("<s><|user|>QUESTION\n<|assistant|>", shipped.get("prompt").asText());
        assertEquals(0.8, shipped.get("temperature").asDouble(), 1e-6);
    }

    /** A quantized file still describes itself, and says why the GPU engine would not take it. */
    @Test
    void aQuantizedFileSaysWhyTheGpuEngineCannotRunIt() throws Exception {
        JsonNode q4 = info("--model", FIXTURES.resolve("tiny-llama-community").toString(), "--onnx", "model_q4.onnx");
        assertEquals("onnx/model_q4.onnx", q4.get("onnx").asText());
        assertTrue(q4.get("parameters").isNull());
        assertTrue(q4.get("cuda_cannot_run_model").asText().contains("quantized (MatMulNBits)"), q4.toString());
        assertEquals("cpu", q4.get("auto_device").asText());
        assertTrue(q4.get("onnx_files").toString().contains("onnx/model_fp16.onnx"), q4.toString());
        JsonNode fp16 = info("--model", FIXTURES.resolve("tiny-llama-community").toString(), "--onnx", "model_fp16.onnx");
        assertEquals("fp16", fp16.get("weights_type").asText());
        assertEquals(fp16.get("parameters").asLong() * 2, fp16.get("weights_bytes").asLong());
    }

    /** The text says where --device auto would run and why not on the GPU, as the engine choice itself decides. */
    @Test
    void theTextSaysWhereAutoRunsAndWhy() {
        CliTest.Run r = CliTest.reason("info", "--model", CliTest.MODEL.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("weights:          1,992,768 parameters, fp32"), r.out());
        assertTrue(r.out().contains("chains end at </s> (2)"), r.out());
        try (ModelDirectory model = ModelDirectory.open(CliTest.MODEL)) {
            String auto = Engines.whyNotCuda(model.config()).map(why -> "cpu (" + why + ")").orElse("cuda");
            assertTrue(r.out().contains("--device auto:    " + auto + "\n"), r.out());
        }
        assertTrue(r.out().contains("cuda:             " + CudaEngine.describe().substring("cuda: ".length())), r.out());
        assertFalse(r.out().contains("other ONNX files"), "the shipped model has one file");
    }
}
