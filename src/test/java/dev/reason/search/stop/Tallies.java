package dev.reason.search.stop;

import dev.reason.search.vote.VoteTally;

/** Test tallies written as answer/count pairs: {@code Tallies.of("7", 3, "5", 1)}. */
final class Tallies {
    private Tallies() {
    }

    static VoteTally of(Object... answersAndCounts) {
        VoteTally t = new VoteTally();
        for (int i = 0; i < answersAndCounts.length; i += 2) {
            for (int k = 0; k < (Integer) answersAndCounts[i + 1]; k++) {
                t.add((String) answersAndCounts[i], -1.0);
            }
        }
        return t;
    }
}
