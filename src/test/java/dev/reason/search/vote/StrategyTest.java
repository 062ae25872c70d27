package dev.reason.search.vote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason.search.vote.VoteTally.Candidate;
import dev.reason.search.vote.WeightedVote.Mode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class StrategyTest {

    private static ScoredChain chain(String answer, double meanLogprob, double... confidence) {
        return new ScoredChain(answer, meanLogprob * Math.max(1, confidence.length), meanLogprob, confidence);
    }

    private static String winner(Strategy s, List<ScoredChain> chains) {
        return s.tally(chains).leader().map(Candidate::answer).orElse(null);
    }

    /** Two confident chains say A, three unconfident ones say B. */
    private static List<ScoredChain> twoConfidentThreeNot() {
        List<ScoredChain> l = new ArrayList<>();
        l.add(chain("A", -0.1, 10, 10, 9, 10)); // groups of 2: 10, 9.5, 9.5
        l.add(chain("B", -1.0, 10, 1, 1, 10)); // groups of 2: 5.5, 1, 5.5
        l.add(chain("A", -0.1, 10, 10, 9, 10));
        l.add(chain("B", -1.0, 10, 1, 1, 10));
        l.add(chain("B", -1.0, 10, 1, 1, 10));
        l.add(chain(null, 0.0, 50, 50)); // no answer: never votes
        return l;
    }

    @Test
    void majorityCountsOneVotePerAnsweredChain() {
        VoteTally t = Strategy.majority().tally(twoConfidentThreeNot());
        assertEquals("B", t.leader().orElseThrow().answer());
        assertEquals(5, t.totalVotes());
        assertEquals(3.0, t.leader().orElseThrow().weight(), 0);
        assertEquals("majority", Strategy.majority().name());
    }

    @Test
    void majorityTieGoesToHigherSummedLogprob() {
        List<ScoredChain> l = List.of(new ScoredChain("7", -5, -1, new double[0]),
                new ScoredChain("9", -2, -1, new double[0]));
        assertEquals("9", winner(Strategy.majority(), l));
    }

    @Test
    void meanLogprobWeightsLetTwoConfidentChainsWin() {
        VoteTally t = Strategy.weighted(Mode.MEAN_LOGPROB).tally(twoConfidentThreeNot());
        // A: 2 exp(-0.1) = 1.809675; B: 3 exp(-1) = 1.103638
        assertEquals("A", t.leader().orElseThrow().answer());
        assertEquals(2 * Math.exp(-0.1), t.leader().orElseThrow().weight(), 1e-12);
        assertEquals(3 * Math.exp(-1.0), t.runnerUp().orElseThrow().weight(), 1e-12);
        assertEquals(2, t.leader().orElseThrow().votes());
    }

    @Test
    void deepConfScoresLetTwoConfidentChainsWin() {
        List<ScoredChain> l = twoConfidentThreeNot();
        // lowest group (window 2): A 9.5 each -> 19; B 1 each -> 3
        VoteTally lowest = Strategy.weighted(Mode.DEEPCONF_LOWEST_GROUP, 2, 100).tally(l);
        assertEquals("A", lowest.leader().orElseThrow().answer());
        assertEquals(19.0, lowest.leader().orElseThrow().weight(), 1e-12);
        assertEquals(3.0, lowest.runnerUp().orElseThrow().weight(), 1e-12);
        // bottom 10% of 3 groups = the lowest one: same weights
        VoteTally bottom = Strategy.weighted(Mode.DEEPCONF_BOTTOM10, 2, 100).tally(l);
        assertEquals(19.0, bottom.leader().orElseThrow().weight(), 1e-12);
        assertEquals(3.0, bottom.runnerUp().orElseThrow().weight(), 1e-12);
        // tail (last 2 tokens): A (9+10)/2 = 9.5 -> 19; B (1+10)/2 = 5.5 -> 16.5
        VoteTally tail = Strategy.weighted(Mode.DEEPCONF_TAIL, 2, 100).tally(l);
        assertEquals("A", tail.leader().orElseThrow().answer());
        assertEquals(19.0, tail.leader().orElseThrow().weight(), 1e-12);
        assertEquals(16.5, tail.runnerUp().orElseThrow().weight(), 1e-12);
        // window 2048 (default): every chain is one group, its mean: A 9.75 -> 19.5, B 5.5 -> 16.5
        VoteTally whole = Strategy.weighted(Mode.DEEPCONF_LOWEST_GROUP).tally(l);
        assertEquals(19.5, whole.leader().orElseThrow().weight(), 1e-12);
        assertEquals(16.5, whole.runnerUp().orElseThrow().weight(), 1e-12);
    }

    @Test
    void filteringKeepsTheTopPercentByScore() {
        // Ten one-token chains with confidence 1..10; only the most confident says A. A no-answer chain with
        // confidence 100 does not count towards the percentile.
        List<ScoredChain> l = new ArrayList<>();
        for (int s = 1; s <= 10; s++) {
            l.add(chain(s == 10 ? "A" : "B", -1, s));
        }
        l.add(chain(null, 0, 100));
        // keep 10%: 90th percentile of 1..10 = 9 + 0.1 = 9.1 -> only the 10 votes
        VoteTally top10 = Strategy.weighted(Mode.DEEPCONF_LOWEST_GROUP, 2048, 10).tally(l);
        assertEquals(1, top10.totalVotes());
        assertEquals("A", top10.leader().orElseThrow().answer());
        assertEquals(10.0, top10.totalWeight(), 0);
        // keep 30%: 70th percentile = 7 + 0.3 = 7.3 -> 8, 9 (B) and 10 (A): B 17 beats A 10
        VoteTally top30 = Strategy.weighted(Mode.DEEPCONF_LOWEST_GROUP, 2048, 30).tally(l);
        assertEquals(3, top30.totalVotes());
        assertEquals("B", top30.leader().orElseThrow().answer());
        assertEquals(17.0, top30.leader().orElseThrow().weight(), 1e-12);
        // keep 90%: 10th percentile = 1.9 -> all but the 1: B 2+...+9 = 44
        VoteTally top90 = Strategy.weighted(Mode.DEEPCONF_LOWEST_GROUP, 2048, 90).tally(l);
        assertEquals(9, top90.totalVotes());
        assertEquals(44.0, top90.leader().orElseThrow().weight(), 1e-12);
        // ties at the threshold all stay
        List<ScoredChain> ties = List.of(chain("A", -1, 5), chain("B", -1, 5), chain("B", -1, 5));
        assertEquals(3, Strategy.weighted(Mode.DEEPCONF_TAIL, 2048, 10).tally(ties).totalVotes());
    }

    @Test
    void emptyAndZeroConfidenceChainsStillGetAPositiveWeight() {
        List<ScoredChain> l = List.of(chain("A", 0, new double[0]), chain("A", 0, 0.0, 0.0));
        VoteTally t = Strategy.weighted(Mode.DEEPCONF_LOWEST_GROUP).tally(l);
        assertEquals(2, t.totalVotes());
        assertTrue(t.totalWeight() > 0);
        assertEquals(0, Strategy.weighted(Mode.MEAN_LOGPROB).tally(List.of()).totalVotes());
    }

    @Test
    void namesAndModes() {
        assertEquals("weighted-mean-logprob", Strategy.weighted(Mode.MEAN_LOGPROB).name());
        assertEquals("weighted-deepconf-lowest-group-top10",
                Strategy.weighted(Mode.DEEPCONF_LOWEST_GROUP, 2048, 10).name());
        assertEquals("weighted-deepconf-tail-top12.5", Strategy.weighted(Mode.DEEPCONF_TAIL, 2048, 12.5).name());
        assertEquals(Mode.DEEPCONF_BOTTOM10, Mode.fromId("deepconf-bottom10"));
        assertEquals(Mode.DEEPCONF_TAIL, Mode.fromId("DEEPCONF_TAIL"));
        assertThrows(IllegalArgumentException.class, () -> Mode.fromId("nope"));
        assertThrows(IllegalArgumentException.class, () -> new WeightedVote(Mode.DEEPCONF_TAIL, 0, 100));
        assertThrows(IllegalArgumentException.class, () -> new WeightedVote(Mode.DEEPCONF_TAIL, 16, 0));
        assertThrows(IllegalArgumentException.class, () -> new WeightedVote(Mode.DEEPCONF_TAIL, 16, 101));
    }

    @Test
    void orderOfChainsDoesNotMatter() {
        List<ScoredChain> l = twoConfidentThreeNot();
        List<ScoredChain> r = new ArrayList<>(l);
        Collections.reverse(r);
        for (Strategy s : List.of(Strategy.majority(), Strategy.weighted(Mode.MEAN_LOGPROB),
                Strategy.weighted(Mode.DEEPCONF_BOTTOM10, 2, 50))) {
            assertEquals(s.tally(l).ranking(), s.tally(r).ranking(), s.name());
        }
    }
}
