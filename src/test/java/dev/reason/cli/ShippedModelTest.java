package dev.reason.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a new user meets first, asked of the shipped model through the whole command line: questions outside what it
 * was trained for are declined, and the first questions people type are answered.
 */
class ShippedModelTest {
    /** 50 general questions written by hand, none of them in the recipe's training templates. */
    private static final Path GENERAL = Path.of("src", "test", "resources", "general-questions.txt");

    @Test
    void atLeast45Of50GeneralQuestionsAreDeclined() throws IOException {
        List<String> questions = Files.readAllLines(GENERAL).stream().filter(l -> !l.isBlank()).toList();
        assertEquals(50, questions.size());
        CliTest.Run r = CliTest.reason("--model", CliTest.MODEL.toString(), "--questions", GENERAL.toString(),
                "--budget", "16x", "--seed", "1", "--quiet");
        List<String> answers = r.out().lines().toList();
        assertEquals(50, answers.size(), r.err());
        long declined = answers.stream().filter(ResultPrinter.DECLINED::equals).count();
        assertTrue(declined >= 45, declined + " of 50 declined; answered: " + answers);
        assertTrue(r.code() == ExitCodes.DECLINED || r.code() == ExitCodes.NO_ANSWER, "exit code " + r.code());
    }

    @Test
    void theFirstQuestionsOfTheIssueAreAnswered() {
        String[][] asked = {{"What is 2 + 3?", "5"}, {"What is 12 + 7?", "19"},
                {"Tom has 5 apples and buys 3 bags of 4 apples each. How many apples does he have now?", "17"}};
        for (String[] q : asked) {
            CliTest.Run r = CliTest.reason("--model", CliTest.MODEL.toString(), "--budget", "16x", "--seed", "1",
                    "--quiet", q[0]);
            assertEquals(q[1], r.out().strip(), q[0] + ": " + r.err());
            assertEquals(ExitCodes.ANSWERED, r.code());
        }
        CliTest.Run r = CliTest.reason("--model", CliTest.MODEL.toString(), "--budget", "16x", "--seed", "1",
                "What is the capital of France?");
        assertEquals(ExitCodes.DECLINED, r.code(), r.out());
        assertEquals(ResultPrinter.DECLINED, r.out().lines().findFirst().orElse(""));
    }
}
