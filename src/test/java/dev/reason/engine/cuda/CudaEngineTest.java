package dev.reason.engine.cuda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason.engine.DecodeBatch;
import dev.reason.engine.Engine;
import dev.reason.engine.Prefill;
import dev.reason.engine.cpu.OrtEngine;
import dev.reason.model.ModelConfig;
import dev.reason.model.ModelDirectory;
import dev.reason.runtime.Chain;
import dev.reason.runtime.Generator;
import dev.reason.sampling.RepeatedNgrams;
import dev.reason.sampling.Sampler;
import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;
import dev.reason.testing.HostDraw;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The GPU engine against ONNX Runtime on the shipped model: prefill and cached decoding logits (fp32 to 1e-3,
 * bf16 to a relative L2 of 2e-2), greedy chains token for token, and the device sampler against the host's on
 * the model's own logits. Skipped, with the reason, where CUDA is unavailable.
 */
class CudaEngineTest {
    private static final Path DIR = Path.of("models", "reason-mini");
    private static final List<String> notices = new ArrayList<>();
    private static ModelDirectory model;
    private static OrtEngine cpu;
    private static CudaEngine fp32;
    private static CudaEngine bf16;
    private static int[] ids;
    private static int prefill;
    private static int vocab;

    @BeforeAll
    static void load() throws IOException {
        if (CudaEngine.unavailable().isPresent()) {
            return;
        }
        model = ModelDirectory.open(DIR);
        vocab = model.config().vocabSize();
        JsonNode ref = new ObjectMapper().readTree(DIR.resolve("reference_logits.json").toFile());
        ids = new int[ref.get("input_ids").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = ref.get("input_ids").get(i).asInt();
        }
        prefill = ref.get("prefill").asInt();
        cpu = OrtEngine.load(model, 2, line -> { });
        fp32 = CudaEngine.load(model, CudaEngine.Precision.FP32, notices::add);
        bf16 = CudaEngine.load(model, CudaEngine.Precision.BF16, notices::add);
    }

    @BeforeEach
    void needsCuda() {
        assumeTrue(CudaEngine.unavailable().isEmpty(), () -> "no CUDA here: " + CudaEngine.unavailable().orElse(""));
    }

