package dev.reason.search.stop;

import dev.reason.search.vote.VoteTally;


/** The parameterless stop rules behind {@link StopRule#none()} and {@link StopRule#decided()}. */
final class SimpleStopRule implements StopRule {
    static final SimpleStopRule NONE = new SimpleStopRule("none", false);
    static final SimpleStopRule DECIDED = new SimpleStopRule("decided", true);

    private final String name;
    private final boolean stopsWhenDecided;

    private SimpleStopRule(String name, boolean stopsWhenDecided) {
        this.name = name;
        this.stopsWhenDecided = stopsWhenDecided;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Decision check(VoteTally tally, int chainsStillPossible) {
        if (chainsStillPossible < 0) {
            throw new IllegalArgumentException("chainsStillPossible must be >= 0, got " + chainsStillPossible);
        }
        if (!stopsWhenDecided) {
            return new Decision(false, tally.leaderShare());
        }
        if (tally.totalVotes() == 0) {
            return new Decision(false, 0.0);
        }
        // long arithmetic: chainsStillPossible may be Integer.MAX_VALUE ("unknown").
        boolean settled = tally.leaderVotes() > tally.runnerUpVotes() + (long) chainsStillPossible;
        return new Decision(settled, settled ? 1.0 : tally.leaderShare());
    }

    @Override
    public String toString() {
        return name;
    }
}
