package dev.reason.search.stop;

import dev.reason.sampling.TokenChoice;
import dev.reason.search.vote.ScoredChain;
import dev.reason.search.vote.Strategy;
import dev.reason.search.vote.VoteTally;

import java.util.List;

/**
 * Decides from the votes so far whether sampling more chains is worth it. Budgets are enforced
 * separately by {@link dev.reason.search.BudgetMeter}; a stop rule only ever ends a search early.
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

    /** Whether the rule reads the chains' verdicts, so that the search must check them (by default not). */
    default boolean usesVerifier() {
        return false;
    }

    /**
     * Told of every finished chain, answer or not, in finishing order, before {@link #check} for that chain: for a
     * rule that needs more than the tally, such as the order of answers or the chains' confidences. Does nothing
     * by default.
     */
    default void chainFinished(ScoredChain chain) {
    }

    /**
     * A watch on one chain about to be decoded, which may cut it mid-generation; by default {@link TokenWatch#NONE},
     * for a rule that judges finished chains only.
     */
    default TokenWatch watchChain() {
        return TokenWatch.NONE;
    }

    /**
     * For an offline replay of a finished chain: how many tokens it would have had when {@link #watchChain}'s watch
     * cut it, given its token confidences, or -1 when it would have run to its end (by default, never cut).
     */
    default int cutPoint(double[] tokenConfidence) {
        return -1;
    }

    /**
     * The vote that names the answer, over the chains finished so far: by default the strategy's. A rule that keeps
     * a vote of its own (of the chains it let through) returns that.
     */
    default VoteTally tally(Strategy strategy, List<ScoredChain> chains) {
        return strategy.tally(chains);
    }

    /** The vote {@link #check} is given: by default the strategy's {@link Strategy#evidence}, else the rule's own. */
    default VoteTally evidence(Strategy strategy, List<ScoredChain> chains) {
        return strategy.evidence(chains);
    }

    /** Judges one running chain token by token ({@link #watchChain}). */
    interface TokenWatch {
        /** Never cuts. */
        TokenWatch NONE = (tokens, choice) -> false;

        /**
         * After each token the chain keeps, from its first, with how many tokens the chain now has (this one included;
         * fewer than before once a line was drawn again, whose dropped tokens the watch then forgets): whether to cut
         * the chain now.
         */
        boolean cutAfter(int tokens, TokenChoice choice);
    }

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