    @AfterAll
    static void close() {
        for (AutoCloseable c : new AutoCloseable[] {bf16, fp32, cpu, model}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // the next test class starts clean either way
            }
        }
    }

    /** Logits after the first n tokens of the reference sequence, by ONNX Runtime. */
    private static float[] cpuLogits(int n) {
        try (DecodeBatch b = cpu.start(Arrays.copyOf(ids, n), 1, 8)) {
            return b.promptLogits();
        }
    }

    private static float maxAbsDiff(float[] a, int offset, float[] b) {
        float m = 0;
        for (int i = 0; i < b.length; i++) {
            m = Math.max(m, Math.abs(a[offset + i] - b[i]));
        }
        return m;
    }

    private static double relL2(float[] a, int offset, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < b.length; i++) {
            double d = a[offset + i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }

    private static void assertClose(CudaEngine engine, float[] gpu, int offset, float[] ref, String where) {
        if (engine == fp32) {
            float d = maxAbsDiff(gpu, offset, ref);
            assertTrue(d <= 1e-3, where + ": fp32 max |gpu - onnx| = " + d);
        } else {
            double d = relL2(gpu, offset, ref);
            assertTrue(d <= 2e-2, where + ": bf16 relative L2 = " + d);
        }
    }

    @Test
    void describesItself() {
        assertEquals("cuda", fp32.device());
        assertTrue(fp32.description().startsWith("cuda (") && fp32.description().contains("fp32"), fp32.description());
        assertTrue(bf16.description().contains("bf16"), bf16.description());
        assertTrue(fp32.copyBandwidthGBps() > 10, "copy bandwidth " + fp32.copyBandwidthGBps() + " GB/s");
        ModelConfig c = model.config();
        assertEquals(2L * c.numLayers() * c.numKvHeads() * c.headDim() * 4, fp32.kvBytesPerToken());
        assertEquals(fp32.kvBytesPerToken() / 2, bf16.kvBytesPerToken());
        long matrices = DeviceWeights.bytesNeeded(c, CudaEngine.Precision.FP32) / 4;   // tied: the LM head once
        long vectors = (2L * c.numLayers() + 1) * c.hiddenSize();
        assertEquals(4 * matrices + 4 * vectors, fp32.weightBytes());
        assertEquals(2 * matrices + 4 * vectors, bf16.weightBytes());
    }

    @Test
    void promptLogitsMatchOnnxRuntime() {
        for (int n : new int[] {1, 2, 5, 17, prefill, ids.length}) {
            float[] ref = cpuLogits(n);
            for (CudaEngine engine : new CudaEngine[] {fp32, bf16}) {
                try (DecodeBatch b = engine.start(Arrays.copyOf(ids, n), 2, 8)) {
                    assertEquals(vocab, b.promptLogits().length);
                    assertClose(engine, b.promptLogits(), 0, ref, "prompt of " + n);
                }
            }
        }
    }

    @Test
    void fixtureModelsMatchOnnxRuntime() throws IOException {
        // Other layouts than the shipped model's: q/k/v biases (Qwen2), an untied LM head, head_dim 8; Qwen3's
        // per-head q/k norms with head_dim 16, twice hidden / heads.
        for (String name : new String[] {"tiny-llama", "tiny-qwen2", "tiny-llama-external", "tiny-qwen3"}) {
            Path dir = Path.of("src", "test", "resources", "models", name);
            JsonNode ref = new ObjectMapper().readTree(dir.resolve("reference_logits.json").toFile());
            int[] seq = new int[ref.get("input_ids").size()];
            for (int i = 0; i < seq.length; i++) {
                seq[i] = ref.get("input_ids").get(i).asInt();
            }
            try (ModelDirectory m = ModelDirectory.open(dir);
                 OrtEngine onnx = OrtEngine.load(m, 2, line -> { });
                 CudaEngine gpu = CudaEngine.load(m, CudaEngine.Precision.FP32, notices::add)) {
                int n = seq.length / 2;
                try (DecodeBatch want = onnx.start(Arrays.copyOf(seq, n), 1, 8);
                     DecodeBatch got = gpu.start(Arrays.copyOf(seq, n), 1, 8)) {
                    want.startChain(0);
                    got.startChain(0);
                    for (int step = 0; step < 4; step++) {
                        float[] expected = step == 0 ? want.promptLogits()
                                : want.step(new int[] {seq[n + step - 1]}, new boolean[] {true});
                        float[] actual = step == 0 ? got.promptLogits()
                                : got.step(new int[] {seq[n + step - 1]}, new boolean[] {true});
                        float d = maxAbsDiff(actual, 0, expected);
                        assertTrue(d <= 1e-3, name + " step " + step + ": max |gpu - onnx| = " + d);
                    }
                }
            }
        }
    }

    @Test
    void cachedDecodingMatchesFullForwards() {
        float[][] full = new float[ids.length + 1][];
        for (int n = prefill + 1; n <= ids.length; n++) {
            full[n] = cpuLogits(n);
        }
        for (CudaEngine engine : new CudaEngine[] {fp32, bf16}) {
            // slot 0 runs throughout; slot 1 starts at step 3; slot 2 runs two steps, idles, restarts at step 5
            try (DecodeBatch b = engine.start(Arrays.copyOf(ids, prefill), 3, 48)) {
                assertEquals(3, b.slots());
                int[] fed = new int[3];
                for (int s = 0; s < 3; s++) {
                    b.startChain(s);
                }
                for (int step = 0; step + prefill < ids.length; step++) {
                    boolean[] active = {true, step >= 3, step < 2 || step >= 5};
                    if (step == 3) {
                        b.startChain(1);
                        fed[1] = 0;
                    }
                    if (step == 5) {
                        b.startChain(2);
                        fed[2] = 0;
                    }
                    stepAndCompare(engine, b, full, fed, active, step);
                }
            }
        }
    }

    /**
     * Feeds each active slot the reference sequence's token after the {@code fed[s]} it holds, compares its logits with
     * ONNX Runtime's full forward over that prefix ({@code full}), and counts the token fed.
     */
    private static void stepAndCompare(CudaEngine engine, DecodeBatch b, float[][] full, int[] fed, boolean[] active,
                                       int step) {
        int[] tokens = new int[fed.length];
        for (int s = 0; s < fed.length; s++) {
            tokens[s] = active[s] ? ids[prefill + fed[s]] : 0;
        }
        float[] out = b.step(tokens, active);
        for (int s = 0; s < fed.length; s++) {
            if (active[s]) {
                assertClose(engine, out, s * vocab, full[prefill + fed[s] + 1],
                        "step " + step + " slot " + s + " position " + (prefill + fed[s]));
                fed[s]++;
            }
        }
    }

    /**
     * Chains of prompts of different lengths decode together, each with the logits it gets alone (ONNX Runtime's full
     * forward over its prompt and tokens): a second prompt longer than the batch's activation rows (prefilled in
     * chunks) and a third that finds no room (the pool grows, its decode graph recorded again); a released prompt
     * leaves the pool with its last chain, and a later one takes its room.
     */
    @Test
    void promptsOfDifferentLengthsDecodeTogetherAsEachAlone() {
        float[][] full = new float[ids.length + 1][];
        for (int n = prefill - 4; n <= ids.length; n++) {
            full[n] = cpuLogits(n);
        }
        for (CudaEngine engine : new CudaEngine[] {fp32, bf16}) {
            try (DecodeBatch b = engine.start(Arrays.copyOf(ids, prefill - 3), 3, 48)) {
                Prefill a = b.prompt();
                Prefill longer = b.prefill(Arrays.copyOf(ids, prefill + 1));  // 2x the rows of the first: two chunks
                assertClose(engine, a.logits(), 0, full[prefill - 3], "first prompt");
                assertClose(engine, longer.logits(), 0, full[prefill + 1], "prompt prefilled in chunks");
                Prefill[] from = {a, longer, a};
                int[] fed = new int[3];
                for (int s = 0; s < 3; s++) {
                    b.startChain(s, from[s]);
                }
                for (int step = 0; step < 12; step++) {
                    if (step == 3) {  // slot 2 goes over to the longer prompt; the first keeps slot 0's chain
                        b.endChain(2);
                        b.startChain(2, longer);
                        from[2] = longer;
                        fed[2] = 0;
                        a.release();
                    }
                    if (step == 5) {  // a third prompt: no room left, the pool grows
                        Prefill third = b.prefill(Arrays.copyOf(ids, prefill + 2));
                        assertClose(engine, third.logits(), 0, full[prefill + 2], "prompt in a grown pool");
                        b.startChain(0, third);  // the first prompt's last chain ends: it leaves the pool
                        from[0] = third;
                        fed[0] = 0;
                    }
                    if (step == 7) {  // the first prompt's room is free again
                        Prefill fourth = b.prefill(Arrays.copyOf(ids, prefill - 4));
                        assertClose(engine, fourth.logits(), 0, full[prefill - 4], "prompt in a freed range");
                        fourth.release();
                    }
                    int[] tokens = new int[3];
                    boolean[] active = new boolean[3];
                    for (int s = 0; s < 3; s++) {
                        int at = from[s].length() + fed[s];
                        active[s] = at < ids.length;
                        tokens[s] = active[s] ? ids[at] : 0;
                    }
                    float[] out = b.step(tokens, active);
                    for (int s = 0; s < 3; s++) {
                        if (active[s]) {
                            int at = from[s].length() + fed[s];
                            assertClose(engine, out, s * vocab, full[at + 1], "step " + step + " slot " + s
                                    + " (prompt " + from[s].length() + ") position " + at);
                            fed[s]++;
                        }
                    }
                }
                Prefill released = a;
                assertThrows(IllegalArgumentException.class, () -> b.startChain(1, released),
                        "a prompt released with no chain left is gone");
            }
        }
    }

    /** A slot that goes back to some of its tokens continues as a fresh chain of those, while the other runs on. */
    @Test
    void aRewoundSlotContinuesAsAFreshChainOfTheTokensItKept() {
        float[][] full = new float[ids.length + 1][];
        for (int n = prefill + 1; n <= ids.length; n++) {
            full[n] = cpuLogits(n);
        }
        for (CudaEngine engine : new CudaEngine[] {fp32, bf16}) {
            try (DecodeBatch b = engine.start(Arrays.copyOf(ids, prefill), 2, 48)) {
                int[] fed = new int[2];
                b.startChain(0);
                b.startChain(1);
                for (int step = 0; prefill + fed[1] < ids.length; step++) {
                    if (step == 4 || step == 7) {
                        fed[0] = step == 4 ? 1 : 0;  // back to its first token, then to none
                        b.rewind(0, fed[0]);
                    }
                    boolean[] active = {prefill + fed[0] < ids.length, true};
                    stepAndCompare(engine, b, full, fed, active, step);
                }
                assertThrows(IllegalArgumentException.class, () -> b.rewind(0, 49));
            }
        }
    }

    @Test
    void replayedGraphGivesTheLogitsOfKernelByKernelLaunches() {
        assumeTrue(Kernels.GRAPHS, "REASON_CUDA_GRAPHS=0 or REASON_CUDA_DEBUG=1: decode steps launch one by one");
        try (CudaEngine plain = CudaEngine.load(model, CudaEngine.Precision.FP32, s -> { })) {
            plain.graphsFailed(new IllegalStateException("this test launches kernel by kernel"));
            float[][] replayed = decodeSteps(fp32);
            float[][] launched = decodeSteps(plain);
            assertTrue(fp32.graphs(), () -> "recording the decode step failed: " + notices);
            for (int step = 0; step < replayed.length; step++) {
                assertArrayEquals(launched[step], replayed[step], "step " + step);  // same kernels, same order
            }
        }
    }

    /** The logits of decode steps over two slots, the second starting late. */
    private static float[][] decodeSteps(CudaEngine engine) {
        int steps = ids.length - prefill;
        float[][] logits = new float[steps][];
        try (DecodeBatch b = engine.start(Arrays.copyOf(ids, prefill), 2, 48)) {
            b.startChain(0);
            for (int step = 0; step < steps; step++) {
                if (step == 2) {
                    b.startChain(1);
                }
                int token = ids[prefill + step];
                logits[step] = b.step(new int[] {token, token}, new boolean[] {true, step >= 2}).clone();
            }
        }
        return logits;
    }

    private static List<Chain> chains(Engine engine, SamplingParams sampling, int parallel, int count, long seed,
                                      String question) {
        Generator.Params params = new Generator.Params(sampling, parallel, 96, seed, model.eosIds(), 5);
        List<Chain> done = new ArrayList<>();
        new Generator(engine, model.tokenizer()::stream, params).runChains(model.promptIds(question), count, done);
        return done;
    }

    @Test
    void greedyChainsMatchTheCpuTokenForToken() {
        for (String q : new String[] {"What is 47 + 38 * 2 - 19?", "What is 12 * 7 - 5?", "Use 3 5 8 9 to make 24."}) {
            List<Chain> host = chains(cpu, SamplingParams.greedy(), 2, 2, 0, q);
            List<Chain> gpu = chains(fp32, SamplingParams.greedy(), 2, 2, 0, q);
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(host.get(i).tokens(), gpu.get(i).tokens(), q + " chain " + i);
                float[] a = host.get(i).logprobs();
                float[] b = gpu.get(i).logprobs();
                for (int t = 0; t < a.length; t++) {
                    assertTrue(Math.abs(a[t] - b[t]) <= 1e-3, q + " chain " + i + " token " + t);
                }
            }
            List<Chain> half = chains(bf16, SamplingParams.greedy(), 2, 2, 0, q);
            assertFalse(half.get(0).text().isEmpty(), "bf16 greedy chain for " + q);
        }
    }

    @Test
    void penalizedChainsBanningRepeatedNgramsMatchTheCpuTokenForToken() {
        // The chains' histories live on the device: four chains in two slots, so two start in refilled slots. The
        // bans are found on the host from each slot's own tokens and set on the device (ban_tokens). (The draw on
        // penalized logits is sample_rows', checked on any logits by deviceSamplingMatchesTheHostSampler.)
        SamplingParams greedy = PENALIZING.withNoRepeatNgramSize(3);
        String q = "What is 47 + 38 * 2 - 19?";
        List<Chain> host = chains(cpu, greedy, 2, 4, 0, q);
        List<Chain> gpu = chains(fp32, greedy, 2, 4, 0, q);
        List<Chain> plain = chains(cpu, SamplingParams.greedy(), 2, 1, 0, q);
        List<Chain> unbanned = chains(cpu, PENALIZING, 2, 1, 0, q);
        assertFalse(Arrays.equals(plain.get(0).tokens(), unbanned.get(0).tokens()), "the penalties change the chain");
        assertFalse(Arrays.equals(unbanned.get(0).tokens(), host.get(0).tokens()), "the ban changes the chain");
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(host.get(i).tokens(), gpu.get(i).tokens(), "chain " + i);
        }
    }

    /** Repetition (prompt and chain), presence and frequency (the chain's own tokens, counted) together. */
    private static final SamplingParams PENALIZING =
            SamplingParams.greedy().withRepetitionPenalty(1.5f).withPresenceAndFrequencyPenalties(0.5f, 0.3f);

    /**
     * Each slot draws with its own settings (penalties and an n-gram ban; a temperature and top-p; greedy), and the
     * device's penalty histories follow steps without penalties, new chains and rewinds: slot by slot the host
     * sampler's draws from ONNX Runtime's logits.
     */
    @Test
    void eachSlotDrawsWithItsOwnSettingsAndPenaltyHistoriesFollowNewChainsAndRewinds() {
        int slots = 4;
        int[] prompt = Arrays.copyOf(ids, prefill);
        SamplingParams warm = new SamplingParams(0.7f, 0.9f, 0, 0f);
        SamplingParams[] params = {PENALIZING.withNoRepeatNgramSize(2), PENALIZING, warm, SamplingParams.greedy()};
        int[] top = {3, 3, 2, 0};
        int banned = 0;
        boolean[] active = {true, false, true, true};
        List<List<Integer>> fed = new ArrayList<>();
        try (DecodeBatch g = fp32.start(prompt, slots, 16); DecodeBatch c = cpu.start(prompt, slots, 16)) {
            for (int s = 0; s < slots; s++) {
                g.startChain(s);
                c.startChain(s);
                fed.add(new ArrayList<>());
            }
            for (int step = 0; step < 6; step++) {
                if (step == 4) {  // slot 2 takes a new chain while the histories are on the device
                    g.startChain(2);
                    c.startChain(2);
                    fed.get(2).clear();
                }
                if (step == 5) {  // slot 0 goes back to its first two tokens: its history row is written again
                    g.rewind(0, 2);
                    c.rewind(0, 2);
                    fed.get(0).subList(2, fed.get(0).size()).clear();
                }
                int[] tokens = new int[slots];
                double[] u = new double[slots];
                for (int s = 0; s < slots; s++) {
                    tokens[s] = ids[prefill + (step + s) % (ids.length - prefill)];
                    u[s] = params[s].isGreedy() ? 0 : (0.3 + 0.17 * step) % 1.0;
                    if (active[s]) {
                        fed.get(s).add(tokens[s]);
                    }
                }
                float[] expected = c.step(tokens, active);
                if (step < 2) {  // steps without penalties: the device's histories fall behind
                    g.step(tokens, active);
                    continue;
                }
                TokenChoice[] got = g.stepAndSample(tokens, active, u, params, top);
                for (int s = 0; s < slots; s++) {
                    if (!active[s]) {
                        assertNull(got[s]);
                        continue;
                    }
                    SamplingParams p = params[s];
                    int[] chain = fed.get(s).stream().mapToInt(i -> i).toArray();
                    if (p.bansRepeatedNgrams()) {
                        banned += RepeatedNgrams.banned(2, prompt, chain, chain.length).length;
                    }
                    TokenChoice want = HostDraw.of(expected, s, vocab, p, prompt, chain, top[s], u[s]);
                    String where = "step " + step + " slot " + s + " " + p;
                    assertEquals(want.token(), got[s].token(), where);
                    assertEquals(want.logprob(), got[s].logprob(), 1e-3, where);
                    assertArrayEquals(want.topLogprobs(), got[s].topLogprobs(), 1e-3f, where);
                }
            }
        }
        assertTrue(banned > 0, "the steps must ban some repeated bigram");
    }

    @Test
    void seededChainsFollowTheCpusDraws() {
        // Same seed, same uniform draws: only draws landing within float rounding of a boundary may differ.
        SamplingParams p = new SamplingParams(0.8f, 0.95f, 40, 0.05f);
        List<Chain> host = chains(cpu, p, 4, 8, 7, "What is 47 + 38 * 2 - 19?");
        List<Chain> gpu = chains(fp32, p, 4, 8, 7, "What is 47 + 38 * 2 - 19?");
        int same = 0;
        for (int i = 0; i < 8; i++) {
            same += Arrays.equals(host.get(i).tokens(), gpu.get(i).tokens()) ? 1 : 0;
        }
        assertTrue(same >= 7, same + " of 8 seeded chains equal the CPU's");
    }

    @Test
    void deviceSamplingMatchesTheHostSamplerOnModelLogits() {
        int slots = 6;
        SplittableRandom random = new SplittableRandom(3);
        SamplingParams[] settings = {
            SamplingParams.greedy(),
            new SamplingParams(1f, 1f, 0, 0f),
            new SamplingParams(0.7f, 0.9f, 0, 0f),
            new SamplingParams(1.3f, 1f, 5, 0f),
            new SamplingParams(1f, 0.5f, 20, 0.1f),
            new SamplingParams(0.5f, 1f, 0, 0.2f),
        };
        try (DecodeBatch batch = fp32.start(Arrays.copyOf(ids, prefill), slots, 16)) {
            CudaBatch b = (CudaBatch) batch;
            boolean[] active = {true, true, false, true, true, true};
            int[] tokens = new int[slots];
            for (int s = 0; s < slots; s++) {
                b.startChain(s);
                tokens[s] = ids[prefill + s];
            }
            float[] logits = b.step(tokens, active).clone();
            // first tokens: every row reads one row of logits the host gives (two of them here, taken in turns)
            float[] prompt = b.promptLogits();
            float[] adjusted = prompt.clone();
            adjusted[new Sampler(SamplingParams.greedy(), 0).sample(prompt, 0, vocab, 0.0).token()] =
                    Float.NEGATIVE_INFINITY;
            for (SamplingParams p : settings) {
                Sampler host = new Sampler(p, 5);
                for (int round = 0; round < 20; round++) {
                    double[] u = new double[slots];
                    for (int s = 0; s < slots; s++) {
                        u[s] = round == 0 ? 0.0 : random.nextDouble();
                    }
                    float[] first = round % 2 == 0 ? prompt : adjusted;
                    TokenChoice[] device = b.sampleLastLogits(active, u, p, 5);
                    TokenChoice[] firstDevice = b.sampleFirstOnDevice(first, active, u, p, 5);  // must leave device[]
                    for (int s = 0; s < slots; s++) {
                        if (!active[s]) {
                            assertNull(device[s]);
                            assertNull(firstDevice[s]);
                            continue;
                        }
                        String where = p + " slot " + s + " u " + u[s];
                        assertSameChoice(host.sample(logits, s * vocab, vocab, u[s]), device[s], where);
                        assertSameChoice(host.sample(first, 0, vocab, u[s]), firstDevice[s], "first token, " + where);
                    }
                }
            }
        }
    }

    private static void assertSameChoice(TokenChoice expected, TokenChoice device, String where) {
        assertEquals(expected.token(), device.token(), where);
        assertEquals(expected.logprob(), device.logprob(), 1e-5, where);
        assertArrayEquals(expected.topLogprobs(), device.topLogprobs(), 1e-5f, where);
    }

    @Test
    void aBatchTooLargeForTheGpuRunsFewerSlotsAndSaysSo() {
        notices.clear();
        try (DecodeBatch b = bf16.start(Arrays.copyOf(ids, prefill), 1 << 16, 4096)) {
            assertTrue(b.slots() >= 1 && b.slots() < 1 << 16, "slots " + b.slots());
            assertEquals(1, notices.size(), notices.toString());
            assertTrue(notices.get(0).contains("of the 65536 parallel chains"), notices.get(0));
            boolean[] active = new boolean[b.slots()];
            active[0] = true;
            b.startChain(0);
            float[] out = b.step(new int[b.slots()], active);
            assertTrue(Float.isFinite(out[0]));
        }
    }
}
