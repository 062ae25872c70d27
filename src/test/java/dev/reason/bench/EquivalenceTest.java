package dev.reason.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EquivalenceTest {

    static Stream<Arguments> equivalentPairs() {
        return Stream.of(
                Arguments.of("1,000", "1000"),
                Arguments.of("1000", "1,000"),
                Arguments.of("0.5", "\\frac{1}{2}"),
                Arguments.of("\\dfrac{1}{2}", "0.5"),
                Arguments.of("1/2", "\\frac12"),
                Arguments.of("-3", "\u22123"),
                Arguments.of("\\dfrac{3}{4}", "0.75"),
                Arguments.of("-\\frac{3}{4}", "-0.75"),
                Arguments.of("\\frac{-3}{4}", "-0.75"),
                Arguments.of("\\tfrac{6}{8}", "\\frac{3}{4}"),
                Arguments.of("\\sqrt{2}", "\\sqrt2"),
                Arguments.of("11\\sqrt2", "11 \\sqrt{2}"),
                Arguments.of("50\\%", "50"),
                Arguments.of("50%", "50"),
                Arguments.of("10^\\circ", "10"),
                Arguments.of("90^{\\circ}", "90"),
                Arguments.of("106\u00b0", "106^\\circ"),
                Arguments.of("5\\text{ cm}", "5"),
                Arguments.of("5", "5 \\text{ cm}^2"),
                Arguments.of("18 dollars", "18"),
                Arguments.of("\\$5", "5"),
                Arguments.of("$5.00", "5"),
                Arguments.of("7.0", "7"),
                Arguments.of(".5", "0.5"),
                Arguments.of("\\boxed{42}", "42"),
                Arguments.of("x=5", "5"),
                Arguments.of("\\left( 3, \\frac{\\pi}{2} \\right)", "(3,\\frac{\\pi}{2})"),
                Arguments.of("\\left( 3, \\dfrac{\\pi}{2} \\right)", "( 3 , \\frac\\pi2 )"),
                Arguments.of("(1.5, 2)", "\\left(\\frac{3}{2}, 2\\right)"),
                Arguments.of("1, -2", "1,-2"),
                Arguments.of("\\text{Evelyn}", "Evelyn"),
                Arguments.of("\\displaystyle \\frac{\\pi}{6}", "\\frac{\\pi}{6}"),
                Arguments.of("6 - 5i", "6-5i"),
                Arguments.of("p\\!-\\,q", "p - q"),
                Arguments.of("3\\sqrt{13}", "3 \\sqrt{13}"),
                Arguments.of("\\text{(C)}", "(C)"));
    }

    static Stream<Arguments> differentPairs() {
        return Stream.of(
                Arguments.of("1001", "1000"),
                Arguments.of("0.33", "\\frac{1}{3}"),
                Arguments.of("3", "-3"),
                Arguments.of("\\sqrt{3}", "\\sqrt{2}"),
                Arguments.of("5i", "5"),          // an imaginary unit is not a unit
                Arguments.of("2x", "2"),
                Arguments.of("1,2", "2,1"),
                Arguments.of("(1,2)", "[1,2]"),
                Arguments.of("(1,2)", "1,2,3"),
                Arguments.of("\\frac{1}{0}", "\\frac{1}{0}1"),
                Arguments.of("", "5"),
                Arguments.of("Evelyn", "Bob"));
    }

    @ParameterizedTest
    @MethodSource("equivalentPairs")
    void equivalent(String predicted, String reference) {
        assertTrue(Equivalence.equivalent(predicted, reference), predicted + " vs " + reference);
        assertTrue(Equivalence.equivalent(reference, predicted), reference + " vs " + predicted);
    }

    @ParameterizedTest
    @MethodSource("differentPairs")
    void notEquivalent(String predicted, String reference) {
        assertFalse(Equivalence.equivalent(predicted, reference), predicted + " vs " + reference);
    }

    @Test
    void nullIsNeverEquivalent() {
        assertFalse(Equivalence.equivalent(null, "5"));
        assertFalse(Equivalence.equivalent("5", null));
    }

    @Test
    void game24Checker() {
        assertTrue(Equivalence.game24(new int[] {3, 4, 9, 11}, "(3*4)*(11-9)"));
        assertTrue(Equivalence.game24(new int[] {3, 3, 8, 8}, "8/(3-8/3)"));            // needs fractions
        assertTrue(Equivalence.game24(new int[] {3, 3, 8, 8}, "8 \u00f7 (3 \u2212 8 \u00f7 3) = 24"));
        assertTrue(Equivalence.game24(new int[] {4, 9, 10, 13}, "(10 - 4) \u00d7 (13 - 9)"));
        assertTrue(Equivalence.game24(new int[] {4, 9, 10, 13}, "(10-4) x (13-9)"));
        assertTrue(Equivalence.game24(new int[] {4, 9, 10, 13}, "$(10-4) \\times (13-9)$"));
        assertTrue(Equivalence.game24(new int[] {4, 9, 10, 13}, "\\boxed{[(10-4)*(13-9)]}"));
        assertFalse(Equivalence.game24(new int[] {1, 1, 4, 6}, "(1+1)*(6+4) + 4"));
        assertTrue(Equivalence.game24(new int[] {1, 1, 4, 6}, "4*6*1*1"));
        assertTrue(Equivalence.game24(new int[] {1, 1, 4, 6}, "24 = 6*4/1/1"));
        assertTrue(Equivalence.game24(new int[] {3, 3, 8, 8}, "\\frac{8}{3-\\frac{8}{3}}"));
        assertFalse(Equivalence.game24(new int[] {3, 4, 9, 11}, "(3*4)*(11-9) = 25"));
        assertFalse(Equivalence.game24(new int[] {3, 4, 9, 11}, "3*4*2"));              // 9 and 11 not used
        assertFalse(Equivalence.game24(new int[] {3, 4, 9, 11}, "(3*4)*(11-9)+3-3"));     // 3 used three times
        assertFalse(Equivalence.game24(new int[] {1, 2, 3, 4}, "1*2*3*4*1"));
        assertFalse(Equivalence.game24(new int[] {1, 2, 3, 4}, "(1+2+3+4)"));            // 10
        assertFalse(Equivalence.game24(new int[] {1, 5, 5, 5}, "5*(5-1/5)+5-5"));         // 24, one 5 too many
        assertTrue(Equivalence.game24(new int[] {1, 5, 5, 5}, "(5-1/5)*5"));
        assertFalse(Equivalence.game24(new int[] {2, 3, 4, 5}, "5/(4-2-2)"));             // division by zero
        assertFalse(Equivalence.game24(new int[] {1, 2, 3, 4}, "1*2*3*4 or so"));          // trailing text
        assertFalse(Equivalence.game24(new int[] {1, 2, 4, 6}, "-(1-2)*4*6"));              // 24, but no unary minus
        assertFalse(Equivalence.game24(new int[] {2, 3, 4}, "2(3*4)"));                      // no implicit product
        assertFalse(Equivalence.game24(new int[] {1, 2, 3, 4}, "1*2*3*4)"));
        assertFalse(Equivalence.game24(new int[] {1, 2, 3, 4}, "(1*2*3*4"));
        assertFalse(Equivalence.game24(new int[] {1, 2, 3, 4}, "24"));
        assertFalse(Equivalence.game24(new int[] {1, 2, 3, 4}, ""));
        assertFalse(Equivalence.game24(new int[] {1, 2, 3, 4}, null));
        assertFalse(Equivalence.game24(null, "1*2*3*4"));
        assertFalse(Equivalence.game24(new int[] {1, 2, 3, 4}, "1.0*2*3*4"));
        assertTrue(Equivalence.game24(new int[] {1, 2, 3, 4}, "1*2*3*4"));
    }

    @Test
    void everyGame24TestPuzzleHasASolutionTheCheckerAccepts() {
        List<Problem> puzzles = Datasets.byName("game24", SharedDatasets.dir());
        for (Problem p : puzzles) {
            String solution = solve(p.numbers());
            assertNotNull(solution, p.id());
            assertTrue(Equivalence.correct(p, solution), p.id() + ": " + solution);
            int[] other = p.numbers();
            other[0] += 1;
            assertFalse(Equivalence.game24(other, solution), p.id() + " with a changed number: " + solution);
        }
    }

    @Test
    void letters() {
        assertEquals("C", Equivalence.letter("C"));
        assertEquals("C", Equivalence.letter("(C)"));
        assertEquals("C", Equivalence.letter("C)"));
        assertEquals("C", Equivalence.letter("C) 21"));
        assertEquals("C", Equivalence.letter("(C)21"));
        assertEquals("C", Equivalence.letter("C."));
        assertEquals("C", Equivalence.letter("\\boxed{C}"));
        assertEquals("C", Equivalence.letter("\\text{(C)}"));
        assertEquals("C", Equivalence.letter("**C**"));
        assertEquals("C", Equivalence.letter("The answer is C"));
        assertEquals("D", Equivalence.letter("So the answer is (D) 42."));
        assertEquals("B", Equivalence.letter("Answer: B"));
        assertEquals("E", Equivalence.letter("The answer is option E."));
        assertEquals("B", Equivalence.letter("Between (A) and (B) I pick (B)"));
        assertNull(Equivalence.letter("A car drives 5 miles"));
        assertNull(Equivalence.letter("The answer is a bit unclear"));
        assertNull(Equivalence.letter("42"));
        assertNull(Equivalence.letter("F"));
        assertNull(Equivalence.letter(null));
    }

    @Test
    void correctDispatchesOnTheKindOfProblem() {
        Problem math = new Problem("m", "q", "\\frac{1}{2}", "math500", "level 1", null);
        assertTrue(Equivalence.correct(math, "0.5"));
        assertFalse(Equivalence.correct(math, "0.6"));
        assertFalse(Equivalence.correct(math, null));
        Problem aqua = new Problem("a", "q", "C", "aqua", null, null);
        assertTrue(Equivalence.correct(aqua, "(C)"));
        assertTrue(Equivalence.correct(aqua, "The answer is C"));
        assertFalse(Equivalence.correct(aqua, "B"));
        assertFalse(Equivalence.correct(aqua, "21"));
        Problem game = new Problem("g", "q", null, "game24", null, new int[] {3, 3, 8, 8});
        assertTrue(Equivalence.correct(game, "8/(3-8/3)"));
        assertFalse(Equivalence.correct(game, "24"));
        Problem noAnswer = new Problem("x", "q", null, "custom", null, null);
        assertFalse(Equivalence.correct(noAnswer, "5"));
    }

    // ---- a tiny exhaustive Game of 24 solver (exact fractions) ----

    private record Term(BigInteger num, BigInteger den, String expr) {
    }

    private static String solve(int[] numbers) {
        List<Term> terms = new ArrayList<>();
        for (int n : numbers) {
            terms.add(new Term(BigInteger.valueOf(n), BigInteger.ONE, Integer.toString(n)));
        }
        return solve(terms);
    }

    private static String solve(List<Term> terms) {
        if (terms.size() == 1) {
            Term t = terms.get(0);
            return t.num().equals(t.den().multiply(BigInteger.valueOf(24))) ? t.expr() : null;
        }
        for (int i = 0; i < terms.size(); i++) {
            for (int j = 0; j < terms.size(); j++) {
                if (i == j) {
                    continue;
                }
                Term a = terms.get(i);
                Term b = terms.get(j);
                List<Term> combos = new ArrayList<>();
                combos.add(new Term(a.num().multiply(b.den()).add(b.num().multiply(a.den())), a.den().multiply(b.den()),
                        "(" + a.expr() + "+" + b.expr() + ")"));
                combos.add(new Term(a.num().multiply(b.den()).subtract(b.num().multiply(a.den())),
                        a.den().multiply(b.den()), "(" + a.expr() + "-" + b.expr() + ")"));
                combos.add(new Term(a.num().multiply(b.num()), a.den().multiply(b.den()),
                        "(" + a.expr() + "*" + b.expr() + ")"));
                if (b.num().signum() != 0) {
                    combos.add(new Term(a.num().multiply(b.den()), a.den().multiply(b.num()),
                            "(" + a.expr() + "/" + b.expr() + ")"));
                }
                for (Term c : combos) {
                    List<Term> rest = new ArrayList<>();
                    for (int m = 0; m < terms.size(); m++) {
                        if (m != i && m != j) {
                            rest.add(terms.get(m));
                        }
                    }
                    rest.add(c);
                    String found = solve(rest);
                    if (found != null) {
                        return found;
                    }
                }
            }
        }
        return null;
    }
}
