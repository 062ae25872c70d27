package dev.reason.search.stop;

import dev.reason.search.vote.VoteTally;

/**
 * Stops when more chains are unlikely to change the answer's accuracy by more than {@code epsilon}: the bound
 * on what they can still buy is (the leader's vote share, which tracks its chance of being right: the reported
 * share is calibrated) x (the chance that the runner-up is really ahead, 1 - AC-Beta's posterior) x (the
 * fraction of the chains that may still vote). AC-Beta alone waits until the leader is clearly the majority,
 * which never happens on questions whose answers scatter; there the share is low, so this rule gives up early,
 * and it spends its samples on questions that are nearly decided.
 *
 * <p>The default epsilon, 0.03, was chosen on a development set of arithmetic problems drawn apart from the
 * held-out ones (recipe {@code data.py --dev}); see benchmarks/README.md.
 *
 * @param epsilon  accuracy still to gain below which to stop, in (0, 1)
 * @param minVotes votes needed before stopping, &gt;= 1
 */
public record ExpectedGain(double epsilon, int minVotes) implements StopRule {

    public static final double DEFAULT_EPSILON = 0.03;
    public static final int DEFAULT_MIN_VOTES = 2;

    public ExpectedGain {
        if (!(epsilon > 0 && epsilon < 1)) {
            throw new IllegalArgumentException("gain epsilon must be in (0, 1), got " + epsilon);
        }
        if (minVotes < 1) {
            throw new IllegalArgumentException("gain minVotes must be >= 1, got " + minVotes);
        }
    }

    public ExpectedGain() {
        this(DEFAULT_EPSILON, DEFAULT_MIN_VOTES);
    }

    @Override
    public String name() {
        return "gain";
    }

    /** Confidence is AC-Beta's posterior, as for {@code ac-beta}. */
    @Override
    public Decision check(VoteTally tally, int chainsStillPossible) {
        int votes = tally.totalVotes();
        if (votes == 0) {
            return new Decision(false, 0.0);
        }
        int v1 = tally.leaderVotes();
        int v2 = tally.runnerUpVotes();
        return new Decision(votes >= minVotes && gain(v1, v2, votes, chainsStillPossible) < epsilon,
                AcBeta.posterior(v1, v2));
    }

    /** The bound on accuracy still to gain; {@code stillPossible} = {@link Integer#MAX_VALUE} means unbounded. */
    public static double gain(int v1, int v2, int votes, int stillPossible) {
        double left = stillPossible == Integer.MAX_VALUE ? 1.0 : (double) stillPossible / (votes + stillPossible);
        return (double) v1 / votes * (1 - AcBeta.posterior(v1, v2)) * left;
    }
}
