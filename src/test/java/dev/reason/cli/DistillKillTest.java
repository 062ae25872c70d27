package dev.reason.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A distillation killed with SIGKILL and resumed writes the same file as one that ran through. */
class DistillKillTest {
    private static final String QUESTIONS = String.join("\n", "What is 47 + 38 * 2 - 19?", "Compute 12*7-5.",
            "What is 64 + 9 * 8?", "Evaluate 300 - 45 * 3.", "What is 81 - 27 + 16?", "Work out 15 * 6 - 33.",
            "What is 120 - 7 * 9?", "Compute 58 + 41 - 23.") + "\n";

    private static String[] args(Path questions, Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("distill", "--model", CliTest.MODEL.toString(), "--device", "cpu",
                "--threads", "1", "--budget", "8x", "--seed", "5", "--questions", questions.toString(), "--out",
                out.toString()));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void killedAndResumedEqualsUninterrupted(@TempDir Path tmp) throws Exception {
        Path questions = tmp.resolve("questions.txt");
        Files.writeString(questions, QUESTIONS);
        Path whole = tmp.resolve("whole.jsonl");
        assertEquals(ExitCodes.ANSWERED, CliTest.reason(args(questions, whole)).code());

        Path killed = tmp.resolve("killed.jsonl");
        Path log = tmp.resolve("killed.log");
        Path progress = tmp.resolve("killed.jsonl.progress");
        ReasonProcess.killWhen(ReasonProcess.start(log, args(questions, killed)), () -> finished(progress) >= 3);
        int before = finished(progress);
        assertTrue(before >= 3 && before < 8, "killed mid-way, after " + before + " questions: " + Files.readString(log));

        assertEquals(ExitCodes.USAGE, CliTest.reason(args(questions, killed)).code(), "an existing run needs --resume");
        CliTest.Run resumed = CliTest.reason(args(questions, killed, "--resume"));
        assertEquals(ExitCodes.ANSWERED, resumed.code(), resumed.err());
        assertEquals(8, finished(progress));
        assertArrayEquals(Files.readAllBytes(whole), Files.readAllBytes(killed));
    }

    /** Questions the progress file records as finished. */
    private static int finished(Path progress) throws IOException {
        return Files.exists(progress) ? (int) Files.readAllLines(progress).stream()
                .filter(l -> l.startsWith("{\"id\"") && l.endsWith("}")).count() : 0;
    }
}
