package dev.reason.runtime;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.Engine;
import dev.reason.engine.Prefill;
import dev.reason.sampling.ChainSeeds;
import dev.reason.sampling.Penalties;
import dev.reason.sampling.RepeatedNgrams;
import dev.reason.sampling.Sampler;
import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;
import dev.reason.testing.ShippedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The decode loop on the shipped model: seeds reproduce runs, refilled slots sample like fresh chains. */
class GeneratorTest {
    private static List<Chain> run(int parallel, int chains, long seed) {
        return run(ShippedModel.engine(), parallel, chains, seed);
    }

    private static List<Chain> run(Engine engine, int parallel, int chains, long seed) {
        var model = ShippedModel.model();
        int[] eos = model.eosIds();
        var params = new Generator.Params(new SamplingParams(1.0f, 1.0f, 0, 0f), parallel, 48, seed, eos, 3);
        List<Chain> done = new ArrayList<>();
        new Generator(engine, model.tokenizer()::stream, params)
                .runChains(model.promptIds("What is 12 * 7 - 5?"), chains, done);
        return done;
    }

    private static final String QUESTION = "What is 12 * 7 - 5?";
    private static final SamplingParams PLAIN = new SamplingParams(1f, 1f, 0, 0f);
    /** Room for five line ends (two of them redrawn lines) in the chains that redraw. */
    private static final int LIMIT_WITH_REDRAWS = 64;

    /**
     * Three questions' chains in one batch against each question alone: a chain's random stream is its question's, so
     * it draws the same tokens whatever shares the batch; its log-probabilities agree within the tolerance of
     * batched rows.
     */
    @Test
    void aQuestionsChainsAreTheSameAloneAndSharingTheBatch() {
        var model = ShippedModel.model();
        String[] questions = {QUESTION, "What is 2 + 3?", "Tom has 5 apples and buys 3 bags of 4 apples each. How many"
                + " apples does he have now?"};
        var params = new Generator.Params(PLAIN, 8, 48, 5, model.eosIds(), 3);
        List<List<Chain>> alone = new ArrayList<>();
        List<List<Chain>> shared = new ArrayList<>();
        List<Generator.Job> jobs = new ArrayList<>();
        for (int q = 0; q < questions.length; q++) {
            int[] prompt = model.promptIds(questions[q]);
            List<Chain> chains = new ArrayList<>();
            new Generator(ShippedModel.engine(), model.tokenizer()::stream, params.withSeed(q))
                    .runChains(prompt, 6, chains);
            alone.add(chains);
            List<Chain> together = new ArrayList<>();
            shared.add(together);
            jobs.add(Generator.pool(prompt, params.withSeed(q), 6, together::addAll));
        }
        new Generator(ShippedModel.engine(), model.tokenizer()::stream, params).run(jobs.iterator(),
                new Generator.Admission(3, Long.MAX_VALUE));
        for (int q = 0; q < questions.length; q++) {
            assertEquals(6, shared.get(q).size(), "question " + q);
            for (int i = 0; i < 6; i++) {
                Chain a = alone.get(q).get(i);
                Chain b = shared.get(q).get(i);
                assertEquals(a.text(), b.text(), "question " + q + " chain " + i);
                assertArrayEquals(a.logprobs(), b.logprobs(), 1e-4f, "question " + q + " chain " + i);
            }
        }
    }

    /** Runs to the token limit or an end token (no answer-line stop), the case the reference below follows. */
    private static List<Chain> runToLimit(Engine engine, SamplingParams sampling, int parallel, int chains, int limit) {
        var model = ShippedModel.model();
        var params = new Generator.Params(sampling, parallel, limit, 21, model.eosIds(), 0).pastAnswers();
        List<Chain> done = new ArrayList<>();
        new Generator(engine, model.tokenizer()::stream, params).runChains(model.promptIds(QUESTION), chains, done);
        return done;
    }

