package dev.reason.search.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason.search.answer.AnswerExtractor.Answer.Source;
import dev.reason.search.answer.AnswerExtractor.Answer;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class AnswerExtractorTest {
    static Stream<Arguments> chains() {
        return Stream.of(
            // --- #### marker (GSM8K style) ---
            Arguments.of("Janet has 16 eggs. She eats 3 and bakes 4, so 16 - 3 - 4 = 9.\n"
                    + "She sells them for $2 each: 9 * 2 = 18.\n#### 18", "18", Source.MARKER),
            Arguments.of("He runs 3 sprints 3 times a week: 3*3 = 9 sprints.\n9 * 60 = 540 meters.\n#### 540\n",
                    "540", Source.MARKER),
            Arguments.of("The cost is 52 * 2 = 104.\n#### 104", "104", Source.MARKER),
            Arguments.of("Temperature went from 5 to 2, a change of 2 - 5 = -3.\n#### -3", "-3", Source.MARKER),
            Arguments.of("Change is 2 \u2212 5.\n#### \u22123", "-3", Source.MARKER),
            Arguments.of("Total = 1,000 + 234 = 1,234.\n#### 1,234", "1234", Source.MARKER),
            Arguments.of("So she pays $1,250.50 in total.\n#### $1,250.50", "1250.5", Source.MARKER),
            Arguments.of("Half of 15 is 7.5.\n#### 7.50", "7.5", Source.MARKER),
            Arguments.of("Each gets 70 / 10 = 7.\n#### 7.0", "7", Source.MARKER),
            Arguments.of("He earns 18 dollars.\n#### 18 dollars", "18", Source.MARKER),
            Arguments.of("First try: 10.\n#### 10\nWait, I forgot the tax: 10 + 2 = 12.\n#### 12", "12",
                    Source.MARKER),
            Arguments.of("####   42   \n", "42", Source.MARKER),
            // the line a model trained for reason writes to decline a question; other words are headings
            Arguments.of("#### unanswerable", "unanswerable", Source.MARKER),
            Arguments.of("#### Step 1: count\nThere are 5 + 6 = 11 balls.\n#### 11\n#### Done", "11",
                    Source.MARKER),
            // --- Game of 24: expressions ---
            Arguments.of("Numbers: 3 4 9 11. Try 3*4 = 12, 11-9 = 2, 12*2 = 24.\n#### (3*4)*(11-9)",
                    "(3*4)*(11-9)", Source.MARKER),
            Arguments.of("13-9=4, 10-4=6, 4*6=24\n#### (13 - 9) \u00d7 (10 - 4)", "(13-9)*(10-4)", Source.MARKER),
            // --- "the answer is" ---
            Arguments.of("So 6 * 7 = 42. The answer is 42.", "42", Source.ANSWER_IS),
            Arguments.of("Adding gives 3.5 hours. The answer is 3.5. Let me double-check: yes.", "3.5",
                    Source.ANSWER_IS),
            Arguments.of("Therefore, the final answer is $18.", "18", Source.ANSWER_IS),
            Arguments.of("THE ANSWER IS: 1,000,000!", "1000000", Source.ANSWER_IS),
            Arguments.of("Answer: 15\n", "15", Source.ANSWER_IS),
            Arguments.of("**Final Answer:** **27**", "27", Source.ANSWER_IS),
            Arguments.of("The answer is 12. Hmm, no, I made a mistake. The answer is 14.", "14", Source.ANSWER_IS),
            Arguments.of("The answer is 9 apples. To check the answer: it is consistent.", "9", Source.ANSWER_IS),
            Arguments.of("The final answer is $\\boxed{72}$.", "72", Source.ANSWER_IS),
            Arguments.of("The answer is to multiply 3 by 4, which is 12.", "12", Source.LAST_NUMBER),
            // --- \boxed ---
            Arguments.of("Thus the probability is \\boxed{\\frac{1}{2}}.", "\\frac{1}{2}", Source.BOXED),
            Arguments.of("We get \\boxed{5} first, but correcting it gives \\boxed{6}.", "6", Source.BOXED),
            Arguments.of("$$\\boxed{-0.50}$$", "-0.5", Source.BOXED),
            Arguments.of("So x = \\boxed{\\$1,200}", "1200", Source.BOXED),
            // --- last number ---
            Arguments.of("She has 3 apples and buys 4 more, giving 7", "7", Source.LAST_NUMBER),
            Arguments.of("15 + 27 = 42.", "42", Source.LAST_NUMBER),
            Arguments.of("The total comes to 1,234 dollars", "1234", Source.LAST_NUMBER),
            Arguments.of("Net change: -12", "-12", Source.LAST_NUMBER),
            Arguments.of("10-3", "3", Source.LAST_NUMBER),
            Arguments.of("costs .5 each", "0.5", Source.LAST_NUMBER),
            Arguments.of("I counted 1, 2, 3", "3", Source.LAST_NUMBER),
            Arguments.of("The answer is", "", null),
            // --- reasoning models: the part after </think> first, the thinking only when it gives nothing ---
            Arguments.of("<think>\nSo the answer is 12? No: 12 + 2 = 14.\n</think>\n\nThe total is \\boxed{14}.",
                    "14", Source.BOXED),
            Arguments.of("<think>#### 5 looks wrong, recount</think>\nThere are 6 apples.", "6", Source.LAST_NUMBER),
            Arguments.of("<think>first 3, then <think> 4</think> no, 7</think>\n\nDone.", "7", Source.LAST_NUMBER),
            Arguments.of("<think>\nIt is 8 * 3 = 24, so the answer is 24.\n", "24", Source.ANSWER_IS),
            Arguments.of("I am not sure how to solve this problem.", "", null),
            Arguments.of("", "", null),
            Arguments.of("   \n  ", "", null)
        );
    }

    @ParameterizedTest
    @MethodSource("chains")
    void extractsTheFinalAnswer(String chain, String value, Source source) {
        Optional<Answer> got = AnswerExtractor.extract(chain);
        if (source == null) {
            assertEquals(Optional.empty(), got);
        } else {
            assertEquals(Optional.of(new Answer(value, source)), got);
        }
    }

    @Test
    void nullChainHasNoAnswer() {
        assertEquals(Optional.empty(), AnswerExtractor.extract(null));
    }

    @Test
    void unbalancedBoxFallsBackToTheLastNumber() {
        assertEquals(Optional.of(new Answer("3", Source.LAST_NUMBER)),
                AnswerExtractor.extract("so \\boxed{\\frac{1}{3"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "42           | 42",
        "-3           | -3",
        "\u22123      | -3",
        "\u20133      | -3",
        "\u20143      | -3",
        "+5           | 5",
        "7.0          | 7",
        "7.00         | 7",
        "-0           | 0",
        "-0.0         | 0",
        "0.50         | 0.5",
        ".5           | 0.5",
        "-.5          | -0.5",
        "007          | 7",
        "100          | 100",
        "1,000        | 1000",
        "1,234,567    | 1234567",
        "1,2          | 1,2",
        "\"1, 2, 3\"  | 1,2,3",
        "$18          | 18",
        "$18$         | 18",
        "42.          | 42",
        "42,          | 42",
        "**27**       | 27",
        "\"1 000\"    | 1000",
        "-$5          | -5",
        "(3 \u00d7 4) \u00d7 (11 \u2212 9) | (3*4)*(11-9)",
        "(13-9)*(10-4) | (13-9)*(10-4)",
        "3 \\times 8  | 3*8",
        "\\left( 6 \\div 2 \\right) | (6/2)",
        "\\frac{1}{2} | \\frac{1}{2}",
        "50\\%        | 50%",
        "x = 5        | x=5",
    })
    void normalizes(String raw, String expected) {
        assertEquals(expected, AnswerExtractor.normalize(raw));
    }

    @Test
    void normalizeIsIdempotent() {
        chains().forEach(a -> {
            String once = AnswerExtractor.normalize((String) a.get()[0]);
            assertEquals(once, AnswerExtractor.normalize(once));
        });
        for (String s : new String[] {"1,234,5", "$$1.50$$.", "**$3$**", "+-0.0", "1,2345,678"}) {
            String once = AnswerExtractor.normalize(s);
            assertEquals(once, AnswerExtractor.normalize(once), s);
        }
    }

    @Test
    void equalAnswersWrittenDifferentlyNormalizeAlike() {
        String[] forms = {"1234", "1,234", "$1,234", "1234.00", "+1234", " 1 234 ", "**1,234**."};
        for (String f : forms) {
            assertEquals("1234", AnswerExtractor.normalize(f), f);
        }
        assertTrue(AnswerExtractor.normalize("1,2").contains(","));
    }
}
