package dev.reason.search.stop;

import dev.reason.search.verify.Verifier;
import dev.reason.search.vote.ScoredChain;
import dev.reason.search.vote.VoteTally;

/**
 * Stops at the first chain whose answer a verifier accepts (a checked Game-of-24 expression, or an arithmetic chain in
 * the model's worked format, is a proof, so waiting for a vote would only spend compute), or gives up once
 * {@code giveUpAfter} chains have finished and none passed: on a question the model cannot do, the chains still to
 * come seldom pass and cost most of the tokens (benchmarks/README.md, stopping rules live). Confidence is 1 once a
 * chain passed, else the leader's share.
 *
 * @param giveUpAfter finished chains without a pass after which to stop; 0 = never (run out the budget)
 */
public final class FirstVerified implements StopRule {
    private final int giveUpAfter;
    private boolean passed;
    private int finished;

    public FirstVerified(int giveUpAfter) {
        if (giveUpAfter < 0) {
            throw new IllegalArgumentException("first-verified give-up must be >= 0 chains (0 = never), got "
                    + giveUpAfter);
        }
        this.giveUpAfter = giveUpAfter;
    }

    /** Never gives up. */
    public FirstVerified() {
        this(0);
    }

    @Override
    public String name() {
        return giveUpAfter == 0 ? "first-verified" : "first-verified:give-up=" + giveUpAfter;
    }

    @Override
    public boolean usesVerifier() {
        return true;
    }

    @Override
    public void chainFinished(ScoredChain chain) {
        finished++;
        passed |= chain.answer() != null && chain.verdict() == Verifier.Verdict.PASS;
    }

    @Override
    public Decision check(VoteTally tally, int chainsStillPossible) {
        boolean givesUp = giveUpAfter > 0 && finished >= giveUpAfter;
        return new Decision(passed || givesUp, passed ? 1.0 : tally.leaderShare());
    }
}
