package dev.reason.search.stop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason.search.stop.StopRule.Decision;
import dev.reason.search.vote.VoteTally;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AcDirichletTest {

    private static VoteTally tally(Object... answersAndCounts) {
        return Tallies.of(answersAndCounts);
    }

    /**
     * P(X_1 is the largest) for X ~ Dirichlet(a): the argmax of independent Gamma(a_i) variates, so
     * P = integral of f_1(x) prod_{i>1} F_i(x) dx, with integer shapes' closed-form Gamma CDF
     * F_k(x) = 1 - e^-x sum_{j<k} x^j/j!; Simpson's rule on [0, 150].
     */
    private static double exactLeaderLargest(int... a) {
        int n = 300_000;
        double hi = 150;
        double h = hi / n;
        double sum = 0;
        for (int i = 0; i <= n; i++) {
            double x = i * h;
            double w = i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2;
            double v = Math.exp((a[0] - 1) * Math.log(Math.max(x, 1e-300)) - x - logFactorial(a[0] - 1));
            if (x == 0) {
                v = a[0] == 1 ? 1 : 0;
            }
            for (int k = 1; k < a.length; k++) {
                double term = 1;
                double s = 1;
                for (int j = 1; j < a[k]; j++) {
                    term *= x / j;
                    s += term;
                }
                v *= 1 - Math.exp(-x) * s;
            }
            sum += w * v;
        }
        return sum * h / 3;
    }

    private static double logFactorial(int k) {
        double s = 0;
        for (int i = 2; i <= k; i++) {
            s += Math.log(i);
        }
        return s;
    }

    @Test
    void withTwoAnswersItIsAcBeta() {
        AcDirichlet d = new AcDirichlet();
        for (VoteTally t : new VoteTally[] {tally("A", 5, "B", 2), tally("A", 3), tally("A", 4, "B", 4),
            tally("A", 6, "B", 1), tally("A", 1), new VoteTally()}) {
            assertEquals(new AcBeta().check(t, 10), d.check(t, 10));
        }
        assertEquals(new Decision(true, 247.0 / 256), d.check(tally("A", 6, "B", 1), 10)); // 1 - 9/256
    }

    @Test
    void handComputedThreeWayPosterior() {
        // Votes 6/1/1 -> Dirichlet(7, 2, 2). With F_2(x) = 1 - e^-x (1 + x):
        // P = int x^6 e^-x / 6! (1 - e^-x (1+x))^2 dx
        //   = 1 - 2/720 (6!/2^7 + 7!/2^8) + 1/720 (6!/3^7 + 2*7!/3^8 + 8!/3^9)
        //   = 1 - 18/256 + 107/19683 = 0.93512366...
        double exact = 1 - 18.0 / 256 + 107.0 / 19683;
        assertEquals(exact, exactLeaderLargest(7, 2, 2), 1e-9); // the integrator agrees
        assertEquals(exact, AcDirichlet.posterior(new int[] {6, 1, 1}, 0, 400_000, 11), 0.003); // 7 sigma
        double p2000 = AcDirichlet.posterior(new int[] {6, 1, 1}, 0, 2000, AcDirichlet.DEFAULT_SEED);
        assertEquals(exact, p2000, 0.025);

        // Beta on the top two alone (6 vs 1) would stop at 0.9648; the third answer makes Dirichlet wait.
        Decision d = new AcDirichlet().check(tally("A", 6, "B", 1, "C", 1), 10);
        assertFalse(d.stop());
        assertEquals(p2000, d.confidence(), 0);
        assertTrue(new AcBeta().check(tally("A", 6, "B", 1), 10).stop());
    }

    @Test
    void lopsidedTalliesStopAndCloseOnesDoNot() {
        // 12/1/1 -> Dirichlet(13, 2, 2): P = 0.99819
        double exact = exactLeaderLargest(13, 2, 2);
        assertEquals(0.99819, exact, 1e-5);
        Decision d = new AcDirichlet().check(tally("A", 12, "B", 1, "C", 1), 10);
        assertTrue(d.stop());
        assertEquals(exact, d.confidence(), 0.01);
        // 5/3/2/1 -> Dirichlet(6, 4, 3, 2): P = 0.6578
        double four = exactLeaderLargest(6, 4, 3, 2);
        assertEquals(0.6578, four, 1e-4);
        assertEquals(four, AcDirichlet.posterior(new int[] {5, 3, 2, 1}, 0, 400_000, 3), 0.005);
        assertFalse(new AcDirichlet().check(tally("A", 5, "B", 3, "C", 2, "D", 1), 10).stop());
        // Three singletons: symmetric, one third each.
        assertEquals(1.0 / 3, AcDirichlet.posterior(new int[] {1, 1, 1}, 0, 400_000, 5), 0.005);
    }

    @Test
    void deterministicGivenTheSeed() {
        int[] v = {6, 2, 1, 1};
        double a = AcDirichlet.posterior(v, 0, 2000, 42);
        assertEquals(a, AcDirichlet.posterior(v, 0, 2000, 42), 0);
        VoteTally t = tally("A", 6, "B", 2, "C", 1, "D", 1);
        assertEquals(new AcDirichlet(0.95, 2000, 42, 3).check(t, 5), new AcDirichlet(0.95, 2000, 42, 3).check(t, 5));
        assertNotEquals(a, AcDirichlet.posterior(v, 0, 2000, 43)); // another seed, another estimate
    }

    @Test
    void minVotesAndThreshold() {
        VoteTally t = tally("A", 12, "B", 1, "C", 1);
        assertFalse(new AcDirichlet(0.95, 2000, 1, 20).check(t, 10).stop());
        assertFalse(new AcDirichlet(1.0, 2000, 1, 1).check(tally("A", 5, "B", 1, "C", 1), 10).stop());
        assertEquals("ac-dirichlet", new AcDirichlet().name());
        assertThrows(IllegalArgumentException.class, () -> new AcDirichlet(0.5, 2000, 1, 3));
        assertThrows(IllegalArgumentException.class, () -> new AcDirichlet(0.95, 0, 1, 3));
        assertThrows(IllegalArgumentException.class, () -> new AcDirichlet(0.95, 10, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> AcDirichlet.posterior(new int[] {1, -1}, 0, 10, 1));
        assertEquals(1.0, AcDirichlet.posterior(new int[] {4}, 0, 10, 1), 0);
    }

    @Test
    void gammaSamplerHasTheRightMoments() {
        SplittableRandom r = new SplittableRandom(1);
        for (double shape : new double[] {0.5, 1, 2, 7.5}) {
            int n = 200_000;
            double sum = 0;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                double g = AcDirichlet.gamma(shape, r);
                assertTrue(g > 0);
                sum += g;
                sq += g * g;
            }
            double mean = sum / n;
            double var = sq / n - mean * mean;
            assertEquals(shape, mean, 0.02 * Math.max(1, shape), "mean of Gamma(" + shape + ")");
            assertEquals(shape, var, 0.05 * Math.max(1, shape), "variance of Gamma(" + shape + ")");
        }
    }
}
