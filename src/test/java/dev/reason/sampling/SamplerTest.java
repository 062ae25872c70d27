package dev.reason.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static final int DRAWS = 20000;

    // ---- helpers -------------------------------------------------------------------------------------

    /** log_softmax in double, the textbook way. */
    private static double[] logSoftmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x / temperature);
        }
        double sum = 0;
        for (float x : logits) {
            sum += Math.exp(x / temperature - max);
        }
        double logZ = max + Math.log(sum);
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = logits[i] / temperature - logZ;
        }
        return out;
    }

    private static double[] softmax(float[] logits, double temperature) {
        double[] lp = logSoftmax(logits, temperature);
        return Arrays.stream(lp).map(Math::exp).toArray();
    }

    /** Logits whose softmax is exactly the given probabilities (up to float rounding). */
    private static float[] logitsOf(double... probs) {
        float[] out = new float[probs.length];
        for (int i = 0; i < probs.length; i++) {
            out[i] = (float) Math.log(probs[i]);
        }
        return out;
    }

    private static double[] frequencies(Sampler sampler, float[] logits, long seed, int draws) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] counts = new double[logits.length];
        for (int i = 0; i < draws; i++) {
            counts[sampler.sample(logits, 0, logits.length, random).token()]++;
        }
        for (int i = 0; i < counts.length; i++) {
            counts[i] /= draws;
        }
        return counts;
    }

    private static void assertFrequencies(double[] expected, double[] observed, int draws) {
        double chi2 = 0;
        int df = -1;
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] == 0) {
                assertEquals(0.0, observed[i], "token " + i + " must never be drawn");
                continue;
            }
            double e = expected[i] * draws;
            double o = observed[i] * draws;
            chi2 += (o - e) * (o - e) / e;
            df++;
            assertEquals(expected[i], observed[i], 0.015, "frequency of token " + i);
        }
        // Generous bound: the 0.1% quantile of chi-square with df <= 10 is below 29.6.
        assertTrue(chi2 < 29.6, "chi-square " + chi2 + " with " + df + " degrees of freedom");
    }

    private static double[] normalise(double... w) {
        double s = Arrays.stream(w).sum();
        return Arrays.stream(w).map(x -> x / s).toArray();
    }

    // ---- greedy --------------------------------------------------------------------------------------

    @Test
    void greedyPicksArgmaxLowestIndexOnTies() {
        float[] logits = {1f, 3f, 3f, 2f, -1f};
        Sampler sampler = new Sampler(SamplingParams.greedy(), 3);
        TokenChoice c = sampler.sample(logits, 0, logits.length, null);
        assertEquals(1, c.token());

        double logZ = Math.log(Math.exp(1) + 2 * Math.exp(3) + Math.exp(2) + Math.exp(-1));
        assertEquals(3 - logZ, c.logprob(), 1e-6);
        assertArrayEquals(new float[] {(float) (3 - logZ), (float) (3 - logZ), (float) (2 - logZ)},
                c.topLogprobs(), 1e-6f);
    }

    @Test
    void greedyLogprobOfConfidentToken() {
        float[] logits = {0f, 10f, 0f};
        TokenChoice c = new Sampler(SamplingParams.greedy(), 0).sample(logits, 0, 3, null);
        assertEquals(1, c.token());
        assertEquals(-Math.log1p(2 * Math.exp(-10)), c.logprob(), 1e-7);
        assertEquals(0, c.topLogprobs().length);
    }

    @Test
    void topLogprobsAreDescendingAndCappedAtVocab() {
        SplittableRandom r = new SplittableRandom(3);
        float[] logits = new float[1000];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (r.nextGaussian() * 2);
        }
        double[] lp = logSoftmax(logits, 1);
        double[] sorted = Arrays.stream(lp).boxed().sorted(Comparator.reverseOrder())
                .mapToDouble(Double::doubleValue).toArray();
        TokenChoice c = new Sampler(SamplingParams.greedy(), 20).sample(logits, 0, logits.length, null);
        assertEquals(20, c.topLogprobs().length);
        for (int j = 0; j < 20; j++) {
            assertEquals(sorted[j], c.topLogprobs()[j], 1e-5, "rank " + j);
        }
        assertEquals(c.topLogprobs()[0], c.logprob());

        float[] small = {0f, 1f};
        assertEquals(2, new Sampler(SamplingParams.greedy(), 5).sample(small, 0, 2, null).topLogprobs().length);
    }

    // ---- temperature ---------------------------------------------------------------------------------

    @Test
    void temperatureFrequenciesMatchTemperedSoftmax() {
        float[] logits = {2f, 1f, 0.5f, 0f, -1f, 3f};
        for (float t : new float[] {0.7f, 1f, 1.8f}) {
            Sampler sampler = new Sampler(new SamplingParams(t, 1f, 0, 0f), 0);
            assertFrequencies(softmax(logits, t), frequencies(sampler, logits, 11, DRAWS), DRAWS);
        }
    }

    @Test
    void logprobIsRawNotTempered() {
        float[] logits = {2f, 1f, 0.5f, 0f};
        double[] raw = logSoftmax(logits, 1);
        Sampler sampler = new Sampler(new SamplingParams(2.5f, 0.9f, 3, 0.01f), 2);
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 200; i++) {
            TokenChoice c = sampler.sample(logits, 0, logits.length, random);
            assertEquals(raw[c.token()], c.logprob(), 1e-6);
            assertArrayEquals(new float[] {(float) raw[0], (float) raw[1]}, c.topLogprobs(), 1e-6f);
        }
    }

    @Test
    void tinyTemperatureApproachesGreedy() {
        float[] logits = {1f, 1.05f, 0.9f, -3f};
        Sampler sampler = new Sampler(new SamplingParams(0.005f, 1f, 0, 0f), 0);
        double[] f = frequencies(sampler, logits, 1, 2000);
        assertEquals(1.0, f[1]);
        // And the mass off the argmax shrinks as the temperature falls.
        double prev = 1;
        for (float t : new float[] {1f, 0.3f, 0.1f, 0.03f}) {
            double others = 1 - frequencies(new Sampler(new SamplingParams(t, 1f, 0, 0f), 0), logits, 2, 4000)[1];
            assertTrue(others < prev, "T=" + t + " off-argmax frequency " + others);
            prev = others;
        }
    }

    // ---- filters -------------------------------------------------------------------------------------

    @Test
    void topKNeverLeavesTheKBest() {
        SplittableRandom r = new SplittableRandom(9);
        float[] logits = new float[100];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) r.nextGaussian();
        }
        logits[17] = 2.9f;
        logits[63] = 3f;
        logits[5] = 2.5f; // third best: must never appear
        double[] f = frequencies(new Sampler(new SamplingParams(1f, 1f, 2, 0f), 0), logits, 4, DRAWS);
        double[] expected = new double[100];
        double[] two = normalise(Math.exp(2.9), Math.exp(3));
        expected[17] = two[0];
        expected[63] = two[1];
        assertFrequencies(expected, f, DRAWS);
    }

    @Test
    void topKTiesKeepLowestIndices() {
        float[] logits = new float[1000]; // all equal
        double[] f = frequencies(new Sampler(new SamplingParams(1f, 1f, 10, 0f), 0), logits, 8, DRAWS);
        double[] expected = new double[1000];
        Arrays.fill(expected, 0, 10, 0.1);
        assertFrequencies(expected, f, DRAWS);
    }

    @Test
    void topPKeepsSmallestPrefixReachingP() {
        float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
        double[] f = frequencies(new Sampler(new SamplingParams(1f, 0.8f, 0, 0f), 0), logits, 6, DRAWS);
        assertFrequencies(new double[] {0.625, 0.375, 0, 0}, f, DRAWS);

        f = frequencies(new Sampler(new SamplingParams(1f, 0.81f, 0, 0f), 0), logits, 6, DRAWS);
        assertFrequencies(normalise(0.5, 0.3, 0.15, 0), f, DRAWS);

        // Tiny top-p still keeps one token.
        f = frequencies(new Sampler(new SamplingParams(1f, 0.01f, 0, 0f), 0), logits, 6, 1000);
        assertEquals(1.0, f[0]);
    }

    @Test
    void topPOnFlatDistributionKeepsHalf() {
        float[] logits = new float[1000];
        double[] f = frequencies(new Sampler(new SamplingParams(1f, 0.5f, 0, 0f), 0), logits, 12, DRAWS);
        double[] expected = new double[1000];
        Arrays.fill(expected, 0, 500, 1.0 / 500);
        for (int i = 0; i < 1000; i++) {
            if (expected[i] == 0) {
                assertEquals(0.0, f[i], "token " + i);
            }
        }
        assertTrue(f[499] > 0 && f[0] > 0);
    }

    @Test
    void topPAppliesAfterTemperature() {
        // At T = 2 the probabilities flatten, so 0.8 needs three tokens instead of two.
        float[] logits = logitsOf(0.5, 0.3, 0.15, 0.05);
        double[] tempered = softmax(logits, 2);
        assertTrue(tempered[0] + tempered[1] < 0.8);
        double[] f = frequencies(new Sampler(new SamplingParams(2f, 0.8f, 0, 0f), 0), logits, 6, DRAWS);
        assertFrequencies(normalise(tempered[0], tempered[1], tempered[2], 0), f, DRAWS);
    }

    @Test
    void minPKeepsTokensAboveFractionOfTop() {
        float[] logits = logitsOf(0.5, 0.3, 0.12, 0.08);  // minP 0.2 -> threshold 0.1
        double[] f = frequencies(new Sampler(new SamplingParams(1f, 1f, 0, 0.2f), 0), logits, 7, DRAWS);
        assertFrequencies(normalise(0.5, 0.3, 0.12, 0), f, DRAWS);

        f = frequencies(new Sampler(new SamplingParams(1f, 1f, 0, 0.5f), 0), logits, 7, DRAWS);
        assertFrequencies(normalise(0.5, 0.3, 0, 0), f, DRAWS);
    }

    @Test
    void filtersCombineInOrderWithRenormalisation() {
        float[] logits = logitsOf(0.4, 0.25, 0.15, 0.1, 0.06, 0.04);
        // min-p 0.2 (>= 0.08) keeps 4, top-k 3 keeps 0.4, 0.25, 0.15; renormalised 0.5, 0.3125, 0.1875, so
        // top-p 0.7 keeps two. Top-p on the unrenormalised probabilities would have kept three.
        SamplingParams p = new SamplingParams(1f, 0.7f, 3, 0.2f);
        double[] f = frequencies(new Sampler(p, 0), logits, 13, DRAWS);
        assertFrequencies(normalise(0.4, 0.25, 0, 0, 0, 0), f, DRAWS);

        // min-p stricter than top-k: min-p 0.5 keeps 0.4, 0.25 (>= 0.2); top-k 5 changes nothing.
        f = frequencies(new Sampler(new SamplingParams(1f, 1f, 5, 0.5f), 0), logits, 13, DRAWS);
        assertFrequencies(normalise(0.4, 0.25, 0, 0, 0, 0), f, DRAWS);

        // top-k larger than the vocabulary is off.
        f = frequencies(new Sampler(new SamplingParams(1f, 1f, 50, 0f), 0), logits, 13, DRAWS);
        assertFrequencies(normalise(0.4, 0.25, 0.15, 0.1, 0.06, 0.04), f, DRAWS);
    }

    @Test
    void maskedTokensAreNeverSampled() {
        float[] logits = {Float.NEGATIVE_INFINITY, 0f, Float.NEGATIVE_INFINITY, 0f, Float.NEGATIVE_INFINITY};
        for (SamplingParams p : new SamplingParams[] {
                new SamplingParams(1f, 1f, 0, 0f), new SamplingParams(1f, 1f, 4, 0f),
                new SamplingParams(0.5f, 0.99f, 0, 0f), new SamplingParams(3f, 1f, 0, 0.01f)}) {
            double[] f = frequencies(new Sampler(p, 2), logits, 3, 4000);
            assertEquals(0.0, f[0] + f[2] + f[4], p.toString());
            assertEquals(0.5, f[1], 0.04);
        }
    }

    // ---- inputs --------------------------------------------------------------------------------------

    @Test
    void respectsOffsetAndDoesNotModifyLogits() {
        SplittableRandom r = new SplittableRandom(21);
        int vocab = 300;
        float[] rows = new float[3 * vocab];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (float) (r.nextGaussian() * 3);
        }
        float[] before = rows.clone();
        float[] row1 = Arrays.copyOfRange(rows, vocab, 2 * vocab);
        Sampler sampler = new Sampler(new SamplingParams(0.8f, 0.9f, 0, 0.01f), 5);
        for (int seed = 0; seed < 50; seed++) {
            TokenChoice a = sampler.sample(rows, vocab, vocab, new SplittableRandom(seed));
            TokenChoice b = sampler.sample(row1, 0, vocab, new SplittableRandom(seed));
            assertEquals(b, a);
        }
        assertArrayEquals(before, rows);
        assertThrows(IndexOutOfBoundsException.class, () -> sampler.sample(rows, 2 * vocab + 1, vocab, r));
    }

    @Test
    void rejectsInvalidLogits() {
        Sampler sampler = new Sampler(new SamplingParams(1f, 1f, 0, 0f), 0);
        SplittableRandom r = new SplittableRandom(1);
        assertThrows(IllegalArgumentException.class, () -> sampler.sample(new float[] {0f, Float.NaN}, 0, 2, r));
        assertThrows(IllegalArgumentException.class,
                () -> sampler.sample(new float[] {0f, Float.POSITIVE_INFINITY}, 0, 2, r));
        assertThrows(IllegalArgumentException.class, () -> sampler.sample(
                new float[] {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY}, 0, 2, r));
        assertThrows(IllegalArgumentException.class, () -> sampler.sample(new float[] {0f}, 0, 0, r));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(SamplingParams.greedy(), -1));
    }

    // ---- reproducibility -----------------------------------------------------------------------------

    private static int[] run(Sampler sampler, float[] logits, SplittableRandom random, int steps) {
        int[] out = new int[steps];
        for (int i = 0; i < steps; i++) {
            out[i] = sampler.sample(logits, 0, logits.length, random).token();
        }
        return out;
    }

    @Test
    void sameSeedAndChainReproduceTheSequence() {
        float[] logits = new float[64];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.sin(i);
        }
        SamplingParams params = new SamplingParams(1f, 0.95f, 40, 0.01f);
        Sampler sampler = new Sampler(params, 3);
        int[] a = run(sampler, logits, ChainSeeds.forChain(42, 3), 300);
        int[] b = run(new Sampler(params, 3), logits, ChainSeeds.forChain(42, 3), 300);
        assertArrayEquals(a, b);
        assertNotEquals(Arrays.toString(a), Arrays.toString(run(sampler, logits, ChainSeeds.forChain(42, 4), 300)));
        assertNotEquals(Arrays.toString(a), Arrays.toString(run(sampler, logits, ChainSeeds.forChain(43, 3), 300)));
    }

    @Test
    void oneDrawPerStepWhateverTheFilterKeeps() {
        // Even when only one token survives, exactly one nextDouble() is consumed.
        float[] logits = {5f, 0f, 0f};
        Sampler sampler = new Sampler(new SamplingParams(1f, 1f, 1, 0f), 0);
        SplittableRandom used = new SplittableRandom(77);
        sampler.sample(logits, 0, 3, used);
        sampler.sample(logits, 0, 3, used);
        SplittableRandom expected = new SplittableRandom(77);
        expected.nextDouble();
        expected.nextDouble();
        assertEquals(expected.nextLong(), used.nextLong());
    }

    // ---- large vocabulary against a full-sort reference ------------------------------------------------

    /** Straightforward implementation: sort the whole vocabulary and apply the filters in order. */
    private static int reference(float[] logits, Integer[] order, SamplingParams p, double u) {
        int vocab = logits.length;
        double max = logits[order[0]];
        double inv = 1.0 / p.temperature();
        double[] w = new double[vocab];                  // by rank; p_i / p_max
        for (int j = 0; j < vocab; j++) {
            w[j] = Math.exp(-((max - logits[order[j]]) * inv));
        }
        int kept = 0;
        while (kept < vocab && w[kept] >= p.minP()) {
            kept++;
        }
        if (p.topK() > 0) {
            kept = Math.min(kept, p.topK());
        }
        if (p.topP() < 1f) {
            double mass = 0;
            for (int j = 0; j < kept; j++) {
                mass += w[j];
            }
            double reach = (p.topP() - Sampler.TOP_P_TOLERANCE) * mass;
            double c = 0;
            for (int j = 0; j < kept; j++) {
                c += w[j];
                if (c >= reach) {
                    kept = j + 1;
                    break;
                }
            }
        }
        double mass = 0;
        for (int j = 0; j < kept; j++) {
            mass += w[j];
        }
        double t = u * mass;
        double c = 0;
        for (int j = 0; j < kept; j++) {
            c += w[j];
            if (t < c) {
                return order[j];
            }
        }
        return order[kept - 1];
    }

    @Test
    void largeVocabularyMatchesFullSortReference() {
        int vocab = 152_064;
        SplittableRandom r = new SplittableRandom(2024);
        float[] flat = new float[vocab];
        float[] peaked = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            flat[i] = (float) (r.nextGaussian() * 3);
            peaked[i] = (float) (r.nextGaussian() * 2 - 5);
        }
        for (int i = 0; i < 30; i++) {
            peaked[r.nextInt(vocab)] = (float) (8 + r.nextDouble() * 8);
        }
        SamplingParams[] settings = {
            new SamplingParams(1f, 1f, 0, 0f),
            new SamplingParams(0.7f, 1f, 0, 0f),
            new SamplingParams(1f, 0.9f, 0, 0f),
            new SamplingParams(0.6f, 0.95f, 20, 0f),
            new SamplingParams(0.8f, 1f, 0, 0.05f),
            new SamplingParams(1.3f, 0.95f, 40, 0.02f),
            new SamplingParams(1f, 0.5f, 1000, 0f),
        };
        Sampler[] samplers = Arrays.stream(settings).map(s -> new Sampler(s, 5)).toArray(Sampler[]::new);
        for (float[] logits : new float[][] {flat, peaked}) {
            Integer[] order = IntStream.range(0, vocab).boxed().toArray(Integer[]::new);
            Arrays.sort(order, (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : a - b);
            double max = logits[order[0]];
            double sum = 0;
            for (float x : logits) {
                sum += Math.exp(x - max);
            }
            double logZ = max + Math.log(sum);
            float[] expectedTop = new float[5];
            for (int j = 0; j < 5; j++) {
                expectedTop[j] = (float) (logits[order[j]] - logZ);
            }
            for (int s = 0; s < settings.length; s++) {
                for (long seed = 0; seed < 15; seed++) {
                    TokenChoice c = samplers[s].sample(logits, 0, vocab, new SplittableRandom(seed));
                    int expected = reference(logits, order, settings[s], new SplittableRandom(seed).nextDouble());
                    assertEquals(expected, c.token(), settings[s] + " seed " + seed);
                    assertEquals(logits[c.token()] - logZ, c.logprob(), 1e-4);
                    assertArrayEquals(expectedTop, c.topLogprobs(), 1e-4f);
                }
            }
        }
        // Greedy on the same vocabulary, and a small vocabulary after a large one (scratch reuse).
        assertEquals(argmax(flat), new Sampler(SamplingParams.greedy(), 0).sample(flat, 0, vocab, null).token());
        float[] small = logitsOf(0.5, 0.3, 0.15, 0.05);
        assertFrequencies(normalise(0.5, 0.3, 0.15, 0), frequencies(samplers[2], small, 6, 5000), 5000);
    }

    private static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }
}
