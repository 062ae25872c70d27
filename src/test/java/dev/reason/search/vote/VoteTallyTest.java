package dev.reason.search.vote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason.search.vote.VoteTally.Candidate;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VoteTallyTest {

    @Test
    void emptyTally() {
        VoteTally t = new VoteTally();
        assertEquals(List.of(), t.ranking());
        assertEquals(Optional.empty(), t.leader());
        assertEquals(Optional.empty(), t.runnerUp());
        assertEquals(0, t.totalVotes());
        assertEquals("0/0", t.share());
        assertEquals(0.0, t.leaderShare());
    }

    @Test
    void majorityWinsAndShareIsLeaderOverTotal() {
        VoteTally t = new VoteTally();
        for (int i = 0; i < 11; i++) {
            t.add("18", -10.0);
        }
        for (int i = 0; i < 4; i++) {
            t.add("20", -1.0);
        }
        t.add("7", 0.0);
        assertEquals(16, t.totalVotes());
        assertEquals("11/16", t.share());
        assertEquals(11.0 / 16, t.leaderShare(), 1e-15);
        assertEquals(new Candidate("18", 11, 11.0, -110.0), t.leader().orElseThrow());
        assertEquals(new Candidate("20", 4, 4.0, -4.0), t.runnerUp().orElseThrow());
        assertEquals(List.of("18", "20", "7"), t.ranking().stream().map(Candidate::answer).toList());
    }

    @Test
    void tiesGoToTheHigherLogprobSum() {
        VoteTally t = new VoteTally();
        t.add("a", -5.0);
        t.add("b", -2.0);
        t.add("a", -5.0);
        t.add("b", -2.0);
        assertEquals("b", t.leader().orElseThrow().answer());
        assertEquals("a", t.runnerUp().orElseThrow().answer());
    }

    @Test
    void fullTiesGoToTheSmallerAnswerStringWhateverTheInsertionOrder() {
        VoteTally t1 = new VoteTally();
        t1.add("9", -1.0);
        t1.add("10", -1.0);
        VoteTally t2 = new VoteTally();
        t2.add("10", -1.0);
        t2.add("9", -1.0);
        assertEquals("10", t1.leader().orElseThrow().answer());
        assertEquals(t1.ranking(), t2.ranking());
    }

    @Test
    void negativeInfinityLogprobRanksLast() {
        VoteTally t = new VoteTally();
        t.add("x", Double.NEGATIVE_INFINITY);
        t.add("y", -1000.0);
        assertEquals("y", t.leader().orElseThrow().answer());
    }

    @Test
    void weightsRankBeforeCounts() {
        VoteTally t = new VoteTally();
        t.add("5", -1.0, 0.2);
        t.add("5", -1.0, 0.2);
        t.add("6", -1.0, 0.9);
        Candidate leader = t.leader().orElseThrow();
        assertEquals("6", leader.answer());
        assertEquals(1, leader.votes());
        assertEquals(2, t.runnerUp().orElseThrow().votes());
        assertEquals(1.3, t.totalWeight(), 1e-12);
        assertEquals(0.9 / 1.3, t.leaderShare(), 1e-12);
        assertEquals("1/3", t.share());
    }

    @Test
    void rejectsBadVotes() {
        VoteTally t = new VoteTally();
        assertThrows(NullPointerException.class, () -> t.add(null, 0.0));
        assertThrows(IllegalArgumentException.class, () -> t.add("", 0.0));
        assertThrows(IllegalArgumentException.class, () -> t.add("1", Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> t.add("1", 0.0, 0.0));
        assertThrows(IllegalArgumentException.class, () -> t.add("1", 0.0, -1.0));
        assertThrows(IllegalArgumentException.class, () -> t.add("1", 0.0, Double.POSITIVE_INFINITY));
        assertEquals(0, t.totalVotes());
    }

    @Test
    void rankingIsACopy() {
        VoteTally t = new VoteTally();
        t.add("1", 0.0);
        t.ranking().clear();
        assertTrue(t.leader().isPresent());
        assertEquals(1, t.ranking().size());
    }

    /** The same math in different spellings is one answer, shown as its first vote wrote it. */
    @Test
    void equivalentAnswersVoteTogether() {
        VoteTally t = new VoteTally();
        t.add("\\frac{1}{2}", -1.0);
        t.add("0.5", -2.0);
        t.add("1/3", -0.5);
        t.add("\\dfrac12", -1.5);
        t.add("\\frac{2}{6}", -0.5);
        List<VoteTally.Candidate> r = t.ranking();
        assertEquals(2, r.size(), r.toString());
        assertEquals(new VoteTally.Candidate("\\frac{1}{2}", 3, 3.0, -4.5), r.get(0));
        assertEquals(new VoteTally.Candidate("1/3", 2, 2.0, -1.0), r.get(1));
        assertEquals("3/5", t.share());
    }
}
