package dev.reason.bench;

import dev.reason.search.vote.VoteTally;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * The statistics of a benchmark run: pass@k, majority-vote accuracy at k from one pool of n chains, confidence
 * intervals and calibration. Pure functions of their arguments (random subsets come from a given seed).
 */
public final class Estimators {

    /** Random subsets drawn per problem and k for {@link #majorityAtK} unless told otherwise. */
    public static final int DEFAULT_SAMPLES = 200;

    private static final double Z95 = 1.959963984540054;

    private Estimators() {
    }

    /** A mean with its 95% confidence interval. */
    public record Estimate(double mean, double low, double high) {
    }

    /** One confidence bin: confidences in [lo, hi) (the last bin includes 1), how many, and how often right. */
    public record Bin(double lo, double hi, int count, double accuracy, double meanConfidence) {
    }

    /** Calibration bins and the expected calibration error, ECE = sum over bins of count/N * |accuracy - confidence|. */
    public record Calibration(List<Bin> bins, double ece) {
        public Calibration {
            bins = List.copyOf(bins);
        }
    }

    /**
     * The chance that at least one of k chains drawn without replacement from n, c of them correct, is correct:
     * {@code 1 - C(n-c, k) / C(n, k)}, as the product {@code 1 - prod_{i=n-c+1..n} (1 - k/i)} (Chen et al. 2021),
     * which never forms the huge binomials.
     */
    public static double passAtK(int n, int c, int k) {
        if (n < 1 || c < 0 || c > n || k < 1 || k > n) {
            throw new IllegalArgumentException("pass@k needs 0 <= c <= n and 1 <= k <= n, got n=" + n + " c=" + c + " k=" + k);
        }
        if (n - c < k) {
            return 1.0;
        }
        double allWrong = 1.0;
        for (int i = n - c + 1; i <= n; i++) {
            allWrong *= 1.0 - (double) k / i;
        }
        return 1.0 - allWrong;
    }

    /** {@link #majorityAtK(List, double[], Predicate, int, int, long)} with {@link #DEFAULT_SAMPLES} and seed 0. */
    public static double majorityAtK(List<String> answers, double[] chainLogprobs, Predicate<String> isCorrect, int k) {
        return majorityAtK(answers, chainLogprobs, isCorrect, k, DEFAULT_SAMPLES, 0L);
    }

