package dev.reason.search;

/**
 * Decides from the votes so far whether sampling more chains is worth it. Budgets are enforced
 * separately by {@link BudgetMeter}; a stop rule only ever ends a search early.
 */
public interface StopRule {

    /** Short stable name for output, e.g. {@code ac-beta}. */
    String name();

    /**
     * @param tally               the votes so far
     * @param chainsStillPossible how many more chains may still vote (running plus not yet started);
     *                            {@link Integer#MAX_VALUE} when unknown
     */
    Decision check(VoteTally tally, int chainsStillPossible);

    /**
     * @param stop       whether to stop now
     * @param confidence the rule's probability that the current leader is the majority answer, in [0, 1],
     *                   shown to users
     */
    record Decision(boolean stop, double confidence) {
        public Decision {
            if (!(confidence >= 0 && confidence <= 1)) {
                throw new IllegalArgumentException("confidence must be in [0, 1], got " + confidence);
            }
        }
    }

    /** Never stops early; confidence is the leader's share of the votes. */
    static StopRule none() {
        return SimpleStopRule.NONE;
    }

    /**
     * Stops once the chains still possible can no longer change the leader, i.e. leader votes &gt;
     * runner-up votes + chainsStillPossible (each chain adds one vote). Confidence 1 when it fires,
     * else the leader's share.
     */
    static StopRule decided() {
        return SimpleStopRule.DECIDED;
    }

    /** Adaptive-Consistency's Beta rule with threshold 0.95 and at least 3 votes. */
    static StopRule acBeta() {
        return new AcBeta();
    }

    static StopRule acBeta(double threshold, int minVotes) {
        return new AcBeta(threshold, minVotes);
    }
}
