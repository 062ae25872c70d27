package dev.reason.search.vote;

import dev.reason.search.verify.Game24Verifier;
import dev.reason.search.verify.Verifier;

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
 *
 * <p>In either mode, a line whose step fails can first be drawn again ({@link #redrawsPerLine(Verifier)}, the search's
 * step-level rejection sampling): the chain goes back to the line's start and writes it anew, from its own random
 * stream, up to that many times before the line counts as failed. A chain then spends its tokens on the step it got
 * wrong instead of starting over, and one wrong step in a long chain no longer costs the whole chain.
 */
public final class VerifiedVote implements Strategy {

    /** What happens to a failing chain. */
    public enum Mode { DROP, DOWNWEIGHT }

    public static final double DEFAULT_FAIL_WEIGHT = 0.1;
    public static final double DEFAULT_PASS_WEIGHT = 1.0;
    /** {@link #redrawsPerLine}: as many as the verifier finds worth their tokens ({@link Verifier#redrawsPerLine}). */
    public static final int VERIFIERS_REDRAWS = -1;

    /** Whether a line whose redraws ran out sends the chain back to an earlier line: as the verifier finds, or as told. */
    public enum Backtrack { VERIFIERS, ON, OFF }

    private final Mode mode;
    private final double failWeight;
    private final double passWeight;
    private final boolean cutFailedSteps;
    private final int redrawsPerLine;
    private final Backtrack backtrack;

    /** Failing chains dropped or down-weighted, with the defaults: cuts on, the verifier's redraws and backtracking. */
    public VerifiedVote(Mode mode) {
        this(mode, DEFAULT_FAIL_WEIGHT, DEFAULT_PASS_WEIGHT, true, VERIFIERS_REDRAWS, Backtrack.VERIFIERS);
    }

    private VerifiedVote(Mode mode, double failWeight, double passWeight, boolean cutFailedSteps, int redrawsPerLine,
                         Backtrack backtrack) {
        if (mode == null || backtrack == null) {
            throw new IllegalArgumentException("mode and backtrack must not be null");
        }
        if (!(failWeight > 0) || Double.isInfinite(failWeight)) {
            throw new IllegalArgumentException("failWeight must be finite and > 0, got " + failWeight);
        }
        if (!(passWeight > 0) || Double.isInfinite(passWeight)) {
            throw new IllegalArgumentException("passWeight must be finite and > 0, got " + passWeight);
        }
        if (redrawsPerLine < VERIFIERS_REDRAWS) {
            throw new IllegalArgumentException("redraws per line must be 0 or more, got " + redrawsPerLine);
        }
        this.mode = mode;
        this.failWeight = failWeight;
        this.passWeight = passWeight;
        this.cutFailedSteps = cutFailedSteps;
        this.redrawsPerLine = redrawsPerLine;
        this.backtrack = backtrack;
    }

    /**
     * The same with other weights.
     *
     * @param failWeight a failing chain's weight in {@link Mode#DOWNWEIGHT} (and in DROP's fallback), &gt; 0
     * @param passWeight a passing chain's weight, &gt; 0
     */
    public VerifiedVote withWeights(double failWeight, double passWeight) {
        return new VerifiedVote(mode, failWeight, passWeight, cutFailedSteps, redrawsPerLine, backtrack);
    }

    /**
     * The same with a chain cut at its first failing step ({@code cut}, see {@link #mayCutFailingChains}) or let run
     * to its end ({@code --strategy verified:cut=off}).
     */
    public VerifiedVote withFailedStepsCut(boolean cut) {
        return new VerifiedVote(mode, failWeight, passWeight, cut, redrawsPerLine, backtrack);
    }

    /**
     * The same with the redraws a failing line gets ({@code verified:redraw=N}); {@link #VERIFIERS_REDRAWS}: the
     * verifier's own number.
     */
    public VerifiedVote withRedrawsPerLine(int redraws) {
        return new VerifiedVote(mode, failWeight, passWeight, cutFailedSteps, redraws, backtrack);
    }

    /** The same with backtracking past a line whose redraws ran out as told ({@code verified:backtrack=on|off}). */
    public VerifiedVote withBacktrack(Backtrack backtrack) {
        return new VerifiedVote(mode, failWeight, passWeight, cutFailedSteps, redrawsPerLine, backtrack);
    }

    /**
     * How many times a line whose step fails is drawn again before it counts as failed (0: never): the number given,
     * else the verifier's own ({@link Verifier#redrawsPerLine}).
     */
    @Override
    public int redrawsPerLine(Verifier verifier) {
        return redrawsPerLine == VERIFIERS_REDRAWS ? verifier.redrawsPerLine() : redrawsPerLine;
    }

    /**
     * Whether a line whose redraws ran out sends the chain back to redraw an earlier line: as told, else as the verifier
     * finds ({@link Verifier#backtracks}).
     */
    @Override
    public boolean backtracks(Verifier verifier) {
        return backtrack == Backtrack.VERIFIERS ? verifier.backtracks() : backtrack == Backtrack.ON;
    }

    /**
     * Whether the search may cut a chain at its first failing step, given the chains scored so far: only when
     * dropping (a down-weighted chain's vote still counts), and only once a chain with an answer has not failed.
     */
    @Override
    public boolean mayCutFailingChains(List<ScoredChain> scored) {
        return cutFailedSteps && drops(scored);
    }

    /** Whether failing chains are dropped now: in DROP, once a chain with an answer has not failed. */
    private boolean drops(List<ScoredChain> chains) {
        return mode == Mode.DROP && chains.stream()
                .anyMatch(c -> c.answer() != null && c.verdict() != Verifier.Verdict.FAIL);
    }

    @Override
    public boolean usesVerifier() {
        return true;
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
