package dev.reason.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The line that ends a chain: #### and a digit at a line's start, outside the thinking. */
class AnswerLineTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "#### 104 | true",
        "`  #### (3*4)*(11-9)` | true",
        "####18 dollars | true",
        "#### $1,250.50 | true",
        "#### -3 | true",
        "#### \\frac{1}{2} | true",
        "#### Step 1: add | false",        // markdown headings
        "#### Adding the apples | false",
        "#### The answer is 5 | false",    // not ended here: the extractor still reads it when the chain ends
        "##### 5 | false",
        "The sum #### 5 | false",
        "### 5 | false",
        "#### | false",
    })
    void isAnswer(String line, boolean expected) {
        assertEquals(expected, AnswerLine.isAnswer(line), line);
    }

    /** Appends the pieces one by one (as tokens arrive) and reports at which piece the chain would end, or -1. */
    private static int endsAt(String... pieces) {
        StringBuilder text = new StringBuilder();
        AnswerLine watch = new AnswerLine(text);
        for (int i = 0; i < pieces.length; i++) {
            text.append(pieces[i]);
            if (watch.completed()) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void theChainEndsWhenItsAnswerLineDoes() {
        assertEquals(3, endsAt("38*2=76\n", "####", " 104", "\n", "more"));
        assertEquals(2, endsAt("#### Adding\n", "Total: 7\n", "#### 7\nrest"), "a heading does not end it");
        assertEquals(-1, endsAt("#### 104"), "the line is not finished yet");
        assertEquals(1, endsAt("a\nb\n#### 5", "\nc\n"), "a line completed several lines back still counts");
    }

    @Test
    void linesWrittenWhileThinkingDoNotEndTheChain() {
        assertEquals(-1, endsAt("<think>\n", "#### 12\n", "no, 14\n"));
        assertEquals(3, endsAt("<think>\n", "#### 12\n", "</think>\n", "#### 14\n"));
        assertTrue(endsAt("<think>a</think>\n#### 3\n") == 0);
        assertFalse(endsAt("<think>a</think><think>\n#### 3\n") == 0, "a second thinking block is open");
    }
}
