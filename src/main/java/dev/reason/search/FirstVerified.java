package dev.reason.search;

/**
 * Stops at the first chain whose answer a verifier accepts (a checked Game-of-24 expression is a proof, so
 * waiting for a vote would only spend compute). Confidence is 1 once it fires, else the leader's share.
 */
public final class FirstVerified implements StopRule, ChainObserver {
    private boolean passed;

    @Override
    public String name() {
        return "first-verified";
    }

    @Override
    public void chainFinished(ScoredChain chain) {
        passed |= chain.answer() != null && chain.verdict() == Verifier.Verdict.PASS;
    }

    @Override
    public Decision check(VoteTally tally, int chainsStillPossible) {
        return new Decision(passed, passed ? 1.0 : tally.leaderShare());
    }
}
