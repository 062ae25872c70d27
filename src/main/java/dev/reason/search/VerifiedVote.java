package dev.reason.search;

import java.util.List;
import java.util.Optional;

/**
 * Votes by {@link ScoredChain#verdict()}: a chain that {@link Verifier.Verdict#FAIL}ed is dropped
 * ({@link Mode#DROP}) or votes with a small weight ({@link Mode#DOWNWEIGHT}, default 0.1); one that
 * {@link Verifier.Verdict#PASS}ed votes with {@code passWeight} (1 by default, more to boost verified
 * chains); an {@link Verifier.Verdict#UNKNOWN} one with 1.
 *
 * <p>So that a search still has an answer when every chain failed, {@link Mode#DROP} falls back to the
 * down-weighted vote when no chain with an answer is left: all answers then fail, and the best supported
 * one wins.
 *
 * <p>In {@link Mode#DROP}, once a chain with an answer has not failed (so failing chains no longer vote at all),
 * the search may cut a chain as soon as a step it writes fails ({@link #mayCutFailingChains}, {@link
 * Verifier#checkSteps}): the vote is the one its whole text would have given, and the tokens it would still have
 * spent go to other chains.
 */
public final class VerifiedVote implements Strategy {

    /** What happens to a failing chain. */
    public enum Mode { DROP, DOWNWEIGHT }

    public static final double DEFAULT_FAIL_WEIGHT = 0.1;
    public static final double DEFAULT_PASS_WEIGHT = 1.0;

    private final Mode mode;
    private final double failWeight;
    private final double passWeight;
    private final boolean cutFailedSteps;

    public VerifiedVote(Mode mode) {
        this(mode, DEFAULT_FAIL_WEIGHT, DEFAULT_PASS_WEIGHT);
    }

    /** With early cuts of failing chains on or off ({@code --strategy verified:cut=off}). */
    public VerifiedVote(Mode mode, boolean cutFailedSteps) {
        this(mode, DEFAULT_FAIL_WEIGHT, DEFAULT_PASS_WEIGHT, cutFailedSteps);
    }

    /**
     * @param failWeight a failing chain's weight in {@link Mode#DOWNWEIGHT} (and in DROP's fallback), &gt; 0
     * @param passWeight a passing chain's weight, &gt; 0
     */
    public VerifiedVote(Mode mode, double failWeight, double passWeight) {
        this(mode, failWeight, passWeight, true);
    }

    private VerifiedVote(Mode mode, double failWeight, double passWeight, boolean cutFailedSteps) {
        if (mode == null) {
            throw new IllegalArgumentException("mode must not be null");
        }
        if (!(failWeight > 0) || Double.isInfinite(failWeight)) {
            throw new IllegalArgumentException("failWeight must be finite and > 0, got " + failWeight);
        }
        if (!(passWeight > 0) || Double.isInfinite(passWeight)) {
            throw new IllegalArgumentException("passWeight must be finite and > 0, got " + passWeight);
        }
        this.mode = mode;
        this.failWeight = failWeight;
        this.passWeight = passWeight;
        this.cutFailedSteps = cutFailedSteps;
    }

    /**
     * Whether the search may cut a chain at its first failing step, given the chains scored so far: only when
     * dropping (a down-weighted chain's vote still counts), and only once a chain with an answer has not failed.
     */
    public boolean mayCutFailingChains(List<ScoredChain> scored) {
        return cutFailedSteps && drops(scored);
    }

    /** Whether failing chains are dropped now: in DROP, once a chain with an answer has not failed. */
    private boolean drops(List<ScoredChain> chains) {
        return mode == Mode.DROP && chains.stream()
                .anyMatch(c -> c.answer() != null && c.verdict() != Verifier.Verdict.FAIL);
    }

    public Mode mode() {
        return mode;
    }

    @Override
    public String name() {
        return mode == Mode.DROP ? "verified-drop" : "verified-downweight";
    }

    @Override
    public VoteTally tally(List<ScoredChain> chains) {
        boolean drop = drops(chains);
        VoteTally t = new VoteTally();
        for (ScoredChain c : chains) {
            if (c.answer() == null) {
                continue;
            }
            switch (c.verdict()) {
                case PASS -> t.add(c.answer(), c.sumLogprob(), passWeight);
                case UNKNOWN -> t.add(c.answer(), c.sumLogprob(), 1.0);
                case FAIL -> {
                    if (!drop) {
                        t.add(c.answer(), c.sumLogprob(), failWeight);
                    }
                }
            }
        }
        return t;
    }

    /** Only chains that did not fail: a stopping rule must not be convinced by answers the verifier rejected. */
    @Override
    public VoteTally evidence(List<ScoredChain> chains) {
        return tally(chains.stream().filter(c -> c.verdict() != Verifier.Verdict.FAIL).toList());
    }

    /**
     * The first chain, in list order (finishing order, live), with an answer that {@link Verifier.Verdict#PASS}ed:
     * with a verifier whose PASS is a proof ({@link Game24Verifier}) the search may stop there and answer it.
     */
    public static Optional<ScoredChain> firstVerified(List<ScoredChain> chains) {
        for (ScoredChain c : chains) {
            if (c.answer() != null && c.verdict() == Verifier.Verdict.PASS) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return name();
    }
}
