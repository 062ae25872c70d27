package dev.reason.engine.cpu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.Prefill;
import dev.reason.model.ModelDirectory;
import dev.reason.testing.ShippedModel;

import java.io.IOException;
import java.nio.file.Files;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU engine against PyTorch (reference logits written by the recipe's export) and against itself:
 * KV-cache decoding vs full forwards, batched rows vs single chains, refilled and compacted slots vs fresh ones.
 * The batch's own tests run on the three kinds of graph: the shipped model's, which returns the whole cache each
 * step; an append graph (models/recipe/onnx_graph.py --cache append), whose new columns the batch writes in place;
 * and a GroupQueryAttention graph (--cache gqa), which writes each row's new column into the cache itself.
 */
class OrtEngineTest {
    private static ModelDirectory appendModel;
    private static OrtEngine appending;
    private static ModelDirectory gqaModel;
    private static OrtEngine gqa;
    private static int[] ids;
    private static int prefill;
    private static float[][] torchFull;
    private static float[][] torchSteps;
    private static OrtEngine shipped;

    @BeforeAll
    static void load() throws IOException {
        JsonNode ref = new ObjectMapper().readTree(ShippedModel.DIR.resolve("reference_logits.json").toFile());
        ids = ints(ref.get("input_ids"));
        prefill = ref.get("prefill").asInt();
        torchFull = matrix(ref.get("full_logits"));
        torchSteps = matrix(ref.get("step_logits"));
        shipped = ShippedModel.engine();
        appendModel = fixtureWith("tiny-llama", "tiny-llama-append.onnx");
        appending = OrtEngine.load(appendModel, 1, line -> { });
        gqaModel = fixtureWith("tiny-llama-h16", "tiny-llama-h16-gqa.onnx");
        gqa = OrtEngine.load(gqaModel, 1, line -> { });
    }

    /** A fixture's files with one of its built graphs (src/test/resources/models/built/) in place of model.onnx. */
    private static ModelDirectory fixtureWith(String name, String graph) throws IOException {
        Path fixture = Path.of("src/test/resources/models").resolve(name);
        Path dir = Files.createTempDirectory("reason-built");
        try (Stream<Path> files = Files.list(fixture)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!f.getFileName().toString().startsWith("model.onnx")) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        Files.copy(fixture.resolveSibling("built").resolve(graph), dir.resolve("model.onnx"));
        return ModelDirectory.open(dir);
    }

    @AfterAll
    static void close() throws IOException {
        appending.close();
        gqa.close();
        for (ModelDirectory m : new ModelDirectory[] {appendModel, gqaModel}) {
            m.close();
            try (Stream<Path> files = Files.list(m.path())) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
            Files.delete(m.path());
        }
    }

    static Stream<Named<OrtEngine>> engines() {
        return Stream.of(Named.of("present graph (the shipped model)", shipped),
                Named.of("append graph (tiny-llama)", appending),
                Named.of("GroupQueryAttention graph (tiny-llama-h16)", gqa));
    }

    private static int[] ints(JsonNode n) {
        int[] a = new int[n.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = n.get(i).asInt();
        }
        return a;
    }

    private static float[][] matrix(JsonNode n) {
        float[][] m = new float[n.size()][];
        for (int i = 0; i < m.length; i++) {
            JsonNode row = n.get(i);
            m[i] = new float[row.size()];
            for (int j = 0; j < m[i].length; j++) {
                m[i][j] = (float) row.get(j).asDouble();
            }
        }
        return m;
    }

    private static float maxAbsDiff(float[] a, int offset, float[] b) {
        float m = 0;
        for (int i = 0; i < b.length; i++) {
            m = Math.max(m, Math.abs(a[offset + i] - b[i]));
        }
        return m;
    }

    /** Last-position logits of a full forward over ids[0, n). */
    private static float[] fullForward(int[] seq, int n) {
        try (DecodeBatch b = shipped.start(Arrays.copyOf(seq, n), 1, 8)) {
            return b.promptLogits();
        }
    }

    @Test
    void tokenizerAgreesWithTheRecipe() {
        String text = ShippedModel.model().prompt("What is 47 + 38 * 2 - 19?")
                + "047+038*002-019\n038*002=076, 047+076-019\n";
        assertArrayEquals(ids, ShippedModel.model().tokenizer().encode(text));
    }

    @Test
    void fullForwardMatchesPyTorch() {
        for (int n = prefill; n <= ids.length; n += 3) {
            float d = maxAbsDiff(fullForward(ids, n), 0, torchFull[n - 1]);
            assertTrue(d <= 1e-4, "prefix " + n + ": max |onnx - torch| = " + d);
        }
    }

    @Test
    void cachedDecodingMatchesPyTorchAndFullForward() {
        try (DecodeBatch b = shipped.start(Arrays.copyOf(ids, prefill), 1, 64)) {
            b.startChain(0);
            assertTrue(maxAbsDiff(b.promptLogits(), 0, torchFull[prefill - 1]) <= 1e-4);
            for (int i = prefill; i < ids.length; i++) {
                float[] step = b.step(new int[] {ids[i]}, new boolean[] {true});
                float vsTorch = maxAbsDiff(step, 0, torchSteps[i - prefill]);
                float vsTorchFull = maxAbsDiff(step, 0, torchFull[i]);
                float vsFull = maxAbsDiff(step, 0, fullForward(ids, i + 1));
                assertTrue(vsTorch <= 1e-4 && vsTorchFull <= 1e-4 && vsFull <= 1e-4,
                        "position " + i + ": vs torch step " + vsTorch + ", vs torch full " + vsTorchFull
                                + ", vs onnx full " + vsFull);
            }
        }
    }

    /**
     * A prompt longer than {@link OrtEngine#PREFILL_CHUNK} is prefilled in chunks: its last logits and the decoding
     * after it equal those of the first chunk's prefill followed by the rest of the prompt fed token by token.
     */
    @ParameterizedTest(autoCloseArguments = false)  // the engines outlive each test
    @MethodSource("engines")
    void aLongPromptPrefilledInChunksEqualsOneFedTokenByToken(OrtEngine engine) {
        int[] prompt = new int[OrtEngine.PREFILL_CHUNK + 44];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = i < prefill ? ids[i] : 6 + (i * 17) % 90;
        }
        int[] next = {20, 31, 42, 53};
        try (DecodeBatch chunked = engine.start(prompt, 1, 8);
             DecodeBatch fed = engine.start(Arrays.copyOf(prompt, OrtEngine.PREFILL_CHUNK), 1, 64)) {
            fed.startChain(0);
            float[] want = null;
            for (int i = OrtEngine.PREFILL_CHUNK; i < prompt.length; i++) {
                want = fed.step(new int[] {prompt[i]}, new boolean[] {true});
            }
            float d = maxAbsDiff(chunked.promptLogits(), 0, want);
            assertTrue(d <= 1e-4, "last prompt position: " + d);
            chunked.startChain(0);
            for (int t : next) {
                float[] got = chunked.step(new int[] {t}, new boolean[] {true}).clone();
                float e = maxAbsDiff(got, 0, fed.step(new int[] {t}, new boolean[] {true}));
                assertTrue(e <= 1e-4, "decoding after the prompt, token " + t + ": " + e);
            }
        }
    }

    @ParameterizedTest(autoCloseArguments = false)  // the engines outlive each test
    @MethodSource("engines")
    void batchedRowsEqualSingleChains(OrtEngine engine) {
        int[] prompt = Arrays.copyOf(ids, prefill);
        int slots = 4;
        int steps = 12;
        // each slot feeds a different token sequence
        int[][] feed = new int[slots][steps];
        for (int s = 0; s < slots; s++) {
            for (int t = 0; t < steps; t++) {
                feed[s][t] = 6 + (s * 31 + t * 7) % 90;
            }
        }
        float[][][] batched = new float[slots][steps][];
        int vocab;
        try (DecodeBatch b = engine.start(prompt, slots, 64)) {
            vocab = b.vocabSize();
            for (int s = 0; s < slots; s++) {
                b.startChain(s);
            }
            boolean[] active = {true, true, true, true};
            for (int t = 0; t < steps; t++) {
                int[] tok = new int[slots];
                for (int s = 0; s < slots; s++) {
                    tok[s] = feed[s][t];
                }
                float[] out = b.step(tok, active);
                for (int s = 0; s < slots; s++) {
                    batched[s][t] = Arrays.copyOfRange(out, s * vocab, (s + 1) * vocab);
                }
            }
        }
        for (int s = 0; s < slots; s++) {
            try (DecodeBatch b = engine.start(prompt, 1, 64)) {
                b.startChain(0);
                for (int t = 0; t < steps; t++) {
                    float[] out = b.step(new int[] {feed[s][t]}, new boolean[] {true});
                    float d = maxAbsDiff(out, 0, batched[s][t]);
                    assertTrue(d <= 1e-4, "slot " + s + " step " + t + ": " + d);
                }
            }
        }
    }

    @ParameterizedTest(autoCloseArguments = false)  // the engines outlive each test
    @MethodSource("engines")
    void refilledAndCompactedSlotsEqualFreshChains(OrtEngine engine) {
        // capacity = prompt + 10 + 64 columns; chains of at most 10 tokens: 150 steps compact the cache twice
        checkRefills(engine, 10, 7);
    }

    @ParameterizedTest(autoCloseArguments = false)  // the engines outlive each test
    @MethodSource("engines")
    void chainsLongerThanTheBatchWasSizedForGrowTheCache(OrtEngine engine) {
        // slot 1 keeps one chain for all 150 steps, far past the 8 tokens the batch was sized for
        checkRefills(engine, 8, Integer.MAX_VALUE);
    }

    /**
     * A graph that keeps its KV cache in fp16 (half the bytes per column) is refilled, compacted and grown as an
     * fp32 one: the engine moves the cache as raw bytes of the graph's own format.
     */
    @Test
    void anFp16CacheIsRefilledCompactedAndGrownAlike() {
        Path dir = Path.of("src/test/resources/models/tiny-llama-community");
        try (ModelDirectory model = ModelDirectory.open(dir, "model_fp16.onnx"); OrtEngine fp16 = OrtEngine.load(model, 1, line -> { })) {
            assertTrue(fp16.description().contains(", fp16, "), fp16.description());
            checkRefills(fp16, 10, 7);
            checkRefills(fp16, 8, Integer.MAX_VALUE);
        }
    }

    /**
     * A slot that goes back to some of its tokens (as when the search draws a failing line again) continues as a
     * fresh chain of the tokens it kept, through compactions of the cache, while the other slot runs on.
     */
    @ParameterizedTest(autoCloseArguments = false)  // the engines outlive each test
    @MethodSource("engines")
    void aRewoundSlotContinuesAsAFreshChainOfTheTokensItKept(OrtEngine engine) {
        int[] prompt = Arrays.copyOf(ids, prefill);
        int[] seq = testSequence();
        float[][] fresh = freshLogits(engine, prompt, seq);
        int vocab = fresh[0].length;
        try (DecodeBatch b = engine.start(prompt, 2, 12)) {  // 12 + 64 columns after the prompt: 120 steps compact
            b.startChain(0);
            b.startChain(1);
            int t0 = 0;
            for (int step = 0; step < 120; step++) {
                if (step % 7 == 6) {
                    t0 = (step / 7) % 4;  // back to 0-3 of the 6-9 tokens fed
                    b.rewind(0, t0);
                }
                if (step % 10 == 0) {
                    b.startChain(1);
                }
                float[] out = b.step(new int[] {seq[t0], 7 + step % 80}, new boolean[] {true, true});
                float d = maxAbsDiff(out, 0, fresh[t0]);
                assertTrue(d <= 1e-4, "step " + step + " (chain position " + t0 + "): " + d);
                t0++;
            }
            int held = t0;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.rewind(0, held + 1));
            assertTrue(e.getMessage().contains("cannot keep " + (held + 1)), e.getMessage());
            assertEquals(2 * vocab, b.step(new int[] {1, 1}, new boolean[] {true, true}).length);
        }
    }

    /**
     * Chains of three prompts of different lengths share one batch: they start and end at different steps, a longer
     * prompt's first chain arrives mid-run (every row grows to hold it), and the cache compacts. Each chain's logits
     * are those it gets alone, within the tolerance of batched rows (masked columns shift the sums' lanes).
     */
    @ParameterizedTest(autoCloseArguments = false)  // the engines outlive each test
    @MethodSource("engines")
    void chainsOfPromptsOfDifferentLengthsDecodeTogetherAsAlone(OrtEngine engine) {
        int[] seq = testSequence();
        int[] a = Arrays.copyOf(ids, prefill);
        int[] bPrompt = {ids[0], 9, 17};
        int[] c = new int[prefill + 30];
        for (int i = 0; i < c.length; i++) {
            c[i] = i < prefill ? ids[i] : 6 + (i * 11) % 90;
        }
        int[][] prompts = {a, bPrompt, c};
        float[][][] fresh = new float[3][][];
        for (int p = 0; p < 3; p++) {
            fresh[p] = freshLogits(engine, prompts[p], seq);
        }
        float worst = 0;
        try (DecodeBatch b = engine.start(a, 3, 12)) {
            Prefill[] handles = {b.prompt(), b.prefill(bPrompt), null};
            assertEquals(bPrompt.length, handles[1].length());
            assertArrayEquals(promptLogitsAlone(engine, bPrompt), handles[1].logits(), 1e-4f);
            int[] of = {0, 1, -1};  // the prompt of each slot's chain; -1: none
            int[] pos = new int[3];
            b.startChain(0, handles[0]);
            b.startChain(1, handles[1]);
            for (int step = 0; step < 110; step++) {
                if (step == 20) {
                    handles[2] = b.prefill(c);
                    b.startChain(2, handles[2]);
                    of[2] = 2;
                    pos[2] = 0;
                }
                if (step == 50) {
                    b.endChain(2);
                    of[2] = -1;
                    handles[2].release();
                }
                if (step == 60 || step == 90) {
                    b.startChain(2, handles[1]);
                    of[2] = 1;
                    pos[2] = 0;
                }
                for (int s = 0; s < 2; s++) {
                    if (step > 0 && step % (9 + 2 * s) == 0) {
                        b.startChain(s, handles[of[s]]);
                        pos[s] = 0;
                    }
                }
                int[] tok = new int[3];
                boolean[] active = new boolean[3];
                for (int s = 0; s < 3; s++) {
                    active[s] = of[s] >= 0;
                    tok[s] = active[s] ? seq[pos[s]] : 0;
                }
                float[] out = b.step(tok, active);
                for (int s = 0; s < 3; s++) {
                    if (active[s]) {
                        float d = maxAbsDiff(out, s * fresh[0][0].length, fresh[of[s]][pos[s]]);
                        worst = Math.max(worst, d);
                        assertTrue(d <= 1e-4, "step " + step + ", slot " + s + " (prompt " + of[s] + ", position "
                                + pos[s] + "): " + d);
                        pos[s]++;
                    }
                }
            }
            Prefill released = handles[2];
            assertThrows(IllegalArgumentException.class, () -> b.startChain(2, released),
                    "a released prompt whose chains ended is freed");
        }
        System.out.println("chains of three prompts in one batch against alone: largest logit difference " + worst);
    }

    private static float[] promptLogitsAlone(OrtEngine engine, int[] prompt) {
        try (DecodeBatch b = engine.start(prompt, 1, 8)) {
            return b.promptLogits();
        }
    }

    private static int[] testSequence() {
        int[] seq = new int[40];
        for (int i = 0; i < seq.length; i++) {
            seq[i] = 6 + (i * 13) % 90;
        }
        return seq;
    }

    /** The logits after each token of {@code seq}, fed to one chain of {@code prompt}. */
    private static float[][] freshLogits(OrtEngine engine, int[] prompt, int[] seq) {
        float[][] fresh = new float[seq.length][];
        try (DecodeBatch b = engine.start(prompt, 1, 64)) {
            b.startChain(0);
            for (int t = 0; t < seq.length; t++) {
                fresh[t] = b.step(new int[] {seq[t]}, new boolean[] {true}).clone();
            }
        }
        return fresh;
    }

    /**
     * Closing a batch gives its caches back at once, the prompts' too, without waiting for a collection: a server
     * opens batch after batch, and its heap may go long without one.
     */
    @Test
    void aClosedBatchFreesItsCachesAtOnce() throws InterruptedException {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
        System.gc();  // dead buffers of earlier tests go first, so that only this batch's count below
        Thread.sleep(200);
        long before = direct.getMemoryUsed();
        long cache;
        long held;
        try (DecodeBatch b = shipped.start(Arrays.copyOf(ids, prefill), 16, 256)) {
            Prefill other = b.prefill(Arrays.copyOf(ids, 5));
            b.startChain(0);
            b.startChain(1, other);
            other.release();
            for (int step = 0; step < 4; step++) {
                b.step(new int[16], new boolean[16]);
            }
            cache = b.kvBytes(0, prefill);
            held = direct.getMemoryUsed() - before;
        }
        long left = direct.getMemoryUsed() - before;
        assertTrue(held >= cache, "the batch holds its cache and spare: " + held + " bytes of " + cache);
        assertTrue(left < cache / 20, left + " bytes of the batch's " + held + " still held after it closed");
    }

    /** Slot 0 restarts every 10 steps and is compared with a fresh chain; slot 1 restarts every period steps. */
    private static void checkRefills(OrtEngine engine, int maxNew, int slot1Period) {
        int[] prompt = Arrays.copyOf(ids, prefill);
        int[] seq = testSequence();
        float[][] fresh = freshLogits(engine, prompt, seq);
        int vocab = fresh[0].length;
        try (DecodeBatch b = engine.start(prompt, 2, maxNew)) {
            b.startChain(0);
            b.startChain(1);
            int t0 = 0;
            for (int step = 0; step < 150; step++) {
                if (step % 10 == 0 && step > 0) {
                    b.startChain(0);
                    t0 = 0;
                }
                if (step % slot1Period == 0 && step > 0) {
                    b.startChain(1);
                }
                float[] out = b.step(new int[] {seq[t0], 7 + step % 80}, new boolean[] {true, true});
                assertEquals(2 * vocab, out.length);
                float d = maxAbsDiff(out, 0, fresh[t0]);
                assertTrue(d <= 1e-4, "step " + step + " (chain position " + t0 + "): " + d);
                t0++;
            }
        }
    }
}
