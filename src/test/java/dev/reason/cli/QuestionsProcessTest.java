package dev.reason.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code reason --questions} as a process: questions piped in one at a time are answered as they come (a session),
 * and Ctrl-C keeps the answers printed so far, prints the current question's best answer so far, asks no more
 * questions and exits 130.
 */
class QuestionsProcessTest {
    private static final int QUESTIONS = 40;

    @Test
    void sigintStopsAfterTheQuestionUnderWay(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("questions.txt");
        StringBuilder questions = new StringBuilder();
        for (int i = 0; i < QUESTIONS; i++) {
            questions.append("What is ").append(10 + i).append(" * 7 - 5?\n");
        }
        Files.writeString(file, questions);
        Path answers = tmp.resolve("answers.txt");
        Path log = tmp.resolve("stderr.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--model", CliTest.MODEL.toString(),
                "--device", "cpu", "--threads", "1", "--stop", "none", "--budget", "48x", "--parallel", "4", "--quiet",
                "--questions", file.toString())
                .redirectOutput(answers.toFile()).redirectError(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (lines(answers) < 1 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the run ended before it could be interrupted:\n" + Files.readString(log));
        assertTrue(lines(answers) >= 1, "no answer within 2 minutes:\n" + Files.readString(log));
        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "SIGINT did not end the run");

        String stderr = Files.readString(log);
        assertEquals(ExitCodes.INTERRUPTED, p.exitValue(), stderr);
        long asked = lines(answers);
        assertTrue(asked >= 1 && asked < QUESTIONS, asked + " answers:\n" + Files.readString(answers));
        assertTrue(stderr.contains("reason: interrupted at question " + asked + "; " + asked + " asked, the rest not"),
                stderr);
        assertTrue(Files.readAllLines(answers).get(0).matches("-?\\d+"), Files.readString(answers));
    }

    @Test
    @Timeout(120)  // a run that waited for the end of its input would block readLine
    void eachQuestionIsAnsweredBeforeTheNextIsRead() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--model", CliTest.MODEL.toString(),
                "--device", "cpu", "--threads", "1", "--budget", "4x", "--quiet", "--questions", "-")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (var toReason = new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8);
             var fromReason = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            toReason.println("What is 12 * 7 - 5?");
            String first = fromReason.readLine();  // stdin is still open: the answer came before the input ended
            assertTrue(first != null && first.matches("-?\\d+"), "first answer: " + first);
            assertTrue(p.isAlive(), "still waiting for questions");
            toReason.println("What is 47 + 38 * 2 - 19?");
            toReason.close();
            String second = fromReason.readLine();
            assertTrue(second != null && second.matches("-?\\d+"), "second answer: " + second);
            assertEquals(null, fromReason.readLine());
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the session ends with its input");
        assertEquals(ExitCodes.ANSWERED, p.exitValue());
    }

    private static long lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }
}
