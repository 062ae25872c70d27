package dev.reason.engine.cpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason.engine.DecodeBatch;
import dev.reason.model.ModelDirectory;
import dev.reason.testing.Scripts;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * llama.cpp (the throughput peer, benchmarks/llamacpp) and ONNX Runtime give the same next-token distribution on the
 * same weights: a model directory exported to GGUF by the recipe, one chat prompt tokenized by both, and every token's
 * log-probability compared (log-probabilities are the logits less one constant), with the same top tokens. With the
 * attention in fp32 (an fp32 KV cache, no flash attention) F32 agrees to float rounding, F16 and Q8_0 to their rounding
 * of the weights; llama.cpp's defaults round the attention to fp16, checked on F32. Skipped without node and the peer
 * installed (npm ci in benchmarks/llamacpp). The shipped model by default; {@code -Dllamacpp.models=DIR,...} checks
 * other directories, such as the random-weight Qwen2-0.5B shape (docs/llamacpp.md).
 */
class LlamaCppLogitsTest {
    /** A GGUF type, llama.cpp's attention settings, and the largest |log p(llama.cpp) - log p(ONNX Runtime)| allowed. */
    record Setting(String type, String kvType, String flashAttention, double tolerance) {
        @Override
        public String toString() {
            return type.toUpperCase(Locale.ROOT) + ", KV " + kvType + ", flash attention " + flashAttention;
        }
    }

    static final List<Setting> SETTINGS = List.of(new Setting("f32", "f32", "off", 1e-4),
            new Setting("f16", "f32", "off", 2e-2), new Setting("q8_0", "f32", "off", 0.25),
            new Setting("f32", "f16", "auto", 2e-2));
    /** The top tokens that must come in the same order (a pair closer than the tolerance may swap). */
    static final int TOP = 5;
    /** A log-probability below which float's exp (in llama.cpp's softmax) gives 0. */
    static final double UNDERFLOW = -80;
    static final String QUESTION = "What is 47 + 38 * 2 - 19?";

    @TempDir
    static Path out;

    static Stream<Arguments> cases() {
        String models = System.getProperty("llamacpp.models", "models/reason-mini");
        return Arrays.stream(models.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .flatMap(m -> SETTINGS.stream().map(setting -> Arguments.of(m, setting)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void llamaCppAndOnnxRuntimeAgreeOnTheNextToken(String model, Setting setting) throws Exception {
        Scripts.assumePeer();
        Path dir = Path.of(model);
        Path gguf = out.resolve(dir.getFileName() + "-" + setting.type() + ".gguf");
        if (!gguf.toFile().exists()) {
            Scripts.ggufExport(dir, setting.type(), gguf);
        }
        try (ModelDirectory m = ModelDirectory.open(dir)) {
            String prompt = m.prompt(QUESTION);
            Scripts.Result r = Scripts.peer("logits.mjs", "--model", gguf.toString(), "--prompt", prompt,
                    "--kv-type", setting.kvType(), "--flash-attention", setting.flashAttention());
            assertEquals(0, r.exit(), r.output());
            JsonNode peer = new ObjectMapper().readTree(r.output().lines().filter(l -> l.startsWith("{"))
                    .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no JSON from logits.mjs: " + r.output())));
            int[] ids = m.tokenizer().encode(prompt);
            assertArrayEquals(ids, ints(peer.get("tokens")), "llama.cpp tokenizes the prompt as tokenizer.json does");

            double[] ort = logSoftmax(onnxRuntimeLogits(m, ids));
            JsonNode lp = peer.get("logprobs");
            assertEquals(ort.length, lp.size(), "vocabulary size");
            double[] llama = new double[ort.length];
            double worst = 0;
            int worstId = -1;
            for (int id = 0; id < ort.length; id++) {
                if (lp.get(id).isNull()) {  // a probability below float's range in llama.cpp: so low in ONNX Runtime too
                    assertTrue(ort[id] < UNDERFLOW, "token " + id + ": llama.cpp's probability is 0, ONNX Runtime's log p " + ort[id]);
                    llama[id] = Double.NEGATIVE_INFINITY;
                    continue;
                }
                llama[id] = lp.get(id).asDouble();
                if (Math.abs(llama[id] - ort[id]) > worst) {
                    worst = Math.abs(llama[id] - ort[id]);
                    worstId = id;
                }
            }
            double tolerance = setting.tolerance();
            int[] topOrt = top(ort);
            int[] topLlama = top(llama);
            System.out.printf(Locale.ROOT, "%s %s: max |log p difference| %.2e (token %d), top %d ONNX Runtime %s, llama.cpp %s%n",
                    model, setting, worst, worstId, TOP, Arrays.toString(topOrt), Arrays.toString(topLlama));
            assertTrue(worst <= tolerance, model + " " + setting + ": max |log p difference| " + worst + " > " + tolerance);
            for (int i = 0; i < TOP; i++) {
                boolean nearTie = i + 1 < TOP && ort[topOrt[i]] - ort[topOrt[i + 1]] < tolerance
                        || i > 0 && ort[topOrt[i - 1]] - ort[topOrt[i]] < tolerance;
                assertTrue(topOrt[i] == topLlama[i] || nearTie, "top " + TOP + " differ at rank " + i + ": ONNX Runtime "
                        + Arrays.toString(topOrt) + ", llama.cpp " + Arrays.toString(topLlama));
            }
        }
    }

    private static float[] onnxRuntimeLogits(ModelDirectory m, int[] ids) {
        try (OrtEngine engine = OrtEngine.load(m, 2, line -> { }); DecodeBatch batch = engine.start(ids, 1, 1)) {
            return batch.prompt().logits();
        }
    }

    private static double[] logSoftmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : logits) {
            sum += Math.exp(x - max);
        }
        double log = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] - log;
        }
        return out;
    }

    private static int[] top(double[] scores) {
        List<Integer> ids = new ArrayList<>(IntStream.range(0, scores.length).boxed().toList());
        ids.sort((a, b) -> Double.compare(scores[b], scores[a]));
        return ids.subList(0, TOP).stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
