package dev.reason.search.answer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The vote's comparable form of an answer (the pairs that grading counts as equal and unequal are in EquivalenceTest,
 * which now goes through the same keys).
 */
class MathAnswersTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "0.5|0.5", "\\frac{1}{2}|0.5", "\\dfrac12|0.5", "1/2|0.5", "2/4|0.5", "$\\frac{1}{2}$|0.5",
        "\\frac{1}{3}|1/3", "2/6|1/3", "-\\frac{2}{6}|-1/3", "\\frac{-1}{3}|-1/3", "0.1/0.3|1/3",
        "1,000|1000", "042|42", "7.0|7", "\\boxed{42}|42", "x=5|5", "5\\text{ cm}|5", "18 dollars|18", "50\\%|50",
        "90^{\\circ}|90",
        "(1.5, \\frac{1}{2})|(1.5,0.5)", "\\left[ 2, \\frac{6}{3} \\right)|[2,2)", "1, -2|1,-2",
        "\\sqrt2|\\sqrt{2}", "\\text{Evelyn}|Evelyn", "(8-4)*(7-1)|(8-4)*(7-1)"})
    void keys(String answer, String key) {
        assertEquals(key, MathAnswers.key(answer));
    }
}
