package dev.reason.sampling;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Turns one row of logits into a token, with llama.cpp / HF / vLLM semantics: scale by 1/temperature,
 * softmax, min-p (p >= minP * p_max), top-k, top-p (smallest most-likely set whose renormalised mass
 * reaches topP, at least one token), renormalise, then one {@code random.nextDouble()} walks the inverse CDF
 * of the kept tokens in descending-probability order (ties: lower index first), so a seed reproduces a run.
 *
 * <p>Built for the decode loop with vocabularies up to ~152k: no full sort of the vocabulary. Tokens are
 * binned by their tempered distance from the top logit ({@code d = (max - x) / T}, bins of 1/8 nat, one
 * overflow bin past 31.75 nats, where weights are below e^-31). Per-bin counts and masses locate the bin
 * where top-k, top-p or the draw ends; only that bin's tokens are sorted (or, for top-k, the bins up to
 * it). A few linear passes plus a small sort per token.
 *
 * <p>Not thread-safe: scratch arrays are reused between calls, so use one instance per thread.
 */
public final class Sampler {

    /** Top-p counts a prefix as reaching topP when within this much probability of it, absorbing the
     *  float rounding of logits (e.g. probabilities 0.5 + 0.3 must reach topP = 0.8). */
    static final double TOP_P_TOLERANCE = 1e-6;

    private static final double BINS_PER_NAT = 8.0;
    private static final int BINS = 255;             // bin 254 = overflow; 255 marks tokens cut by min-p
    private static final int OVERFLOW = BINS - 1;
    private static final double OVERFLOW_DISTANCE = OVERFLOW / BINS_PER_NAT;
    private static final byte EXCLUDED = (byte) 0xFF;
    private static final float[] NO_LOGPROBS = new float[0];

    private final SamplingParams params;
    private final int topLogprobs;
    private final double invTemperature;
    private final double maxDistance;                // min-p as a bound on d: p/p_max >= minP <=> d <= -ln(minP)

    // Scratch, grown to the largest vocabulary seen and reused.
    private float[] topScratch = new float[0];
    private double[] weights = new double[0];        // exp(-d) per token (raw exp(x - max) before tempering)
    private byte[] binOf = new byte[0];
    private long[] keys = new long[0];                // packed (logit descending, index ascending) sort keys
    private final double[] binMass = new double[BINS];
    private final int[] binCount = new int[BINS];

    public Sampler(SamplingParams params, int topLogprobs) {
        this.params = Objects.requireNonNull(params, "params");
        if (topLogprobs < 0) {
            throw new IllegalArgumentException("topLogprobs must be >= 0, got " + topLogprobs);
        }
        this.topLogprobs = topLogprobs;
        this.invTemperature = params.isGreedy() ? 0.0 : 1.0 / params.temperature();
        this.maxDistance = params.minP() > 0f ? -Math.log(params.minP()) : Double.POSITIVE_INFINITY;
    }

    /**
     * Samples from {@code logits[offset, offset + vocab)}. Does not modify the array. Greedy (temperature 0):
     * argmax, lowest index on ties, and {@code random} is not used (may be null). Otherwise exactly one
     * {@code random.nextDouble()} is consumed, whatever the filters keep, so chains stay in step with their
     * seeds. Logits may be -Infinity (masked tokens) but not NaN or +Infinity.
     */
    public TokenChoice sample(float[] logits, int offset, int vocab, SplittableRandom random) {
        if (!params.isGreedy()) {
            Objects.requireNonNull(random, "random");
        }
        return sample(logits, offset, vocab, params.isGreedy() ? 0.0 : random.nextDouble());
    }

