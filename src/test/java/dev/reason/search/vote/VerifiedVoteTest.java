package dev.reason.search.vote;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason.search.verify.ArithmeticStepVerifier;
import dev.reason.search.verify.Verifier;
import dev.reason.search.verify.Verifier.Verdict;
import dev.reason.search.vote.VerifiedVote.Mode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerifiedVoteTest {

    private static ScoredChain chain(String answer, Verdict v) {
        return new ScoredChain(answer, -1, -0.1, new double[0], v);
    }

    /** A passes twice, B fails three times, C is unchecked once. */
    private static final List<ScoredChain> CHAINS = List.of(
            chain("A", Verdict.PASS), chain("B", Verdict.FAIL), chain("B", Verdict.FAIL),
            chain("A", Verdict.PASS), chain("B", Verdict.FAIL), chain("C", Verdict.UNKNOWN),
            chain(null, Verdict.PASS));

    @Test
    void majorityWouldPickTheFailingAnswer() {
        assertEquals("B", Strategy.majority().tally(CHAINS).leader().orElseThrow().answer());
    }

    @Test
    void dropRemovesFailingChains() {
        VoteTally t = Strategy.verified(Mode.DROP).tally(CHAINS);
        assertEquals("A", t.leader().orElseThrow().answer());
        assertEquals(3, t.totalVotes()); // A, A, C
        assertEquals(2.0, t.leader().orElseThrow().weight(), 0);
        assertEquals("C", t.runnerUp().orElseThrow().answer());
        assertEquals("verified-drop", Strategy.verified(Mode.DROP).name());
    }

    @Test
    void downweightKeepsFailingChainsAtOneTenth() {
        VoteTally t = Strategy.verified(Mode.DOWNWEIGHT).tally(CHAINS);
        assertEquals(6, t.totalVotes());
        assertEquals(List.of("A", "C", "B"), t.ranking().stream().map(VoteTally.Candidate::answer).toList());
        assertEquals(0.3, t.ranking().get(2).weight(), 1e-12);
        assertEquals(3.3, t.totalWeight(), 1e-12);
        assertEquals("verified-downweight", Strategy.verified(Mode.DOWNWEIGHT).name());
    }

    @Test
    void aFailWeightCanStillLoseOrWin() {
        // Eleven failing B at 0.1 = 1.1 beat one unchecked C at 1.
        List<ScoredChain> l = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            l.add(chain("B", Verdict.FAIL));
        }
        l.add(chain("C", Verdict.UNKNOWN));
        assertEquals("B", Strategy.verified(Mode.DOWNWEIGHT).tally(l).leader().orElseThrow().answer());
        assertEquals("C", Strategy.verified(Mode.DROP).tally(l).leader().orElseThrow().answer());
    }

    @Test
    void passBoost() {
        List<ScoredChain> l = List.of(chain("A", Verdict.PASS), chain("C", Verdict.UNKNOWN), chain("C", Verdict.UNKNOWN));
        assertEquals("C", new VerifiedVote(Mode.DROP).tally(l).leader().orElseThrow().answer()); // 1 vs 2
        VoteTally boosted = new VerifiedVote(Mode.DROP).withWeights(0.1, 3.0).tally(l);
        assertEquals("A", boosted.leader().orElseThrow().answer()); // 3 vs 2
        assertEquals(3.0, boosted.leader().orElseThrow().weight(), 0);
    }

    @Test
    void dropFallsBackWhenEveryAnswerFailed() {
        List<ScoredChain> l = List.of(chain("B", Verdict.FAIL), chain("D", Verdict.FAIL), chain("B", Verdict.FAIL),
                chain(null, Verdict.UNKNOWN));
        VoteTally t = Strategy.verified(Mode.DROP).tally(l);
        assertEquals("B", t.leader().orElseThrow().answer());
        assertEquals(0.2, t.leader().orElseThrow().weight(), 1e-12);
        assertEquals(0, Strategy.verified(Mode.DROP).tally(List.of()).totalVotes());
    }

    @Test
    void firstVerifiedIsTheFirstPassingChainWithAnAnswer() {
        List<ScoredChain> l = List.of(chain("B", Verdict.FAIL), chain(null, Verdict.PASS), chain("C", Verdict.UNKNOWN),
                chain("A", Verdict.PASS), chain("E", Verdict.PASS));
        assertEquals("A", VerifiedVote.firstVerified(l).orElseThrow().answer());
        assertTrue(VerifiedVote.firstVerified(l.subList(0, 3)).isEmpty());
    }

    @Test
    void validation() {
        assertThrows(IllegalArgumentException.class, () -> new VerifiedVote(Mode.DROP).withWeights(0, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new VerifiedVote(Mode.DROP).withWeights(0.1, Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> new VerifiedVote(null));
        assertThrows(IllegalArgumentException.class, () -> new VerifiedVote(Mode.DROP).withRedrawsPerLine(-2));
        assertThrows(IllegalArgumentException.class, () -> new VerifiedVote(Mode.DROP).withBacktrack(null));
    }

    /** Each named setting changes only itself, on a copy: the vote it was made from keeps its own. */
    @Test
    void eachSettingChangesItselfOnACopy() {
        Verifier arithmetic = ArithmeticStepVerifier.INSTANCE;  // redraws failing lines, never backtracks
        int own = arithmetic.redrawsPerLine();
        List<ScoredChain> passed = List.of(chain("A", Verdict.PASS));
        VerifiedVote drop = new VerifiedVote(Mode.DROP);
        assertEquals(own, drop.redrawsPerLine(arithmetic));
        assertFalse(drop.backtracks(arithmetic));
        assertTrue(drop.mayCutFailingChains(passed));

        VerifiedVote changed = drop.withRedrawsPerLine(own + 1).withBacktrack(VerifiedVote.Backtrack.ON)
                .withFailedStepsCut(false);
        assertEquals(own + 1, changed.redrawsPerLine(arithmetic));
        assertTrue(changed.backtracks(arithmetic));
        assertFalse(changed.mayCutFailingChains(passed));
        assertEquals("verified-drop", changed.name());

        assertEquals(own, drop.redrawsPerLine(arithmetic));
        assertFalse(drop.backtracks(arithmetic));
        assertTrue(drop.mayCutFailingChains(passed));
    }
}
