package dev.reason.search.stop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason.search.stop.StopRule.Decision;
import dev.reason.search.vote.VoteTally;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StopRuleTest {

    private static VoteTally tally(Object... answersAndCounts) {
        return Tallies.of(answersAndCounts);
    }

    /** P(Bin(v1+v2+1, 1/2) <= v1), exactly, with BigInteger. */
    private static double exactPosterior(int v1, int v2) {
        int n = v1 + v2 + 1;
        BigInteger sum = BigInteger.ZERO;
        BigInteger c = BigInteger.ONE;
        for (int k = 0; k <= v1; k++) {
            sum = sum.add(c);
            c = c.multiply(BigInteger.valueOf(n - k)).divide(BigInteger.valueOf(k + 1));
        }
        return new BigDecimal(sum).divide(new BigDecimal(BigInteger.TWO.pow(n)), MathContext.DECIMAL128)
                .doubleValue();
    }

    @Test
    void handComputedPosteriors() {
        assertEquals(0.5, AcBeta.posterior(0, 0), 1e-15); // Beta(1,1): a coin flip
        assertEquals(0.75, AcBeta.posterior(1, 0), 1e-15); // 1 - 0.5^2
        assertEquals(0.9375, AcBeta.posterior(3, 0), 1e-15); // 1 - 0.5^4
        assertEquals(0.96875, AcBeta.posterior(4, 0), 1e-15); // 1 - 0.5^5
        assertEquals(219.0 / 256, AcBeta.posterior(5, 2), 1e-15); // 1 - (C(8,6)+C(8,7)+C(8,8))/2^8
        assertEquals(37.0 / 256, AcBeta.posterior(2, 5), 1e-15);
        assertEquals(0.5, AcBeta.posterior(7, 7), 1e-15); // a tie is a tie
    }

    @ParameterizedTest
    @CsvSource({"0,1", "2,1", "10,3", "30,29", "60,0", "200,150", "1000,900", "1500,1450", "2500,2600", "3000,0",
        "4000,3999"})
    void posteriorMatchesExactArithmeticUpToThousandsOfVotes(int v1, int v2) {
        double exact = exactPosterior(v1, v2);
        assertEquals(exact, AcBeta.posterior(v1, v2), 1e-12 * Math.max(1e-300, Math.min(exact, 1 - exact)) + 1e-15);
        assertEquals(1.0, AcBeta.posterior(v1, v2) + AcBeta.posterior(v2, v1), 1e-12);
    }

    @Test
    void posteriorStaysFiniteAndSymmetricForHugeCounts() {
        double p = AcBeta.posterior(100_000, 99_000); // normal approximation: about 0.988
        assertTrue(p > 0.98 && p < 0.995, "p = " + p);
        assertEquals(1.0, p + AcBeta.posterior(99_000, 100_000), 1e-12);
        assertEquals(1.0, AcBeta.posterior(2_000_000_000, 0));
        assertEquals(0.0, AcBeta.posterior(0, 2_000_000_000));
    }

    @Test
    void acBetaStopsAtTheThresholdOnceEnoughVotes() {
        StopRule rule = StopRule.acBeta();
        assertEquals("ac-beta", rule.name());
        assertEquals(new AcBeta(0.95, 3), rule);
        // 3-0: P = 0.9375 < 0.95, keep going; 4-0: 0.96875 >= 0.95, stop.
        assertEquals(new Decision(false, 0.9375), rule.check(tally("18", 3), 10));
        assertEquals(new Decision(true, 0.96875), rule.check(tally("18", 4), 10));
        // 5-2: 219/256 ~ 0.855, keep going.
        Decision d = rule.check(tally("18", 5, "20", 2), 10);
        assertFalse(d.stop());
        assertEquals(219.0 / 256, d.confidence(), 1e-15);
        // Only leader and runner-up matter: 5-2-1 gives the same posterior as 5-2.
        assertEquals(d.confidence(), rule.check(tally("18", 5, "20", 2, "7", 1), 10).confidence(), 0);
    }

    @Test
    void acBetaRespectsMinVotes() {
        StopRule lenient = StopRule.acBeta(0.7, 3);
        assertEquals(0.75, lenient.check(tally("1", 1), 5).confidence(), 1e-15);
        assertFalse(lenient.check(tally("1", 1), 5).stop()); // P = 0.75 >= 0.7 but only one vote
        assertTrue(StopRule.acBeta(0.7, 1).check(tally("1", 1), 5).stop());
    }

    @Test
    void acBetaWithNoVotesNeverStops() {
        assertEquals(new Decision(false, 0.0), StopRule.acBeta().check(new VoteTally(), 0));
    }

    @Test
    void acBetaRejectsBadParameters() {
        assertThrows(IllegalArgumentException.class, () -> new AcBeta(0.5, 3));
        assertThrows(IllegalArgumentException.class, () -> new AcBeta(1.01, 3));
        assertThrows(IllegalArgumentException.class, () -> new AcBeta(Double.NaN, 3));
        assertThrows(IllegalArgumentException.class, () -> new AcBeta(0.95, 0));
        assertThrows(IllegalArgumentException.class, () -> AcBeta.posterior(-1, 0));
    }

    @Test
    void noneNeverStopsAndReportsTheShare() {
        StopRule rule = StopRule.none();
        assertEquals("none", rule.name());
        assertEquals(new Decision(false, 0.0), rule.check(new VoteTally(), 0));
        assertEquals(new Decision(false, 1.0), rule.check(tally("3", 50), 0));
        assertEquals(new Decision(false, 0.75), rule.check(tally("3", 3, "4", 1), 0));
    }

    @Test
    void decidedFiresWhenRemainingChainsCannotChangeTheLeader() {
        StopRule rule = StopRule.decided();
        assertEquals("decided", rule.name());
        // 9 vs 4 with 4 chains left: 9 > 4 + 4, so nothing can overturn it.
        assertEquals(new Decision(true, 1.0), rule.check(tally("18", 9, "20", 4), 4));
        // 9 vs 4 with 5 left: the runner-up could tie at 9, keep going.
        Decision d = rule.check(tally("18", 9, "20", 4), 5);
        assertFalse(d.stop());
        assertEquals(9.0 / 13, d.confidence(), 1e-15);
        // A single answer: 3 > 0 + 2.
        assertTrue(rule.check(tally("7", 3), 2).stop());
        assertFalse(rule.check(tally("7", 3), 3).stop());
        // A tie with nothing left to run is not "decided" (the budget reports NO_MORE_CHAINS instead).
        assertFalse(rule.check(tally("1", 2, "2", 2), 0).stop());
        assertTrue(rule.check(tally("1", 3, "2", 2), 0).stop());
    }

    @Test
    void decidedWithUnknownRemainingChainsNeverFires() {
        StopRule rule = StopRule.decided();
        assertFalse(rule.check(tally("18", 1000), Integer.MAX_VALUE).stop());
        assertEquals(new Decision(false, 0.0), rule.check(new VoteTally(), 0));
        assertThrows(IllegalArgumentException.class, () -> rule.check(new VoteTally(), -1));
    }

    @Test
    void decisionConfidenceMustBeAProbability() {
        assertThrows(IllegalArgumentException.class, () -> new Decision(true, 1.5));
        assertThrows(IllegalArgumentException.class, () -> new Decision(true, -0.1));
        assertThrows(IllegalArgumentException.class, () -> new Decision(true, Double.NaN));
    }
}