    /**
     * The same draw with the uniform number {@code u} in [0, 1) given (ignored when greedy): the reference for
     * samplers that run elsewhere (the GPU's) and take each chain's draw from the host.
     */
    public TokenChoice sample(float[] logits, int offset, int vocab, double u) {
        Objects.requireNonNull(logits, "logits");
        if (vocab <= 0) {
            throw new IllegalArgumentException("vocab must be > 0, got " + vocab);
        }
        Objects.checkFromIndexSize(offset, vocab, logits.length);
        ensureCapacity(vocab);

        // Pass 1: max, argmax (first on ties), validity, and the largest logits for topLogprobs.
        int k = Math.min(topLogprobs, vocab);
        if (topScratch.length < k) {
            topScratch = new float[k];
        }
        float[] top = topScratch;
        int nTop = 0;
        float max = Float.NEGATIVE_INFINITY;
        int argmax = -1;
        for (int i = 0; i < vocab; i++) {
            float x = logits[offset + i];
            if (!(x < Float.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("logit " + i + " is " + x + "; logits must be finite or -Infinity");
            }
            if (x > max) {
                max = x;
                argmax = i;
            }
            if (k > 0 && (nTop < k || x > top[k - 1])) {
                nTop = insertDescending(top, nTop, k, x);
            }
        }
        if (argmax < 0) {
            throw new IllegalArgumentException("all " + vocab + " logits are -Infinity");
        }

        // Pass 2: raw log-sum-exp, max-subtracted and summed in double. The raw weights are kept: at T = 1
        // they are also the tempered weights.
        double[] w = weights;
        double sum = 0.0;
        for (int i = 0; i < vocab; i++) {
            double e = Math.exp((double) logits[offset + i] - max);
            w[i] = e;
            sum += e;
        }
        double logZ = max + Math.log(sum);

        int token = params.isGreedy() ? argmax : sampleTempered(logits, offset, vocab, max, u);

        float[] tops = NO_LOGPROBS;
        if (k > 0) {
            tops = new float[k];
            for (int j = 0; j < k; j++) {
                tops[j] = (float) (top[j] - logZ);
            }
        }
        return new TokenChoice(token, (float) (logits[offset + token] - logZ), tops);
    }

    private int sampleTempered(float[] logits, int offset, int vocab, float max, double u) {
        boolean useTopK = params.topK() > 0 && params.topK() < vocab;
        boolean rawIsTempered = invTemperature == 1.0;
        double[] w = weights;
        byte[] bins = binOf;
        Arrays.fill(binMass, 0.0);
        Arrays.fill(binCount, 0);

        // Pass 3: tempered weights (the raw ones already are, at T = 1). Top-k needs no weights yet. A loop
        // of its own: C2 compiles Math.exp inside the branchy binning loop into a much slower pass.
        if (!useTopK && !rawIsTempered) {
            for (int i = 0; i < vocab; i++) {
                w[i] = Math.exp(-distance(max, logits[offset + i]));
            }
        }
        // Pass 4: bin every token that survives min-p, with per-bin counts and masses.
        for (int i = 0; i < vocab; i++) {
            double d = distance(max, logits[offset + i]);
            if (d > maxDistance) {
                bins[i] = EXCLUDED;
                continue;
            }
            int b = d < OVERFLOW_DISTANCE ? (int) (d * BINS_PER_NAT) : OVERFLOW;
            bins[i] = (byte) b;
            binCount[b]++;
            if (!useTopK) {
                binMass[b] += w[i];
            }
        }
        return useTopK
                ? sampleTopK(logits, offset, vocab, max, u, rawIsTempered)
                : sampleBinned(logits, offset, vocab, u);
    }

    /** Top-k active: sort the bins that hold the k best, keep k, then top-p and the draw on that short list. */
    private int sampleTopK(float[] logits, int offset, int vocab, float max, double u, boolean rawIsTempered) {
        int k = params.topK();
        int last = 0;
        int seen = 0;
        while (last < OVERFLOW && (seen += binCount[last]) < k) {
            last++;
        }
        int n = Math.min(k, gather(logits, offset, vocab, 0, last));
        double[] w = weights;
        for (int j = 0; j < n; j++) {
            int i = (int) keys[j];
            if (!rawIsTempered) {
                w[i] = Math.exp(-distance(max, logits[offset + i]));
            }
        }
        int kept = n;
        double keptMass = 0.0;
        for (int j = 0; j < n; j++) {
            keptMass += w[(int) keys[j]];
        }
        if (params.topP() < 1f) {
            double reach = (params.topP() - TOP_P_TOLERANCE) * keptMass;
            double c = 0.0;
            for (int j = 0; j < n; j++) {
                c += w[(int) keys[j]];
                if (c >= reach) {
                    kept = j + 1;
                    keptMass = c;
                    break;
                }
            }
        }
        return walk(0, kept, 0.0, u * keptMass);
    }

    /**
     * No top-k: the kept set is all full bins before some bin plus a sorted prefix of that bin (top-p),
     * or all bins (no top-p). The draw then sorts only the bin it lands in.
     */
    private int sampleBinned(float[] logits, int offset, int vocab, double u) {
        double mass = 0.0;
        for (int b = 0; b < BINS; b++) {
            mass += binMass[b];
        }
        if (params.topP() >= 1f) {
            return drawFromBins(logits, offset, vocab, u * mass, BINS);
        }
        double reach = (params.topP() - TOP_P_TOLERANCE) * mass;
        double before = 0.0;                       // mass of the full bins before the boundary bin
        int boundary = 0;
        while (boundary < OVERFLOW && before + binMass[boundary] < reach) {
            before += binMass[boundary++];
        }
        int n = gather(logits, offset, vocab, boundary, boundary);
        int len = n;
        double keptMass = before;
        for (int j = 0; j < n; j++) {
            keptMass += weights[(int) keys[j]];
            if (keptMass >= reach) {
                len = j + 1;
                break;
            }
        }
        double t = u * keptMass;
        return t >= before
                ? walk(0, len, before, t)
                : drawFromBins(logits, offset, vocab, t, boundary);
    }

    /** Inverse CDF over whole bins [0, limit): find the bin holding mass position t, sort it, walk it. */
    private int drawFromBins(float[] logits, int offset, int vocab, double t, int limit) {
        double before = 0.0;
        int b = 0;
        while (b < limit - 1 && t >= before + binMass[b]) {
            before += binMass[b++];
        }
        while (b > 0 && binMass[b] <= 0.0) {         // rounding pushed t past the last bin with mass
            b--;
            before -= binMass[b];
        }
        int n = gather(logits, offset, vocab, b, b);
        return walk(0, n, before, t);
    }

    /** Inverse CDF over sorted keys[from, to): first token whose cumulative mass exceeds t. */
    private int walk(int from, int to, double start, double t) {
        double c = start;
        int lastPositive = (int) keys[from];
        for (int j = from; j < to; j++) {
            int i = (int) keys[j];
            double e = weights[i];
            if (e > 0.0) {
                c += e;
                lastPositive = i;
                if (t < c) {
                    return i;
                }
            }
        }
        return lastPositive;                         // t reached the total only through rounding
    }

    /** Collects the tokens in bins [lo, hi] into keys, sorted by logit descending then index ascending. */
    private int gather(float[] logits, int offset, int vocab, int lo, int hi) {
        byte[] bins = binOf;
        long[] ks = keys;
        int n = 0;
        for (int i = 0; i < vocab; i++) {
            int b = bins[i] & 0xFF;
            if (b >= lo && b <= hi) {
                ks[n++] = sortKey(logits[offset + i], i);
            }
        }
        Arrays.sort(ks, 0, n);
        return n;
    }

    /** Tempered distance from the top logit; one formula everywhere so bins and weights agree. */
    private double distance(float max, float x) {
        return ((double) max - x) * invTemperature;
    }

    /** High half: logit mapped to an order-preserving int, inverted (descending). Low half: index. */
    static long sortKey(float x, int index) {
        int bits = Float.floatToRawIntBits(x + 0.0f);  // + 0.0f folds -0.0 into 0.0
        int ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF);
        return ((long) ~ordered << 32) | index;
    }

    private static int insertDescending(float[] top, int n, int k, float x) {
        int j = Math.min(n, k - 1);                  // when full, the last (smallest) entry drops out
        while (j > 0 && top[j - 1] < x) {
            top[j] = top[j - 1];
            j--;
        }
        top[j] = x;
        return Math.min(n + 1, k);
    }

    private void ensureCapacity(int vocab) {
        if (weights.length < vocab) {
            weights = new double[vocab];
            binOf = new byte[vocab];
            keys = new long[vocab];
        }
    }
}
