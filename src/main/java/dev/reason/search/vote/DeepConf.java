package dev.reason.search.vote;

import dev.reason.runtime.Chain;

import java.util.Arrays;
import java.util.List;

/**
 * DeepConf's confidence measures (Fu et al., 2025, "Deep Think with Confidence"), computed from a chain's
 * per-step top-k log-probabilities.
 *
 * <ul>
 *   <li>token confidence C_i = -mean of step i's top-k log-probabilities: high when the model's
 *       distribution is peaked (the alternatives are improbable), low when it hesitates;</li>
 *   <li>group confidence: the mean of C over a sliding window of {@code w} tokens; with n &gt;= w tokens
 *       there are n - w + 1 groups (full windows only), with fewer the whole chain is one group;</li>
 *   <li>chain scores: the lowest group confidence, the mean of the bottom 10% of the groups, the mean token
 *       confidence of the last {@code w} tokens (tail).</li>
 * </ul>
 *
 * Group means are running sums (add the new token, subtract the one leaving the window), computed the same
 * way by {@link #groupConfidences} and by {@link Window}, so the decode loop's per-token check and the
 * score of the finished chain agree to the last bit. Stateless apart from {@link Window}.
 */
public final class DeepConf {

    /** DeepConf's group window and tail length, in tokens. */
    public static final int DEFAULT_WINDOW = 2048;
    /** The share of lowest groups averaged by the bottom-10% score. */
    public static final double DEFAULT_BOTTOM_PERCENT = 10;

    private DeepConf() {
    }

    /**
     * C_i = -mean of the step's top-k log-probabilities, over the finite ones (a masked token's -Infinity
     * would make it infinite). Falls back to -{@code chosenLogprob} when the step kept no finite top-k
     * values (top-k log-probabilities switched off), which is the same measure with k = 1 for the sampled
     * token.
     */
    public static double tokenConfidence(float[] topLogprobs, float chosenLogprob) {
        double sum = 0;
        int n = 0;
        if (topLogprobs != null) {
            for (float l : topLogprobs) {
                if (Float.isFinite(l)) {
                    sum += l;
                    n++;
                }
            }
        }
        if (n > 0) {
            return -sum / n;
        }
        return Float.isFinite(chosenLogprob) ? -chosenLogprob : 0.0;
    }

    /** {@link #tokenConfidence} of every token of the chain. */
    public static double[] tokenConfidences(Chain chain) {
        float[] logprobs = chain.logprobs();
        List<float[]> top = chain.topLogprobs();
        double[] c = new double[logprobs.length];
        for (int i = 0; i < c.length; i++) {
            float[] t = top != null && i < top.size() ? top.get(i) : null;
            c[i] = tokenConfidence(t, logprobs[i]);
        }
        return c;
    }

    /**
     * The group confidences: {@code max(1, n - window + 1)} window means, or none for an empty chain.
     *
     * @param window tokens per group, &gt;= 1
     */
    public static double[] groupConfidences(double[] c, int window) {
        checkWindow(window);
        int n = c.length;
        if (n == 0) {
            return new double[0];
        }
        if (n < window) {
            double sum = 0;
            for (double x : c) {
                sum += x;
            }
            return new double[] {sum / n};
        }
        double[] g = new double[n - window + 1];
        double sum = 0;
        for (int i = 0; i < window; i++) {
            sum += c[i];
        }
        g[0] = sum / window;
        for (int i = window; i < n; i++) {
            sum += c[i] - c[i - window];
            g[i - window + 1] = sum / window;
        }
        return g;
    }

    /** The lowest group confidence (DeepConf's main chain score); 0 for an empty chain. */
    public static double lowestGroup(double[] c, int window) {
        double[] g = groupConfidences(c, window);
        if (g.length == 0) {
            return 0.0;
        }
        double min = g[0];
        for (double x : g) {
            min = Math.min(min, x);
        }
        return min;
    }