    /**
     * Chain {@code index} decoded without a cache or any state: at each step a full forward over the prompt and the
     * tokens so far, the penalties and the n-gram ban computed from that whole sequence (the prompt, then the chain's
     * tokens), then the chain's own draw.
     */
    private static int[] referenceChain(SamplingParams sampling, int index, int limit) {
        var model = ShippedModel.model();
        int[] prompt = model.promptIds(QUESTION);
        SplittableRandom random = ChainSeeds.forChain(21, index);
        Sampler sampler = new Sampler(sampling, 0);
        int[] seq = prompt;
        while (seq.length - prompt.length < limit) {
            float[] logits;
            try (DecodeBatch b = ShippedModel.engine().start(seq, 1, 1)) {
                logits = b.promptLogits();
            }
            Penalties penalties = new Penalties(sampling, prompt);
            for (int i = prompt.length; i < seq.length; i++) {
                penalties.add(seq[i]);
            }
            penalties.apply(logits, 0, logits.length);
            RepeatedNgrams.ban(logits, 0, logits.length,
                    RepeatedNgrams.banned(sampling.noRepeatNgramSize(), seq, new int[0], 0));
            int token = sampler.sample(logits, 0, logits.length, random).token();
            if (Arrays.stream(model.eosIds()).anyMatch(e -> e == token)) {
                break;
            }
            seq = Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = token;
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    /**
     * Lines a chain drops at its n-th line end: its first line and its second are drawn again once, and at the fifth
     * line end (its third line) it goes back past that line to draw its second line again (backtracking).
     */
    private static int linesDroppedAt(int lineEnd) {
        return lineEnd == 1 || lineEnd == 3 ? 1 : lineEnd == 5 ? 2 : 0;
    }

    /**
     * Chains whose first line (dropped whole: the chain starts over) and second line (dropped back to the first line's
     * end) are drawn again once each, and whose third line sends them back to redraw the second, equal
     * {@link #referenceWithRedraws}: the cache goes back to the tokens kept, the penalties count only those, and the
     * chain's random stream goes on. Returns the tokens sampled in all.
     */
    private static long runRedrawing(Engine engine, SamplingParams sampling, List<Chain> done) {
        var model = ShippedModel.model();
        var params = new Generator.Params(sampling, 2, LIMIT_WITH_REDRAWS, 21, model.eosIds(), 0).pastAnswers();
        long[] sampled = {0};
        Generator.Listener listener = new Generator.Listener() {
            final Map<Integer, Integer> lineEnds = new HashMap<>();
            final Map<Integer, List<Integer>> kept = new HashMap<>();  // each chain's tokens, as the test expects them
            final Map<Integer, Integer> dropping = new HashMap<>();   // lines a chain was told to drop
            int started;

            public boolean mayStartChain() {
                return started < 4 && ++started > 0;
            }

            public boolean stopNow(int active) {
                return false;
            }

            public void onTokens(int count) {
                sampled[0] += count;
            }

            public void onChainFinished(Chain chain) {
                done.add(chain);
            }

            @Override
            public Generator.Next afterToken(int chainIndex, int tokens, TokenChoice choice, CharSequence text) {
                List<Integer> ids = kept.computeIfAbsent(chainIndex, i -> new ArrayList<>());
                dropLines(ids, dropping.getOrDefault(chainIndex, 0));
                ids.add(choice.token());
                assertEquals(ids.size(), tokens, "the tokens kept and this one");
                assertEquals(model.tokenizer().decode(ids.stream().mapToInt(i -> i).toArray(), ids.size()), text.toString());
                // a line ends with the token that writes its newline, as in the reference: a token that writes no
                // text (a special token) after it ends no second line
                int lines = !model.tokenizer().decode(new int[] {choice.token()}, 1).equals("\n")
                        ? 0 : linesDroppedAt(lineEnds.merge(chainIndex, 1, Integer::sum));
                dropping.put(chainIndex, lines);
                return lines > 0 ? Generator.Next.redraw(lines) : Generator.Next.GO_ON;
            }
        };
        new Generator(engine, model.tokenizer()::stream, params).run(
                List.of(new Generator.Job(model.promptIds(QUESTION), params, () -> listener)).iterator(),
                Generator.Admission.ONE);
        done.sort(Comparator.comparingInt(Chain::index));
        return sampled[0];
    }

    /** {@link #referenceChain} with the redraws of {@link #runRedrawing}: returns the chain, its tokens sampled and its line ends. */
    private static int[][] referenceWithRedraws(SamplingParams sampling, int index) {
        var model = ShippedModel.model();
        int[] prompt = model.promptIds(QUESTION);
        SplittableRandom random = ChainSeeds.forChain(21, index);
        Sampler sampler = new Sampler(sampling, 0);
        List<Integer> chain = new ArrayList<>();
        int sampled = 0;
        int lineEnds = 0;
        while (chain.size() < LIMIT_WITH_REDRAWS) {
            int[] seq = IntStream.concat(Arrays.stream(prompt), chain.stream().mapToInt(i -> i)).toArray();
            float[] logits;
            try (DecodeBatch b = ShippedModel.engine().start(seq, 1, 1)) {
                logits = b.promptLogits();
            }
            Penalties penalties = new Penalties(sampling, prompt);
            chain.forEach(penalties::add);
            penalties.apply(logits, 0, logits.length);
            RepeatedNgrams.ban(logits, 0, logits.length,
                    RepeatedNgrams.banned(sampling.noRepeatNgramSize(), seq, new int[0], 0));
            int token = sampler.sample(logits, 0, logits.length, random).token();
            sampled++;
            if (Arrays.stream(model.eosIds()).anyMatch(e -> e == token)) {
                break;
            }
            chain.add(token);
            int lines = chain.size() < LIMIT_WITH_REDRAWS && model.tokenizer().decode(new int[] {token}, 1).equals("\n")
                    ? linesDroppedAt(++lineEnds) : 0;
            dropLines(chain, lines);
        }
        return new int[][] {chain.stream().mapToInt(i -> i).toArray(), {sampled, lineEnds}};
    }

    /** Drops a chain's last {@code lines} lines, which end in its last token: back to after the line end before each. */
    private static void dropLines(List<Integer> chain, int lines) {
        if (lines == 0) {
            return;
        }
        int lineEnd = chain.get(chain.size() - 1);
        int lineStart = chain.size();
        for (int i = 0; i < lines && lineStart > 0; i++) {
            lineStart = chain.subList(0, lineStart - 1).lastIndexOf(lineEnd) + 1;
        }
        chain.subList(lineStart, chain.size()).clear();
    }

    /** With every penalty and the n-gram ban (of 6-grams: shorter ones push this model to pieces of several characters). */
    @Test
    void aRedrawnLineContinuesAsIfTheChainHadWrittenOnlyTheTokensKept() {
        SamplingParams penalizing = new SamplingParams(1f, 1f, 0, 0f, 1.3f, 0.5f, 0.2f, 6);
        for (Engine engine : new Engine[] {ShippedModel.engine(),
                ForwardingBatch.engine(ShippedModel.engine(), DeviceSamplingBatch::new)}) {
            List<Chain> done = new ArrayList<>();
            long sampled = runRedrawing(engine, penalizing, done);
            assertEquals(4, done.size());
            long expectedSampled = 0;
            int redrawnSecondLines = 0;
            int wentBack = 0;
            for (int i = 0; i < 4; i++) {
                int[][] ref = referenceWithRedraws(penalizing, i);
                assertArrayEquals(ref[0], done.get(i).tokens(), "chain " + i + ": " + done.get(i).text()
                        + "\nreference: " + ShippedModel.model().tokenizer().decode(ref[0], ref[0].length));
                assertEquals(done.get(i).tokens().length, done.get(i).logprobs().length);
                expectedSampled += ref[1][0];
                wentBack += ref[1][1] >= 5 ? 1 : 0;
                redrawnSecondLines += done.get(i).text().chars().filter(c -> c == '\n').count() >= 2 ? 1 : 0;
            }
            assertEquals(expectedSampled, sampled, "every token drawn counts, the dropped lines' too");
            assertTrue(redrawnSecondLines >= 2, redrawnSecondLines + " of 4 chains redrew a second line");
            assertTrue(wentBack >= 2, wentBack + " of 4 chains went back past a third line");
        }
        List<Chain> unbanned = new ArrayList<>();
        runRedrawing(ShippedModel.engine(), penalizing.withNoRepeatNgramSize(0), unbanned);
        assertTrue(IntStream.range(0, 4).anyMatch(i -> !Arrays.equals(unbanned.get(i).tokens(),
                referenceWithRedraws(penalizing, i)[0])), "the n-gram ban must act on these chains");
    }

    /** The repetition penalty alone, the presence and frequency penalties alone, then the n-gram ban alone. */
    @ParameterizedTest
    @CsvSource({"2, 0, 0, 0", "1, 2, 1, 0", "1, 0, 0, 3"})
    void thePenaltiesFollowEachChainsWholeSequence(float repetition, float presence, float frequency, int ngram) {
        SamplingParams penalizing = new SamplingParams(1f, 1f, 0, 0f, repetition, presence, frequency, ngram);
        // 2 slots, 4 chains: two of them in refilled slots, whose history must start again from the prompt's.
        List<Chain> penalized = runToLimit(ShippedModel.engine(), penalizing, 2, 4, 24);
        List<Chain> plain = runToLimit(ShippedModel.engine(), PLAIN, 2, 4, 24);
        int changed = 0;
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(referenceChain(penalizing, i, 24), penalized.get(i).tokens(), "chain " + i);
            changed += Arrays.equals(plain.get(i).tokens(), penalized.get(i).tokens()) ? 0 : 1;
        }
        assertTrue(changed >= 2, changed + " of 4 chains changed by the penalties: the test must see them act");
    }

    /** A chain that keeps writing one block ends as looping when asked, and runs to its limit otherwise. */
    @Test
    void aLoopingChainEndsThereWhenAskedAndRunsToTheLimitOtherwise() {
        var model = ShippedModel.model();
        int[] cycle = model.tokenizer().encode("abcdefg");
        // each step's logits make the next token the one after the last in the cycle (its first, after any other)
        Engine looping = ForwardingBatch.engine(ShippedModel.engine(), b -> new ForwardingBatch(b) {
            @Override
            public float[] step(int[] tokens, boolean[] active) {
                inner.step(tokens, active);
                int vocab = vocabSize();
                float[] logits = new float[slots() * vocab];
                for (int s = 0; s < slots(); s++) {
                    int at = Arrays.stream(cycle).boxed().toList().indexOf(tokens[s]);
                    logits[s * vocab + cycle[(at + 1) % cycle.length]] = 100f;
                }
                return logits;
            }
        });
        for (boolean cut : new boolean[] {true, false}) {
            var params = new Generator.Params(SamplingParams.greedy(), 1, 300, 0, model.eosIds(), 0).withLoopsCut(cut);
            List<Chain> done = new ArrayList<>();
            new Generator(looping, model.tokenizer()::stream, params).runChains(model.promptIds(QUESTION), 1, done);
            Chain c = done.get(0);
            if (cut) {
                assertEquals(FinishReason.LOOP, c.finish(), c.text());
                // 64 tokens equal to the one 7 before: 71 of the cycle, after the prompt's own first token
                assertTrue(c.tokens().length >= 71 && c.tokens().length <= 72, c.tokens().length + " tokens");
            } else {
                assertEquals(FinishReason.MAX_TOKENS, c.finish());
                assertEquals(300, c.tokens().length);
            }
        }
    }

    @Test
    void aSeedReproducesTheRun() {
        List<Chain> a = run(3, 6, 11);
        List<Chain> b = run(3, 6, 11);
        assertEquals(6, a.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i).tokens(), b.get(i).tokens());
            assertArrayEquals(a.get(i).logprobs(), b.get(i).logprobs());
        }
        List<Chain> other = run(3, 6, 12);
        boolean differs = false;
        for (int i = 0; i < 6; i++) {
            differs |= !Arrays.equals(a.get(i).tokens(), other.get(i).tokens());
        }
        assertEquals(true, differs, "another seed gives other chains at temperature 1");
    }

    @Test
    void refilledSlotsProduceTheTokensOfAFreshSingleChain() {
        // 2 slots, 7 chains: chains 2..6 run in refilled slots
        List<Chain> batched = run(2, 7, 5);
        List<Chain> single = run(1, 7, 5);
        assertEquals(7, batched.size());
        for (int i = 0; i < 7; i++) {
            assertEquals(i, batched.get(i).index());
            assertArrayEquals(single.get(i).tokens(), batched.get(i).tokens(), "chain " + i);
        }
        assertNotEquals(0, batched.get(6).tokens().length);
    }

    @Test
    void aBatchWithFewerSlotsThanAskedRunsEveryChainTheSame() {
        // A GPU batch halves its slots when memory is short: the loop must use the batch's count.
        Engine cpu = ShippedModel.engine();
        Engine halving = new Engine() {
            public String device() {
                return cpu.device();
            }

            public String description() {
                return cpu.description();
            }

            public DecodeBatch start(int[] prompt, int slots, int maxNewTokens) {
                return cpu.start(prompt, Math.max(1, slots / 2), maxNewTokens);
            }

            public void close() {
            }
        };
        List<Chain> asked = run(4, 6, 3);
        List<Chain> halved = run(halving, 4, 6, 3);
        assertEquals(6, halved.size());
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(asked.get(i).tokens(), halved.get(i).tokens(), "chain " + i);
        }
    }

    @Test
    void aBatchThatSamplesOnTheDevicePenalizesWhatItWasFedAfterTheHostsFirstToken() {
        // The loop penalizes the prompt's logits itself (every chain's first token) and leaves later steps to the
        // batch, which knows the prompt and each slot's fed tokens: together they must give the host's chains.
        Engine deviceSampling = ForwardingBatch.engine(ShippedModel.engine(), DeviceSamplingBatch::new);
        SamplingParams penalizing = new SamplingParams(1f, 1f, 0, 0f, 2f, 0.5f, 0.3f);
        List<Chain> host = runToLimit(ShippedModel.engine(), penalizing, 3, 5, 24);
        List<Chain> device = runToLimit(deviceSampling, penalizing, 3, 5, 24);
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(host.get(i).tokens(), device.get(i).tokens(), "chain " + i);
        }
    }

    @Test
    void samplingOnTheDeviceWithEachChainsDrawsGivesTheHostsChains() {
        // A batch that "samples on the device" with the host sampler and the uniforms the loop hands it: the
        // chains must be the host path's, so the GPU sampler only has to match Sampler.sample(logits, u).
        Engine deviceSampling = ForwardingBatch.engine(ShippedModel.engine(), DeviceSamplingBatch::new);
        List<Chain> host = run(3, 7, 9);
        List<Chain> device = run(deviceSampling, 3, 7, 9);
        for (int i = 0; i < 7; i++) {
            assertArrayEquals(host.get(i).tokens(), device.get(i).tokens(), "chain " + i);
            assertArrayEquals(host.get(i).logprobs(), device.get(i).logprobs(), "chain " + i);
        }
    }

    @Test
    void firstTokensOfALargeVocabularyAreDrawnOnTheDeviceAsTheHostWouldDrawThem() {
        // The shipped model's logits padded with -infinity to a vocabulary large enough that the loop draws the
        // chains' first tokens through sampleFirst: the chains must still be the host path's, penalties included.
        List<DeviceSamplingBatch> batches = new ArrayList<>();
        Engine wide = ForwardingBatch.engine(ShippedModel.engine(), (prompt, batch) -> {
            DeviceSamplingBatch b = new DeviceSamplingBatch(prompt, batch, 1 << 16);
            batches.add(b);
            return b;
        });
        SamplingParams penalizing = new SamplingParams(1f, 1f, 0, 0f, 2f, 0.5f, 0.3f);
        for (SamplingParams p : new SamplingParams[] {PLAIN, penalizing, SamplingParams.greedy()}) {
            List<Chain> host = runToLimit(ShippedModel.engine(), p, 3, 5, 24);
            List<Chain> device = runToLimit(wide, p, 3, 5, 24);
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(host.get(i).tokens(), device.get(i).tokens(), p + " chain " + i);
                assertArrayEquals(host.get(i).logprobs(), device.get(i).logprobs(), 1e-6f, p + " chain " + i);
            }
            assertEquals(5, batches.get(batches.size() - 1).firstDraws, p + ": every first token drawn on the device");
        }
    }

    /** The model's logits padded with -infinity to {@code width} tokens (none past the model's are ever drawn). */
    private static class WideBatch extends ForwardingBatch {
        final int width;

        WideBatch(DecodeBatch inner, int width) {
            super(inner);
            this.width = width;
        }

        @Override
        public int vocabSize() {
            return width;
        }

        @Override
        public Prefill prompt() {
            Prefill p = inner.prompt();
            return new Prefill() {
                public int length() {
                    return p.length();
                }

                public float[] logits() {
                    return padded(p.logits(), 1);
                }

                public void release() {
                    p.release();
                }
            };
        }

        @Override
        public void startChain(int slot, Prefill prompt) {
            super.startChain(slot, inner.prompt());  // the padded view stands for the inner batch's one prompt
        }

        @Override
        public float[] step(int[] tokens, boolean[] active) {
            return padded(inner.step(tokens, active), slots());
        }

        final float[] padded(float[] logits, int rows) {
            int vocab = inner.vocabSize();
            if (width == vocab) {
                return logits;
            }
            float[] wide = new float[rows * width];
            Arrays.fill(wide, Float.NEGATIVE_INFINITY);
            for (int r = 0; r < rows; r++) {
                System.arraycopy(logits, r * vocab, wide, r * width, vocab);
            }
            return wide;
        }
    }

    @Test
    void drawsSpreadOverTheCoresGiveEachChainItsOneCoreTokens() {
        // The shipped model's logits padded with -infinity to 2^16 tokens: a round of 3 chains reads enough logits
        // that the host's draws are spread over the cores (Samplers), penalties and n-gram bans with them. Each chain
        // must be the one drawn alone, chain after chain, from the model's own 128 logits.
        Engine wide = ForwardingBatch.engine(ShippedModel.engine(), batch -> new WideBatch(batch, 1 << 16));
        SamplingParams penalizing = new SamplingParams(1f, 1f, 0, 0f, 2f, 0.5f, 0.3f, 3);
        SamplingParams filtered = new SamplingParams(0.8f, 0.9f, 20, 0.02f);
        for (SamplingParams p : new SamplingParams[] {PLAIN, penalizing, filtered, SamplingParams.greedy()}) {
            List<Chain> alone = runToLimit(ShippedModel.engine(), p, 3, 5, 24);
            List<Chain> spread = runToLimit(wide, p, 3, 5, 24);
            for (int i = 0; i < 5; i++) {
                assertArrayEquals(alone.get(i).tokens(), spread.get(i).tokens(), p + " chain " + i);
                assertArrayEquals(alone.get(i).logprobs(), spread.get(i).logprobs(), 1e-6f, p + " chain " + i);
            }
        }
    }

    /**
     * Samples with the host sampler where a device batch would, penalizing and banning as CudaBatch does; with a
     * width beyond the model's vocabulary, its logits are padded with -infinity to that many tokens.
     */
    private static final class DeviceSamplingBatch extends WideBatch {
        private final int[] prompt;
        private final List<List<Integer>> fed = new ArrayList<>();  // per slot, since its chain started
        int firstDraws;

        DeviceSamplingBatch(int[] prompt, DecodeBatch inner) {
            this(prompt, inner, inner.vocabSize());
        }

        DeviceSamplingBatch(int[] prompt, DecodeBatch inner, int width) {
            super(inner, width);
            this.prompt = prompt;
            for (int s = 0; s < inner.slots(); s++) {
                fed.add(new ArrayList<>());
            }
        }

        @Override
        public TokenChoice[] sampleFirst(float[] firstLogits, boolean[] starting, double[] uniforms,
                                         SamplingParams params, int topLogprobs) {
            assertEquals(width, firstLogits.length);
            Sampler sampler = new Sampler(params, topLogprobs);
            TokenChoice[] out = new TokenChoice[slots()];
            for (int s = 0; s < out.length; s++) {
                if (starting[s]) {
                    out[s] = sampler.sample(firstLogits, 0, width, uniforms[s]);
                    firstDraws++;
                }
            }
            return out;
        }

        @Override
        public void startChain(int slot, Prefill prompt) {
            fed.get(slot).clear();
            super.startChain(slot, prompt);
        }

        @Override
        public void rewind(int slot, int keep) {
            fed.get(slot).subList(keep, fed.get(slot).size()).clear();
            super.rewind(slot, keep);
        }

        @Override
        public float[] step(int[] tokens, boolean[] active) {
            throw new AssertionError("a device-sampling batch is driven through stepAndSample");
        }

        @Override
        public boolean samplesOnDevice() {
            return true;
        }

        @Override
        public TokenChoice[] stepAndSample(int[] tokens, boolean[] active, double[] uniforms, SamplingParams[] each,
                                           int[] topLogprobs) {
            float[] logits = padded(inner.step(tokens, active), slots());
            TokenChoice[] out = new TokenChoice[slots()];
            for (int s = 0; s < out.length; s++) {
                if (!active[s]) {
                    continue;
                }
                SamplingParams params = each[s];
                Sampler sampler = new Sampler(params, topLogprobs[s]);
                fed.get(s).add(tokens[s]);
                if (params.penalizes()) {
                    Penalties history = new Penalties(params, prompt);
                    fed.get(s).forEach(history::add);
                    history.apply(logits, s * vocabSize(), vocabSize());
                }
                int[] chain = fed.get(s).stream().mapToInt(i -> i).toArray();
                RepeatedNgrams.ban(logits, s * vocabSize(), vocabSize(),
                        RepeatedNgrams.banned(params.noRepeatNgramSize(), prompt, chain, chain.length));
                out[s] = sampler.sample(logits, s * vocabSize(), vocabSize(), uniforms[s]);
            }
            return out;
        }
    }
}
