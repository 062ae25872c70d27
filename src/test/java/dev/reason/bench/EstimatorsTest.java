package dev.reason.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reason.bench.Estimators.Bin;
import dev.reason.bench.Estimators.Calibration;
import dev.reason.bench.Estimators.Estimate;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class EstimatorsTest {

    private static final double EPS = 1e-12;

    @Test
    void passAtKHandComputed() {
        assertEquals(0.3, Estimators.passAtK(10, 3, 1), EPS);               // c/n
        assertEquals(0.7, Estimators.passAtK(5, 2, 2), EPS);                // 1 - C(3,2)/C(5,2) = 1 - 3/10
        assertEquals(5.0 / 6, Estimators.passAtK(4, 2, 2), EPS);            // 1 - 1/6
        assertEquals(0.0, Estimators.passAtK(4, 0, 4), EPS);
        assertEquals(1.0, Estimators.passAtK(4, 4, 1), EPS);
        assertEquals(1.0, Estimators.passAtK(5, 3, 3), EPS);                // n - c < k: a right one is always drawn
        assertEquals(1.0, Estimators.passAtK(8, 1, 8), EPS);
    }

    @Test
    void passAtKMatchesExactBinomialsWhereTheyOverflowLongs() {
        int n = 200;
        int c = 7;
        int k = 50;
        BigDecimal ratio = new BigDecimal(binomial(n - c, k)).divide(new BigDecimal(binomial(n, k)), MathContext.DECIMAL128);
        assertEquals(1 - ratio.doubleValue(), Estimators.passAtK(n, c, k), 1e-12);
    }

    @Test
    void passAtKRejectsImpossibleArguments() {
        assertThrows(IllegalArgumentException.class, () -> Estimators.passAtK(4, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> Estimators.passAtK(4, 1, 5));
        assertThrows(IllegalArgumentException.class, () -> Estimators.passAtK(4, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Estimators.passAtK(0, 0, 1));
    }

    @Test
    void majorityAtKExactOnASmallPool() {
        // Pool: a, a (right), b (wrong), no answer.
        List<String> answers = Arrays.asList("a", "a", "b", null);
        Predicate<String> right = "a"::equals;
        // b is surer: it wins the 1-1 ties.
        double[] bSurer = {-1, -1, -0.5, -1};
        assertEquals(0.5, Estimators.majorityAtK(answers, bSurer, right, 1), EPS);   // a, a, b, none
        // k=2, 6 subsets: {a,a} right, {a,b} x2 b by log-prob, {a,-} x2 right, {b,-} wrong
        assertEquals(3.0 / 6, Estimators.majorityAtK(answers, bSurer, right, 2), EPS);
        assertEquals(1.0, Estimators.majorityAtK(answers, bSurer, right, 4), EPS);
        double[] aSurer = {-1, -1, -5, -1};
        assertEquals(5.0 / 6, Estimators.majorityAtK(answers, aSurer, right, 2), EPS);
        // Equal log-probabilities: the answer string breaks the tie ("a" < "b").
        assertEquals(5.0 / 6, Estimators.majorityAtK(answers, null, right, 2), EPS);
        assertEquals(0.0, Estimators.majorityAtK(Arrays.asList(null, null, ""), null, s -> true, 2), EPS);
    }

    @Test
    void majorityAtKSampledAgreesWithTheExactValueAndIsSeeded() {
        // 20 chains: 8 right "r", 7 "w", 5 "v". C(20, 9) = 167960 subsets.
        List<String> answers = new ArrayList<>();
        answers.addAll(Collections.nCopies(8, "r"));
        answers.addAll(Collections.nCopies(7, "w"));
        answers.addAll(Collections.nCopies(5, "v"));
        double[] logprobs = new double[20];
        for (int i = 0; i < 20; i++) {
            logprobs[i] = -i;
        }
        Predicate<String> right = "r"::equals;
        double exact = Estimators.majorityAtK(answers, logprobs, right, 9, 200_000, 0);
        double sampled = Estimators.majorityAtK(answers, logprobs, right, 9, 4000, 42);
        assertEquals(exact, sampled, 0.03);
        assertEquals(sampled, Estimators.majorityAtK(answers, logprobs, right, 9, 4000, 42), 0.0);
        assertNotEquals(Estimators.majorityAtK(answers, logprobs, right, 9, 200, 1),
                Estimators.majorityAtK(answers, logprobs, right, 9, 200, 2));
        assertEquals(1.0, Estimators.majorityAtK(answers, logprobs, right, 20), EPS); // k == n: the whole pool
    }

    @Test
    void majorityAtKGradesEachDistinctAnswerOnce() {
        AtomicInteger calls = new AtomicInteger();
        List<String> answers = List.of("a", "b", "a", "c", "b", "a");
        Estimators.majorityAtK(answers, null, s -> {
            calls.incrementAndGet();
            return s.equals("a");
        }, 3);
        // 20 subsets, but only "a" and "b" can lead ("c" has one vote and loses the string tie-break).
        assertEquals(2, calls.get());
    }

    @Test
    void majorityAtKRejectsBadArguments() {
        List<String> answers = List.of("a", "b");
        assertThrows(IllegalArgumentException.class, () -> Estimators.majorityAtK(answers, null, s -> true, 3));
        assertThrows(IllegalArgumentException.class, () -> Estimators.majorityAtK(answers, null, s -> true, 0));
        assertThrows(IllegalArgumentException.class, () -> Estimators.majorityAtK(answers, new double[1], s -> true, 1));
        assertThrows(IllegalArgumentException.class, () -> Estimators.majorityAtK(answers, null, s -> true, 1, 0, 0));
    }

    @Test
    void meanCiHandComputed() {
        // mean 0.75, sample sd 0.5, half-width 1.96 * 0.5 / 2
        Estimate e = Estimators.meanCi(new double[] {1, 0, 1, 1});
        assertEquals(0.75, e.mean(), EPS);
        assertEquals(0.75 - 1.959963984540054 * 0.25, e.low(), 1e-9);
        assertEquals(1.0, e.high(), EPS); // clipped
        assertEquals(new Estimate(1.0, 1.0, 1.0), Estimators.meanCi(new double[] {1, 1, 1}));
        Estimate low = Estimators.meanCi(new double[] {0, 0, 0, 0.5});
        assertEquals(0.125, low.mean(), EPS);
        assertEquals(0.0, low.low(), EPS);
        assertEquals(0.125 + 1.959963984540054 * 0.25 / 2, low.high(), 1e-9);
        assertEquals(new Estimate(0.5, 0.0, 1.0), Estimators.meanCi(new double[] {0.5}));
        assertThrows(IllegalArgumentException.class, () -> Estimators.meanCi(new double[0]));
        assertThrows(IllegalArgumentException.class, () -> Estimators.meanCi(new double[] {1.5}));
    }

    @Test
    void wilsonKnownValues() {
        Estimate half = Estimators.wilson(5, 10);
        assertEquals(0.5, half.mean(), EPS);
        assertEquals(0.2366, half.low(), 1e-4);
        assertEquals(0.7634, half.high(), 1e-4);
        Estimate none = Estimators.wilson(0, 10);
        assertEquals(0.0, none.low(), EPS);
        assertEquals(3.8415 / 13.8415, none.high(), 1e-4); // z^2 / (n + z^2)
        assertEquals(1.0, Estimators.wilson(10, 10).high(), EPS);
        assertThrows(IllegalArgumentException.class, () -> Estimators.wilson(11, 10));
    }

    @Test
    void calibrationBinsAndEce() {
        Calibration c = Estimators.calibration(new double[] {0.05, 0.15, 0.95, 0.85, 1.0},
                new boolean[] {false, false, true, false, true}, 2);
        assertEquals(2, c.bins().size());
        Bin low = c.bins().get(0);
        assertEquals(0.0, low.lo(), EPS);
        assertEquals(0.5, low.hi(), EPS);
        assertEquals(2, low.count());
        assertEquals(0.0, low.accuracy(), EPS);
        assertEquals(0.1, low.meanConfidence(), EPS);
        Bin high = c.bins().get(1);
        assertEquals(3, high.count());
        assertEquals(2.0 / 3, high.accuracy(), EPS);
        assertEquals(2.8 / 3, high.meanConfidence(), EPS);
        // 2/5 * |0 - 0.1| + 3/5 * |2/3 - 2.8/3|
        assertEquals(0.2, c.ece(), 1e-12);
        Calibration empty = Estimators.calibration(new double[] {0.9}, new boolean[] {true}, 4);
        assertEquals(List.of(0, 0, 0, 1), empty.bins().stream().map(Bin::count).toList());
        assertEquals(0.1, empty.ece(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Estimators.calibration(new double[] {1.2}, new boolean[] {true}, 2));
        assertThrows(IllegalArgumentException.class, () -> Estimators.calibration(new double[] {0.2}, new boolean[0], 2));
    }

    private static BigInteger binomial(int n, int k) {
        BigInteger r = BigInteger.ONE;
        for (int i = 1; i <= k; i++) {
            r = r.multiply(BigInteger.valueOf(n - k + i)).divide(BigInteger.valueOf(i));
        }
        return r;
    }
}
