package dev.reason.search.stop;

import dev.reason.sampling.TokenChoice;
import dev.reason.search.vote.DeepConf;
import dev.reason.search.vote.ScoredChain;
import dev.reason.search.vote.Strategy;
import dev.reason.search.vote.VoteTally;
import dev.reason.search.vote.WeightedVote;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Online DeepConf (Fu et al., 2025): the first {@code warmup} finished chains set a confidence threshold
 * s; later chains whose running group confidence (the mean token confidence of the last {@code window}
 * tokens) falls below s are cut mid-generation; the chains whose lowest group confidence is at least s vote,
 * weighted by it; the search stops once the weighted leader's share of the votes reaches {@code tau}.
 *
 * <p>s = the (100 - keepPercent)-th percentile ({@link DeepConf#percentile}) of the warm-up chains' lowest
 * group confidences: DeepConf-low keeps the top 10% ({@code keepPercent} 10, s = 90th percentile),
 * DeepConf-high the top 90% ({@code keepPercent} 90, s = 10th percentile). As in DeepConf's code a chain is
 * only ever cut on a full window, so with fewer than {@code window} tokens it runs on; a chain shorter
 * than the window is scored by its whole-chain mean.
 *
 * <p>Cut chains need no special handling: a chain cut at token t has a group below s, so its lowest group
 * confidence is below s and it does not vote, which is exactly the rule applied to warm-up chains and to
 * finished chains too short to be cut. Stateful: one instance per search; not thread-safe.
 *
 * <p>Use, live: {@link #chainFinished} for every finished chain in finishing order (cut ones included),
 * {@link #watchChain} for every running chain, {@link #check} as any stop rule, and {@link #tally()} for the
 * confidence-weighted vote that names the answer.
 */
public final class DeepConfOnline implements StopRule {

    public static final int DEFAULT_WARMUP = 16;
    public static final double DEFAULT_KEEP_PERCENT = 90;
    public static final double DEFAULT_TAU = 0.95;

    private final int warmup;
    private final double keepPercent;
    private final double tau;
    private final int window;

    private final List<Double> warmupScores = new ArrayList<>();
    private final List<ScoredChain> warmupChains = new ArrayList<>();
    private final List<Vote> votes = new ArrayList<>();
    private double threshold = Double.NaN;
    private int belowCount;

    private record Vote(String answer, double sumLogprob, double weight) {
    }

    /** DeepConf-high: warm-up 16, keep the top 90%, tau 0.95, 2048-token window. */
    public DeepConfOnline() {
        this(DEFAULT_WARMUP, DEFAULT_KEEP_PERCENT, DEFAULT_TAU, DeepConf.DEFAULT_WINDOW);
    }

    /**
     * @param warmup      chains that set the threshold, &gt;= 1
     * @param keepPercent η, the share of warm-up confidence above the threshold, in (0, 100]
     * @param tau         weighted leader share that stops the search, in (0, 1]
     * @param window      group window in tokens, &gt;= 1
     */
    public DeepConfOnline(int warmup, double keepPercent, double tau, int window) {
        if (warmup < 1) {
            throw new IllegalArgumentException("deepconf warmup must be >= 1, got " + warmup);
        }
        if (!(keepPercent > 0 && keepPercent <= 100)) {
            throw new IllegalArgumentException("deepconf keepPercent must be in (0, 100], got " + keepPercent);
        }
        if (!(tau > 0 && tau <= 1)) {
            throw new IllegalArgumentException("deepconf tau must be in (0, 1], got " + tau);
        }
        if (window < 1) {
            throw new IllegalArgumentException("deepconf window must be >= 1, got " + window);
        }
        this.warmup = warmup;
        this.keepPercent = keepPercent;
        this.tau = tau;
        this.window = window;
    }

    /** DeepConf-low: keeps the top 10% (threshold at the 90th percentile of the warm-up). */
    public static DeepConfOnline low(int warmup, double tau, int window) {
        return new DeepConfOnline(warmup, 10, tau, window);
    }

    /** DeepConf-high: keeps the top 90% (threshold at the 10th percentile of the warm-up). */
    public static DeepConfOnline high(int warmup, double tau, int window) {
        return new DeepConfOnline(warmup, 90, tau, window);
    }

    @Override
    public String name() {
        return "deepconf-online";
    }

    public int warmup() {
        return warmup;
    }

    public double keepPercent() {
        return keepPercent;
    }

    public double tau() {
        return tau;
    }

    public int window() {
        return window;
    }

    /** A running-confidence tracker for one chain being decoded, with this rule's window. */
    public DeepConf.Window newWindow() {
        return new DeepConf.Window(window);
    }

    /** The threshold s, once the warm-up is over. */
    public OptionalDouble threshold() {
        return warmedUp() ? OptionalDouble.of(threshold) : OptionalDouble.empty();
    }

    public boolean warmedUp() {
        return !Double.isNaN(threshold);
    }

    /**
     * Chains, warm-up included, whose score fell below the threshold and so do not vote (cut, or finished
     * before a cut could fire).
     */
    public int belowThreshold() {
        return belowCount;
    }

    /** Forgets the warm-up, the threshold and the votes, for reuse in a new search. */
    public void reset() {
        warmupScores.clear();
        warmupChains.clear();
        votes.clear();
        threshold = Double.NaN;
        belowCount = 0;
    }

    /** The chain's score: its lowest group confidence with this rule's window. */
    public double score(ScoredChain chain) {
        return DeepConf.lowestGroup(chain.tokenConfidence(), window);
    }

    @Override
    public void chainFinished(ScoredChain chain) {
        double score = score(chain);
        if (!warmedUp()) {
            warmupScores.add(score);
            warmupChains.add(chain);
            if (warmupScores.size() == warmup) {
                double[] s = new double[warmup];
                for (int i = 0; i < warmup; i++) {
                    s[i] = warmupScores.get(i);
                }
                threshold = DeepConf.percentile(s, 100 - keepPercent);
                for (int i = 0; i < warmup; i++) {
                    vote(warmupChains.get(i), s[i]);
                }
                warmupChains.clear();
            }
            return;
        }
        vote(chain, score);
    }

    private void vote(ScoredChain chain, double score) {
        if (score < threshold) {
            belowCount++;
            return;
        }
        if (chain.answer() != null) {
            votes.add(new Vote(chain.answer(), chain.sumLogprob(), WeightedVote.weight(score)));
        }
    }

    /**
     * Whether a running chain should be cut now: the warm-up is over, a full window of tokens has been
     * seen, and the last window's mean confidence is below the threshold. O(1); call after every token.
     */
    public boolean shouldCut(DeepConf.Window running) {
        return warmedUp() && running.full() && running.groupConfidence() < threshold;
    }

    /**
     * Watches a running chain's last window of tokens, from its first token, so that a chain begun during the warm-up
     * is judged on its last window as its finished score will be; a redrawn line's tokens leave the window with the
     * line. Cuts as {@link #shouldCut(DeepConf.Window)}.
     */
    @Override
    public TokenWatch watchChain() {
        DeepConf.Window w = newWindow();
        return (int tokens, TokenChoice choice) -> {
            if (w.count() >= tokens) {
                w.keepFirst(tokens - 1);
            }
            w.add(choice.topLogprobs(), choice.logprob());
            return shouldCut(w);
        };
    }

    /**
     * The same check on a chain's token confidences so far (O(n): for tests and offline use; live, keep a
     * {@link DeepConf.Window} per chain).
     */
    public boolean shouldCut(double[] tokenConfidenceSoFar) {
        if (!warmedUp() || tokenConfidenceSoFar.length < window) {
            return false;
        }
        double[] g = DeepConf.groupConfidences(tokenConfidenceSoFar, window);
        return g[g.length - 1] < threshold;
    }

    /**
     * The first t at which {@link #shouldCut} fires on the chain's first t tokens, or -1 when it would have run to its
     * end. Uses the current threshold; -1 before the warm-up is over.
     */
    @Override
    public int cutPoint(double[] tokenConfidence) {
        if (!warmedUp()) {
            return -1;
        }
        DeepConf.Window w = newWindow();
        for (int i = 0; i < tokenConfidence.length; i++) {
            w.add(tokenConfidence[i]);
            if (shouldCut(w)) {
                return i + 1;
            }
        }
        return -1;
    }

    /**
     * The confidence-weighted vote of the chains at or above the threshold. During the warm-up (no
     * threshold yet) the warm-up chains vote unfiltered, weighted by their scores, so an interrupted search
     * still has an answer.
     */
    public VoteTally tally() {
        VoteTally t = new VoteTally();
        if (!warmedUp()) {
            for (int i = 0; i < warmupChains.size(); i++) {
                ScoredChain c = warmupChains.get(i);
                if (c.answer() != null) {
                    t.add(c.answer(), c.sumLogprob(), WeightedVote.weight(warmupScores.get(i)));
                }
            }
            return t;
        }
        for (Vote v : votes) {
            t.add(v.answer(), v.sumLogprob(), v.weight());
        }
        return t;
    }

    /** This rule's own vote, {@link #tally()}, whatever the strategy. */
    @Override
    public VoteTally tally(Strategy strategy, List<ScoredChain> chains) {
        return tally();
    }

    /** This rule's own vote, {@link #tally()}: it is what {@link #check} reads. */
    @Override
    public VoteTally evidence(Strategy strategy, List<ScoredChain> chains) {
        return tally();
    }

    /**
     * Ignores {@code tally} (the search's unweighted votes): stops once the warm-up is over and the leader of
     * {@link #tally()} holds at least {@code tau} of the vote weight. Confidence: that share.
     */
    @Override
    public Decision check(VoteTally tally, int chainsStillPossible) {
        VoteTally own = tally();
        double share = own.leaderShare();
        return new Decision(warmedUp() && own.totalVotes() > 0 && share >= tau, Math.min(1.0, Math.max(0.0, share)));
    }

    @Override
    public String toString() {
        return name() + "(warmup " + warmup + ", keep " + keepPercent + "%, tau " + tau + ", window " + window + ")";
    }
}