    /**
     * The mean of the lowest {@code percent}% of the group confidences, at least one group
     * ({@code max(1, floor(groups * percent / 100))}); 0 for an empty chain.
     */
    public static double bottomPercent(double[] c, int window, double percent) {
        if (!(percent > 0 && percent <= 100)) {
            throw new IllegalArgumentException("percent must be in (0, 100], got " + percent);
        }
        double[] g = groupConfidences(c, window);
        if (g.length == 0) {
            return 0.0;
        }
        Arrays.sort(g);
        int k = Math.max(1, (int) Math.floor(g.length * percent / 100 + 1e-9));
        double sum = 0;
        for (int i = 0; i < k; i++) {
            sum += g[i];
        }
        return sum / k;
    }

    /** The mean token confidence of the last {@code tail} tokens (all of them when fewer); 0 for none. */
    public static double tail(double[] c, int tail) {
        checkWindow(tail);
        int n = c.length;
        if (n == 0) {
            return 0.0;
        }
        int from = Math.max(0, n - tail);
        double sum = 0;
        for (int i = from; i < n; i++) {
            sum += c[i];
        }
        return sum / (n - from);
    }

    /**
     * The {@code p}-th percentile with linear interpolation between closest ranks (numpy's default, as
     * DeepConf's code uses): sorted x, h = (n-1) p/100, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
     *
     * @param p in [0, 100]
     * @throws IllegalArgumentException when {@code values} is empty
     */
    public static double percentile(double[] values, double p) {
        if (values.length == 0) {
            throw new IllegalArgumentException("percentile of no values");
        }
        if (!(p >= 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in [0, 100], got " + p);
        }
        double[] x = values.clone();
        Arrays.sort(x);
        double h = (x.length - 1) * p / 100;
        int lo = (int) Math.floor(h);
        if (lo >= x.length - 1) {
            return x[x.length - 1];
        }
        return x[lo] + (h - lo) * (x[lo + 1] - x[lo]);
    }

    private static void checkWindow(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
    }

    /**
     * The running group confidence of a chain being decoded, one token at a time in O(1): for the decode
     * loop's per-token {@link dev.reason.search.stop.DeepConfOnline#shouldCut(Window)} check. It keeps every
     * token's confidence, so a chain that goes back ({@link #keepFirst}: a redrawn line) scores as if it had
     * written only what it kept. Not thread-safe; one per chain.
     */
    public static final class Window {
        private final int size;
        private double[] confidences = new double[64];
        private int count;
        private double sum;

        /** @param size tokens per group, &gt;= 1 */
        public Window(int size) {
            checkWindow(size);
            this.size = size;
        }

        /** Adds the next token's confidence. */
        public void add(double tokenConfidence) {
            if (count == confidences.length) {
                confidences = Arrays.copyOf(confidences, 2 * count);
            }
            confidences[count] = tokenConfidence;
            sum += count < size ? tokenConfidence : tokenConfidence - confidences[count - size];
            count++;
        }

        /** Adds the confidence of a sampled token: {@link DeepConf#tokenConfidence}. */
        public void add(float[] topLogprobs, float chosenLogprob) {
            add(tokenConfidence(topLogprobs, chosenLogprob));
        }

        /**
         * Forgets the tokens after the first {@code tokens}: the window is then what adding only those would have
         * made, to the last bit (the running sum is summed again in the same order).
         */
        public void keepFirst(int tokens) {
            if (tokens < 0 || tokens > count) {
                throw new IllegalArgumentException("cannot keep " + tokens + " of " + count + " tokens");
            }
            count = 0;
            sum = 0;
            for (int i = 0; i < tokens; i++) {
                add(confidences[i]);
            }
        }

        /** Tokens added (and kept) so far. */
        public int count() {
            return count;
        }

        public int size() {
            return size;
        }

        /** Whether a whole window of tokens has been seen. */
        public boolean full() {
            return count >= size;
        }

        /** The mean of the last {@link #size()} tokens, or NaN until the window is {@link #full()}. */
        public double groupConfidence() {
            return full() ? sum / size : Double.NaN;
        }
    }
}
