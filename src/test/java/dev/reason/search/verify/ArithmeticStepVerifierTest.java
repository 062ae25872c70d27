package dev.reason.search.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reason.search.verify.ArithmeticStepVerifier.Report;
import dev.reason.search.verify.Verifier.Verdict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ArithmeticStepVerifierTest {

    private static Report report(String chain) {
        return ArithmeticStepVerifier.report(chain);
    }

    private static Verdict verdict(String chain) {
        return ArithmeticStepVerifier.INSTANCE.check("What is 47 + 38 * 2 - 19?", chain, "104");
    }

    /** Chain text (\n for newlines) | equations checked | wrong | verdict. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // the model's own worked format: zero-padded, one operation per line, the rest after a comma
        "047+038*002-019\\n038*002=076, 047+076-019\\n047+076=123, 123-019\\n123-019=104\\n#### 104 | 3 | 0 | PASS",
        "047+038*002-019\\n038*002=066, 047+066-019\\n047+066=113, 113-019\\n113-019=094\\n#### 94   | 3 | 1 | FAIL",
        "047+038*002-019\\n038*002=076, 047+076-019\\n047+076=123, 123-019\\n123-019=114\\n#### 114 | 3 | 1 | FAIL",
        "047+038*002=123                                   | 1 | 0 | PASS", // precedence: 47 + 76
        "047+038*002=170                                   | 1 | 1 | FAIL", // left to right would give 170
        "123-456=-333                                      | 1 | 0 | PASS",
        "123-456=333                                       | 1 | 1 | FAIL",
        "-033+050=017, 017*002                             | 1 | 0 | PASS",
        "045*012=540                                       | 1 | 0 | PASS",
        "045*010=450\\n045*002=090\\n450+090=540\\n#### 540  | 3 | 0 | PASS",
        "045*010=450\\n045*002=090\\n450+090=530\\n#### 530  | 3 | 1 | FAIL",
        "084/012=007                                       | 1 | 0 | PASS",
        "<<7/2=3>>                                         | 1 | 1 | FAIL", // division must be exact
        "5/0=0                                             | 1 | 1 | FAIL",
        "47 × 2 − 19 = 75                                  | 1 | 0 | PASS", // unicode operators, spaces
        "47×2−19=85                                        | 1 | 1 | FAIL",
        "5*-3=-15 and 5--3=8                               | 2 | 0 | PASS",
        "47 + 38*2 - 19 = 47 + 76 - 19 = 123 - 19 = 104    | 3 | 0 | PASS", // chained rewrite
        "47 + 38*2 - 19 = 47 + 76 - 19 = 123 - 19 = 94     | 3 | 1 | FAIL",
        "5+3=8+2=10                                        | 2 | 1 | FAIL", // 8 = 8+2 is false as written
        "Step 2: 5 + 3 = 8. (so 2*4=8) 1) 9-1=8           | 3 | 0 | PASS",
        "$5 + $3 = $8                                      | 1 | 0 | PASS",
        "I think the answer is 42.\\n#### 42               | 0 | 0 | UNKNOWN",
        "x = 5, y = 7                                      | 0 | 0 | UNKNOWN", // nothing computed
        "3x+2=11 and 2^3=8 and 50%*2=100                   | 0 | 0 | UNKNOWN", // not number expressions
        // decimals: exact, or a bare decimal result within one unit of its last digit
        "1.5+2.5=4 and $2.50 * 4 = $10.00 and 0.1+0.2=0.3   | 3 | 0 | PASS",
        "1.5+2.5=5                                         | 1 | 1 | FAIL",
        "10/3 = 3.33 and 10/3 = 3.3 and 2/3 = 0.67 and 2/3 = 0.66 | 4 | 0 | PASS", // rounded or cut
        "10/3 = 3.43                                       | 1 | 1 | FAIL",
        "7/2 = 3 and 7/2 = 3.                              | 2 | 2 | FAIL", // an integer is no rounding
        "It costs 2.5 * 4 = 10. Then 10 - 2.5 = 7.5.       | 2 | 0 | PASS", // sentence-ending points
        // what chat models write: LaTeX operators, thousands separators
        "So $12 \\times 7 = 84$ and $84 - 5 = 79$.           | 2 | 0 | PASS",
        "$12 \\times 7 = 74$                                 | 1 | 1 | FAIL",
        "\\left(3 + 4\\right) \\cdot 2 = 14 and 10 \\div 2 = 5 | 2 | 0 | PASS",
        "1,200 + 300 = 1,500 and 1\\,200 \\times 2 = 2\\,400   | 2 | 0 | PASS",
        "1,200 + 300 = 1,600                               | 1 | 1 | FAIL",
        "4 \\times 10^3 = 4000 and \\sqrt{16} + 1 = 5 and \\frac{x}{2} = 5 | 0 | 0 | UNKNOWN", // powers, roots, letters
        "\\frac{84}{2} = 42 and \\dfrac{12}{60} = 0.2 and \\frac{1+\\frac{1}{2}}{3} = 0.5 | 3 | 0 | PASS",
        "\\frac{84}{2} = 41                                  | 1 | 1 | FAIL",
        "10 \\div 4 = 2.5                                    | 1 | 0 | PASS",
        "12 \\times 7 = 84 \\text{ apples}                    | 1 | 0 | PASS",
        "50% of 10 = 5, so 5+3 >= 7 and 8==8               | 0 | 0 | UNKNOWN",
        "008-004=004, left 004 007 008\\n007-004=003, left 003 008\\n008*003=024, left 024\\n#### 8*(7-4) | 3 | 0 | PASS",
    })
    void table(String chain, int checked, int wrong, Verdict expected) {
        String text = chain.strip().replace("\\n", "\n");
        assertEquals(new Report(checked, wrong), report(text), text);
        assertEquals(expected, verdict(text), text);
    }

    @Test
    void gsm8kCalculatorAnnotations() {
        String good = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n"
                + "Natalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72";
        assertEquals(new Report(2, 0), report(good)); // "48/2 = <<" has no right side: not an equation
        assertEquals(Verdict.PASS, verdict(good));

        String bad = "Weng earns 12/60 = $<<12/60=0.2>>0.2 per minute.\n"
                + "Working 50 minutes, she earned 0.2 x 50 = $<<5*12=50>>50.\n#### 50";
        assertEquals(new Report(2, 1), report(bad)); // 12/60 = 0.2 holds, 5*12 = 50 is wrong
        assertEquals(Verdict.FAIL, verdict(bad));

        String multi = "Total: <<3+4*5-6/2=20>>20 and <<(3+4)*5=35>>35 and <<100-20*3=40>>40";
        assertEquals(new Report(3, 0), report(multi));
        assertEquals(new Report(1, 1), report("<<3+4*5=35>>35"));
    }

    @Test
    void theQuestionIsNotSolved() {
        // The chain copied the question wrong (47 + 38 instead of 47 + 38 * 2 - 19) but computed right:
        // the verifier only checks the chain's own steps, so it passes.
        assertEquals(Verdict.PASS, verdict("047+038=085\n#### 85"));
        assertEquals(Verdict.UNKNOWN, verdict("#### 104"));
        assertEquals(Verdict.UNKNOWN, verdict(""));
        assertEquals(Verdict.UNKNOWN, ArithmeticStepVerifier.INSTANCE.check("q", null, null));
    }

    @Test
    void aReasoningModelIsHeldToWhatItWritesAfterThinking() {
        String corrected = "<think>\n38*2 = 66? No: 38*2 = 76. Then 47 + 76 - 19 = 104.\n</think>\n\n"
                + "47 + 38*2 - 19 = 47 + 76 - 19 = 104";
        assertEquals(Verdict.PASS, verdict(corrected), "a trial corrected while thinking is not a wrong step");
        assertEquals(Verdict.FAIL, verdict("<think>38*2 = 76</think>\nSo 47 + 38*2 - 19 = 94"));
        assertEquals(Verdict.UNKNOWN, verdict("<think>\n38*2 = 66, hmm"), "still thinking: nothing asserted yet");
        assertEquals(Verdict.UNKNOWN, verdict("<think>38*2 = 76</think>\nThe answer is 104."));
    }

    @Test
    void hugeNumbersAreExact() {
        assertEquals(Verdict.PASS, verdict("99999999999999999999*99999999999999999999=9999999999999999999800000000000000000001"));
        assertEquals(Verdict.FAIL, verdict("99999999999999999999*99999999999999999999=9999999999999999999800000000000000000000"));
    }

    private static Verdict worked(String question, String chain, String answer) {
        return ArithmeticStepVerifier.INSTANCE.check(question, chain, answer);
    }

    @Test
    void aWorkedChainMustRestateTheQuestionsExpression() {
        String right = "002+003\n002+003=005\n#### 5";
        assertEquals(Verdict.PASS, worked("What is 2 + 3?", right, "5"));
        // The shipped model on a one-operation question: every equation is right, the third 3 is invented.
        String invented = "002+003+003\n003+002=005, 005+003\n003+005=008\n#### 8";
        assertEquals(new Report(2, 0), report(invented));
        assertEquals(Verdict.FAIL, worked("What is 2 + 3?", invented, "8"));
        // Zero padding, spaces, unicode operators and redundant parentheses are the same expression.
        String parens = "(064+009)*008-023*003\n064+009=073, 073*008-023*003\n003*023=069, 073*008-069\n"
                + "073*008=584, 584-069\n584-069=515\n#### 515";
        assertEquals(Verdict.PASS, worked("Calculate (64+9)×8−(23*3).", parens, "515"));
        assertEquals(Verdict.FAIL, worked("Calculate (64+9)*8-(23*4).", parens, "515"));
    }

    @Test
    void eachRewriteMustKeepTheValueAndTheAnswerMustBeTheLastOne() {
        // From a real chain: 047*038 = 1786, but the rewrite wrote 1736 back (and every equation is right).
        String wrongBack = "047*038-019*023+506-088\n047*038=1786, 1736-019*023+506-088\n019*023=437, 1736-437+506-088\n"
                + "1736-437=1299, 1299+506-088\n1299+506=1805, 1805-088\n1805-088=1717\n#### 1717";
        assertEquals(Verdict.PASS, report(wrongBack).verdict(), "each equation alone is right");
        assertEquals(Verdict.FAIL, worked("Compute 47*38-19*23+506-88.", wrongBack, "1717"));
        String good = wrongBack.replace("1736", "1786").replace("1299", "1349").replace("1805", "1855")
                .replace("1717", "1767");
        assertEquals(Verdict.PASS, worked("Compute 47*38-19*23+506-88.", good, "1767"));
        assertEquals(Verdict.FAIL, worked("Compute 47*38-19*23+506-88.", good, "1766"), "answer is not the last value");
    }

    @Test
    void aWorkedLineThatIsNoExpressionFails() {
        // From a round of distillation: every equation right, but a stray parenthesis hid the wrong restatement.
        assertEquals(Verdict.FAIL, worked("How much is 2-675?",
                "002-675)\n002-675=-673, -673-673\n-673-673=-1346\n#### -1346", "-1346"));
        assertEquals(Verdict.FAIL, worked("What is 301 * 7",
                "301*007\n007*301=2107, 2107)*007\n2107+210=2317\n#### 2317", "2317"));
        assertEquals(Verdict.FAIL, ArithmeticStepVerifier.INSTANCE.checkSteps("What is 301 * 7",
                "301*007\n007*301=2107, 2107)*007\n"), "cut at the end of the malformed line");
        // A number with a thousands separator is one number: the shipped model once read 1,200 as 1.
        assertEquals(Verdict.FAIL, worked("What is 345 * 7 - 1,200?",
                "345*007-001\n007*345=2415, 2415-001\n2415-0001=2414\n#### 2414", "2414"));
        assertEquals(Verdict.PASS, worked("What is 345 * 7 - 1,200?",
                "345*007-1200\n007*345=2415, 2415-1200\n2415-1200=1215\n#### 1215", "1215"));
        // Prose after a comma, or a sentence first, is not held to it.
        assertEquals(Verdict.PASS, worked("What is 12 * 7?", "12 * 7 = 84, so the answer is 84.\n#### 84", "84"));
        assertEquals(Verdict.PASS, worked("What is 12 * 7?", "First, 12 * 7 = 84.\n#### 84", "84"));
    }

    @Test
    void aWordQuestionsExpressionUsesOnlyItsNumbers() {
        // From a round of distillation: the first model read "1 and 9 together" as 11*9-9, every step right.
        assertEquals(Verdict.FAIL, worked("What is 1 and 9 together?", "011*009-009\n011*009=099, 099-009\n099-009=090\n#### 90", "90"));
        assertEquals(Verdict.PASS, worked("What is 1 and 9 together?", "001+009\n001+009=010\n#### 10", "10"));
        assertEquals(Verdict.FAIL, worked("What language do people speak in Greece?", "000*000-000\n000*000=000, 000-000\n"
                + "000-000=000\n#### 0", "0"), "a question without numbers has no expression to set up");
        // A number may be used twice, and a question's thousands separator and decimals are read as values.
        assertEquals(Verdict.PASS, worked("Ann has 40 books. Bo has 5 fewer than Ann. How many do both have?",
                "040+(040-005)\n040-005=035, 040+035\n040+035=075\n#### 75", "75"));
        assertEquals(Verdict.PASS, worked("A car costs $1,200 and a bike $300. What do both cost?",
                "1200+300\n1200+300=1500\n#### 1500", "1500"));
        assertEquals(Verdict.FAIL, worked("A car costs $1,200 and a bike $300. What do both cost?",
                "1200+030\n1200+030=1230\n#### 1230", "1230"));
    }

    @Test
    void proseChainsAndWordQuestionsAreLeftToTheEquationChecks() {
        String prose = "She sold 48/2 = <<48/2=24>>24 clips.\n#### 24";
        assertEquals(new Report(0, 0), ArithmeticStepVerifier.workedExpression("How many clips?", prose, "24"));
        // A word question has no expression to restate; the rewrites are still held to their values.
        assertEquals(Verdict.PASS, worked("Tom has 3 bags of 12 apples. How many apples?",
                "003*012\n003*012=036\n#### 36", "36"));
        assertEquals(Verdict.FAIL, worked("Tom has 3 bags of 12 apples. How many apples?",
                "003*012+001\n003*012=036, 036+001\n036+001=037\n#### 38", "38"));
    }

    /**
     * Steps checked while the chain is written: a wrong step already written is a FAIL (so the search may cut the
     * chain), never a PASS; thinking is not judged; and whatever fails on a prefix fails the finished chain.
     */
    @Test
    void stepsWrittenSoFarFailOnlyWhereTheWholeChainWould() {
        String q = "What is 47 + 38 * 2 - 19?";
        ArithmeticStepVerifier v = ArithmeticStepVerifier.INSTANCE;
        assertEquals(Verdict.UNKNOWN, v.checkSteps(q, "047+038*002-019\n038*002=076, 047+076-019\n"), "right so far");
        assertEquals(Verdict.FAIL, v.checkSteps(q, "047+038*002-019\n038*002=066, 047+066-019\n"), "a wrong product");
        assertEquals(Verdict.FAIL, v.checkSteps(q, "047+038*002-019\n038*002=076, 047+067-019\n"), "a wrong rewrite");
        assertEquals(Verdict.FAIL, v.checkSteps(q, "047+038*002-018\n"), "not the question's expression");
        assertEquals(Verdict.UNKNOWN, v.checkSteps(q, "<think>\n38*2 = 66, hmm\n"), "thinking is tried, not asserted");
        assertEquals(Verdict.FAIL, v.checkSteps(q, "<think>38*2 = 76</think>\n47 + 76 = 113\n"), "after thinking");
        String[] finished = {
            "047+038*002-019\n038*002=076, 047+076-019\n047+076=123, 123-019\n123-019=104\n#### 104\n",
            "047+038*002-019\n038*002=076, 047+076-019\n047+076=123, 123-019\n123-019=004\n#### 4\n",
            "047+038*002-019\n038*002=066, 047+066-019\n047+066=113, 113-019\n113-019=094\n#### 94\n",
            "047+038*002-019\n038*002=076, 047+076-019\n076-019=057, 047+057\n047+057=104\n#### 104\n",
            "047+038*002-019\n038*002=076, 047+076-019\n047+076=123, 123-091\n123-091=032\n#### 32\n"};
        for (String chain : finished) {
            String answer = chain.substring(chain.lastIndexOf("#### ") + 5).strip();
            for (int end = chain.indexOf('\n'); end >= 0; end = chain.indexOf('\n', end + 1)) {
                if (v.checkSteps(q, chain.substring(0, end + 1)) == Verdict.FAIL) {
                    assertEquals(Verdict.FAIL, v.check(q, chain, answer), chain.substring(0, end + 1));
                }
            }
        }
        assertEquals(Verdict.FAIL, v.checkSteps(q, finished[2].substring(0, finished[2].indexOf("047+066="))));
    }
}
