package dev.reason.search.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason.search.verify.ExactExpression.Rational;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExactExpressionTest {

    private static Rational eval(String s) {
        return ExactExpression.evaluate(ExactExpression.parse(ExactExpression.asciiOperators(s), true).orElseThrow());
    }

    @Test
    void precedenceAndAssociativity() {
        assertEquals(Rational.of(104), eval("47+38*2-19"));
        assertEquals(Rational.of(104), eval("047 + 038 * 002 - 019"));
        assertEquals(Rational.of(1), eval("10-5-4")); // left to right
        assertEquals(Rational.of(1), eval("16/4/4"));
        assertEquals(Rational.of(170), eval("(47+38)*2"));
        assertEquals(Rational.of(75), eval("47×2−19"));
        assertEquals(Rational.of(-333), eval("123-456"));
        assertEquals(Rational.of(-15), eval("5*-3"));
        assertEquals(Rational.of(8), eval("5--3"));
        assertEquals(new Rational(BigInteger.valueOf(7), BigInteger.valueOf(2)), eval("7/2"));
        assertEquals(Rational.of(24), eval("8/(3-8/3)"));
        assertEquals("7/2", eval("14/4").toString());
    }

    @Test
    void rejectsWhatIsNotOneExpression() {
        for (String s : new String[] {"", " ", "5+", "(5", "5)", "5 5", "5+*3", "a+1", "1.5", "--"}) {
            assertTrue(ExactExpression.parse(s, true).isEmpty(), s);
        }
        assertTrue(ExactExpression.parse("-3", false).isEmpty());
        assertTrue(ExactExpression.parse("(".repeat(1000) + "1" + ")".repeat(1000), true).isEmpty());
        assertThrows(ArithmeticException.class, () -> eval("1/(2-2)"));
    }

    @Test
    void leavesAndOperations() {
        ExactExpression.Node n = ExactExpression.parse("008*(007-004)", false).orElseThrow();
        List<BigInteger> leaves = new ArrayList<>();
        ExactExpression.leaves(n, leaves);
        assertEquals(List.of(BigInteger.valueOf(8), BigInteger.valueOf(7), BigInteger.valueOf(4)), leaves);
        assertEquals(2, ExactExpression.binaryOps(n));
        assertEquals(0, ExactExpression.binaryOps(ExactExpression.parse("-5", true).orElseThrow()));
    }
}
