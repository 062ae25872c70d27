package dev.reason.search.stop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason.search.stop.StopRule.Decision;
import dev.reason.search.vote.VoteTally;
import org.junit.jupiter.api.Test;

/** Hand-computed values of share x (1 - P(leader ahead)) x fraction of chains left. */
class ExpectedGainTest {
    private final ExpectedGain rule = new ExpectedGain();

    @Test
    void threeUnanimousVotesOf32GoOnFourStop() {
        // 3-0: P = 1 - 2^-4 = 0.9375; gain = 1 x 0.0625 x 29/32 = 0.0566 >= 0.03
        assertEquals(0.0625 * 29 / 32, ExpectedGain.gain(3, 0, 3, 29), 1e-15);
        assertEquals(new Decision(false, 0.9375), rule.check(Tallies.of("18", 3), 29));
        // 4-0: P = 1 - 2^-5 = 0.96875; gain = 0.03125 x 28/32 = 0.0273 < 0.03
        assertEquals(new Decision(true, 0.96875), rule.check(Tallies.of("18", 4), 28));
    }

    @Test
    void scatteredAnswersStopOnceTheLeadersShareMakesMoreChainsPointless() {
        // 8 distinct answers after 8 chains, 24 left: share 1/8, P(1-1) = P(Bin(3,1/2) <= 1) = 1/2,
        // gain = 1/8 x 1/2 x 24/32 = 0.0469: go on
        Object[] eight = {"1", 1, "2", 1, "3", 1, "4", 1, "5", 1, "6", 1, "7", 1, "8", 1};
        assertFalse(rule.check(Tallies.of(eight), 24).stop());
        assertEquals(0.046875, ExpectedGain.gain(1, 1, 8, 24), 1e-15);
        // 12 distinct answers, 20 left: 1/12 x 1/2 x 20/32 = 0.026: stop
        Object[] twelve = {"1", 1, "2", 1, "3", 1, "4", 1, "5", 1, "6", 1, "7", 1, "8", 1, "9", 1, "10", 1,
                "11", 1, "12", 1};
        Decision d = rule.check(Tallies.of(twelve), 20);
        assertTrue(d.stop());
        assertEquals(0.5, d.confidence(), 1e-15);
    }

    @Test
    void aClearMajorityWithManyChainsLeftGoesOnWhileTheFirstVotesAreSplit() {
        // 2-1 of 3, 29 left: share 2/3, P(2-1) = P(Bin(4,1/2) <= 2) = 11/16, gain = 2/3 x 5/16 x 29/32 = 0.189
        assertEquals(2.0 / 3 * 5 / 16 * 29 / 32, ExpectedGain.gain(2, 1, 3, 29), 1e-15);
        assertFalse(rule.check(Tallies.of("5", 2, "6", 1), 29).stop());
    }

    @Test
    void withUnboundedChainsTheFractionLeftIsOneAndMinVotesHolds() {
        assertEquals(1.0 / 32, ExpectedGain.gain(4, 0, 4, Integer.MAX_VALUE), 1e-15);
        assertFalse(new ExpectedGain(0.5, 2).check(Tallies.of("9", 1), 31).stop(), "one vote is below minVotes");
        assertTrue(new ExpectedGain(0.5, 2).check(Tallies.of("9", 2), 30).stop());
        assertEquals(new Decision(false, 0.0), rule.check(new VoteTally(), 32));
    }

    @Test
    void badParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ExpectedGain(0, 2));
        assertThrows(IllegalArgumentException.class, () -> new ExpectedGain(1, 2));
        assertThrows(IllegalArgumentException.class, () -> new ExpectedGain(0.03, 0));
    }
}
