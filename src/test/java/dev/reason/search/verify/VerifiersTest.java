package dev.reason.search.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.reason.search.verify.Verifier.Verdict;
import org.junit.jupiter.api.Test;

class VerifiersTest {

    @Test
    void picksGame24ForPuzzlesAndArithmeticStepsOtherwise() {
        assertSame(Game24Verifier.INSTANCE, Verifiers.forQuestion("Use 4 7 8 8 to make 24."));
        assertSame(Game24Verifier.INSTANCE, Verifiers.forQuestion("24 game: 1 5 5 5"));
        assertSame(ArithmeticStepVerifier.INSTANCE, Verifiers.forQuestion("What is 47 + 38 * 2 - 19?"));
        assertSame(ArithmeticStepVerifier.INSTANCE, Verifiers.forQuestion("Compute 47+38×2−19."));
        assertSame(ArithmeticStepVerifier.INSTANCE, Verifiers.forQuestion("Emma has 24 apples and eats 5."));
        assertSame(ArithmeticStepVerifier.INSTANCE, Verifiers.forQuestion(null));
    }

    @Test
    void noneKnowsNothing() {
        assertEquals(Verdict.UNKNOWN, Verifier.none().check("q", "5+3=9", "9"));
        assertEquals("none", Verifier.none().name());
        assertEquals("game24", Game24Verifier.INSTANCE.name());
        assertEquals("arithmetic-steps", ArithmeticStepVerifier.INSTANCE.name());
    }
}
