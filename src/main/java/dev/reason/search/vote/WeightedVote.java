package dev.reason.search.vote;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Votes weighted by how confident the model was in each chain, optionally over only the most confident
 * chains (DeepConf's offline filtering). The weight is the chain's score itself.
 *
 * <p>Filtering with {@code keepPercent} = η &lt; 100 keeps the chains whose score is at least the
 * (100 - η)-th percentile of the scores of the chains with an answer ({@link DeepConf#percentile}, linear
 * interpolation), so ties at the threshold all stay: DeepConf uses η = 10 (aggressive) and 90.
 *
 * <p>A weight is never below {@link #MIN_WEIGHT} (VoteTally needs weights &gt; 0; a DeepConf score of 0
 * only happens for an empty chain).
 */
public final class WeightedVote implements Strategy {

    /** The smallest weight a vote gets. */
    public static final double MIN_WEIGHT = Double.MIN_NORMAL;

    /** How a chain is scored. */
    public enum Mode {
        /** exp(mean token log-probability): the chain's geometric-mean token probability, in (0, 1]. */
        MEAN_LOGPROB("mean-logprob"),
        /** DeepConf: the lowest sliding-window group confidence. */
        DEEPCONF_LOWEST_GROUP("deepconf-lowest-group"),
        /** DeepConf: the mean of the lowest 10% of the group confidences. */
        DEEPCONF_BOTTOM10("deepconf-bottom10"),
        /** DeepConf: the mean token confidence over the last {@code window} tokens. */
        DEEPCONF_TAIL("deepconf-tail");

        private final String id;

        Mode(String id) {
            this.id = id;
        }

        /** The name used on the command line and in output, e.g. {@code deepconf-tail}. */
        public String id() {
            return id;
        }

        /** The mode with this {@link #id()} (or enum name, any case). */
        public static Mode fromId(String id) {
            for (Mode m : values()) {
                if (m.id.equalsIgnoreCase(id) || m.name().equalsIgnoreCase(id)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("unknown weighting '" + id + "'; expected one of mean-logprob, "
                    + "deepconf-lowest-group, deepconf-bottom10, deepconf-tail");
        }
    }

    private final Mode mode;
    private final int window;
    private final double keepPercent;

    public WeightedVote(Mode mode) {
        this(mode, DeepConf.DEFAULT_WINDOW, 100);
    }

    /**
     * @param window      group window (and tail length) in tokens, &gt;= 1; unused by {@link Mode#MEAN_LOGPROB}
     * @param keepPercent the share of chains that vote, in (0, 100]
     */
    public WeightedVote(Mode mode, int window, double keepPercent) {
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
        if (!(keepPercent > 0 && keepPercent <= 100)) {
            throw new IllegalArgumentException("keepPercent must be in (0, 100], got " + keepPercent);
        }
        this.mode = mode;
        this.window = window;
        this.keepPercent = keepPercent;
    }

    public Mode mode() {
        return mode;
    }

    public int window() {
        return window;
    }

    public double keepPercent() {
        return keepPercent;
    }

    @Override
    public String name() {
        String n = "weighted-" + mode.id;
        if (keepPercent < 100) {
            n += "-top" + (keepPercent == Math.rint(keepPercent)
                    ? Long.toString((long) keepPercent) : String.format(Locale.ROOT, "%s", keepPercent));
        }
        return n;
    }

    /** The chain's score under this strategy's mode (higher is more confident). */
    public double score(ScoredChain c) {
        return switch (mode) {
            case MEAN_LOGPROB -> Math.exp(c.meanLogprob());
            case DEEPCONF_LOWEST_GROUP -> DeepConf.lowestGroup(c.tokenConfidence(), window);
            case DEEPCONF_BOTTOM10 -> DeepConf.bottomPercent(c.tokenConfidence(), window,
                    DeepConf.DEFAULT_BOTTOM_PERCENT);
            case DEEPCONF_TAIL -> DeepConf.tail(c.tokenConfidence(), window);
        };
    }

    @Override
    public VoteTally tally(List<ScoredChain> chains) {
        List<ScoredChain> voters = new ArrayList<>();
        for (ScoredChain c : chains) {
            if (c.answer() != null) {
                voters.add(c);
            }
        }
        double[] scores = new double[voters.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = score(voters.get(i));
        }
        double threshold = keepPercent < 100 && scores.length > 0
                ? DeepConf.percentile(scores, 100 - keepPercent) : Double.NEGATIVE_INFINITY;
        VoteTally t = new VoteTally();
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] >= threshold) {
                t.add(voters.get(i).answer(), voters.get(i).sumLogprob(), weight(scores[i]));
            }
        }
        return t;
    }

    /** A score as a vote weight: finite and at least {@link #MIN_WEIGHT}. */
    public static double weight(double score) {
        if (Double.isNaN(score)) {
            return MIN_WEIGHT;
        }
        return Math.min(Double.MAX_VALUE, Math.max(MIN_WEIGHT, score));
    }

    @Override
    public String toString() {
        return name();
    }
}