    /**
     * Expected accuracy of a majority vote over k chains drawn without replacement from the pool of n. The vote
     * ranks like {@link VoteTally} (more votes, then higher summed log-probability, then the answer string); a null
     * or empty answer does not vote, and a subset without any answer counts as wrong. Exact (all subsets) when
     * C(n, k) &lt;= {@code samples}, which includes k == n; otherwise the mean over {@code samples} random subsets
     * drawn from {@code seed}.
     *
     * @param answers       each chain's normalized answer, null when it gave none
     * @param chainLogprobs each chain's summed log-probability (tie-break), or null to treat all as equal
     * @param isCorrect     whether an answer is right (math equivalence, the Game of 24 check, ...)
     */
    public static double majorityAtK(List<String> answers, double[] chainLogprobs, Predicate<String> isCorrect,
                                     int k, int samples, long seed) {
        Objects.requireNonNull(isCorrect, "isCorrect");
        int n = answers.size();
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("majority@k needs 1 <= k <= n, got k=" + k + " n=" + n);
        }
        if (chainLogprobs != null && chainLogprobs.length != n) {
            throw new IllegalArgumentException(n + " answers but " + chainLogprobs.length + " log-probabilities");
        }
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be >= 1, got " + samples);
        }
        // Grading may be costly (the Game of 24 parses); each distinct answer is graded once.
        Map<String, Boolean> graded = new HashMap<>();
        Predicate<String> cached = a -> graded.computeIfAbsent(a, isCorrect::test);
        int[] idx = new int[k];
        if (binomialAtMost(n, k, samples)) {
            long wins = 0;
            long subsets = 0;
            for (int i = 0; i < k; i++) {
                idx[i] = i;
            }
            do {
                wins += majorityCorrect(answers, chainLogprobs, idx, cached) ? 1 : 0;
                subsets++;
            } while (nextCombination(idx, n));
            return (double) wins / subsets;
        }
        SplittableRandom random = new SplittableRandom(seed);
        int[] perm = new int[n];
        long wins = 0;
        for (int s = 0; s < samples; s++) {
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            // Partial Fisher-Yates: the first k of a uniform shuffle are a uniform k-subset.
            for (int i = 0; i < k; i++) {
                int j = i + random.nextInt(n - i);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
                idx[i] = perm[i];
            }
            wins += majorityCorrect(answers, chainLogprobs, idx, cached) ? 1 : 0;
        }
        return (double) wins / samples;
    }

    private static boolean majorityCorrect(List<String> answers, double[] logprobs, int[] idx,
                                           Predicate<String> isCorrect) {
        VoteTally tally = new VoteTally();
        for (int i : idx) {
            String a = answers.get(i);
            if (a != null && !a.isEmpty()) {
                tally.add(a, logprobs == null ? 0.0 : logprobs[i]);
            }
        }
        return tally.leader().map(c -> isCorrect.test(c.answer())).orElse(false);
    }

    /** Advances idx to the next k-subset of 0..n-1 in lexicographic order; false after the last. */
    private static boolean nextCombination(int[] idx, int n) {
        int k = idx.length;
        int i = k - 1;
        while (i >= 0 && idx[i] == n - k + i) {
            i--;
        }
        if (i < 0) {
            return false;
        }
        idx[i]++;
        for (int j = i + 1; j < k; j++) {
            idx[j] = idx[j - 1] + 1;
        }
        return true;
    }

    /** Whether C(n, k) &lt;= limit, without overflowing. */
    private static boolean binomialAtMost(int n, int k, long limit) {
        k = Math.min(k, n - k);
        long c = 1;
        for (int i = 1; i <= k; i++) {
            c = c * (n - k + i) / i; // exact: c * (n-k+i) is divisible by i at every step
            if (c > limit) {
                return false;
            }
        }
        return c <= limit;
    }

    /**
     * Mean of per-problem scores in [0, 1] with the normal-approximation 95% interval mean ± 1.96·sd/√n (sample sd),
     * clipped to [0, 1]. With one score the spread is unknown, so the interval is all of [0, 1].
     */
    public static Estimate meanCi(double[] scores) {
        int n = scores.length;
        if (n == 0) {
            throw new IllegalArgumentException("no scores to average");
        }
        double sum = 0;
        for (double s : scores) {
            if (!(s >= 0 && s <= 1)) {
                throw new IllegalArgumentException("score outside [0, 1]: " + s);
            }
            sum += s;
        }
        double mean = sum / n;
        if (n == 1) {
            return new Estimate(mean, 0.0, 1.0);
        }
        double squares = 0;
        for (double s : scores) {
            squares += (s - mean) * (s - mean);
        }
        double half = Z95 * Math.sqrt(squares / (n - 1)) / Math.sqrt(n);
        return new Estimate(mean, Math.max(0.0, mean - half), Math.min(1.0, mean + half));
    }

    /** A proportion with its Wilson score 95% interval, which stays sensible near 0 and 1 and for small n. */
    public static Estimate wilson(int successes, int n) {
        if (n < 1 || successes < 0 || successes > n) {
            throw new IllegalArgumentException("wilson needs 0 <= successes <= n and n >= 1, got " + successes + "/" + n);
        }
        double p = (double) successes / n;
        double z2 = Z95 * Z95;
        double denom = 1 + z2 / n;
        double centre = (p + z2 / (2.0 * n)) / denom;
        double half = Z95 * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denom;
        return new Estimate(p, Math.max(0.0, centre - half), Math.min(1.0, centre + half));
    }

    /**
     * Reliability of a confidence score: {@code bins} equal-width bins over [0, 1], each with its accuracy and mean
     * confidence (both 0 for an empty bin), and the expected calibration error.
     */
    public static Calibration calibration(double[] confidence, boolean[] correct, int bins) {
        if (confidence.length != correct.length) {
            throw new IllegalArgumentException(confidence.length + " confidences but " + correct.length + " outcomes");
        }
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be >= 1, got " + bins);
        }
        int[] count = new int[bins];
        int[] right = new int[bins];
        double[] confSum = new double[bins];
        for (int i = 0; i < confidence.length; i++) {
            double c = confidence[i];
            if (!(c >= 0 && c <= 1)) {
                throw new IllegalArgumentException("confidence outside [0, 1]: " + c);
            }
            int b = Math.min(bins - 1, (int) (c * bins));
            count[b]++;
            right[b] += correct[i] ? 1 : 0;
            confSum[b] += c;
        }
        List<Bin> out = new ArrayList<>(bins);
        double ece = 0;
        int total = confidence.length;
        for (int b = 0; b < bins; b++) {
            double acc = count[b] == 0 ? 0 : (double) right[b] / count[b];
            double conf = count[b] == 0 ? 0 : confSum[b] / count[b];
            out.add(new Bin((double) b / bins, (double) (b + 1) / bins, count[b], acc, conf));
            if (count[b] > 0) {
                ece += (double) count[b] / total * Math.abs(acc - conf);
            }
        }
        return new Calibration(out, ece);
    }
}
