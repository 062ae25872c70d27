package dev.reason.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A benchmark killed with SIGKILL and resumed ends with the same summary.json as an uninterrupted run. */
class BenchKillTest {
    private static final String[] RUN = {"bench", "--model", CliTest.MODEL.toString(), "--dataset", "arithmetic",
            "--samples", "4", "--parallel", "4", "--limit", "8", "--seed", "3", "--max-tokens", "120"};

    private static String[] args(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of(RUN));
        a.add("--out");
        a.add(out.toString());
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void killedAndResumedEqualsUninterrupted(@TempDir Path tmp) throws Exception {
        Path whole = tmp.resolve("whole");
        assertEquals(ExitCodes.ANSWERED, CliTest.reason(args(whole)).code());

        Path killed = tmp.resolve("killed");
        Path log = tmp.resolve("killed.log");
        Path results = killed.resolve("results.jsonl");
        ReasonProcess.killWhen(ReasonProcess.start(log, args(killed)), () -> lines(results) >= 3);
        int before = lines(results);
        assertTrue(before >= 3 && before < 8, "killed mid-way, after " + before + " problems: " + Files.readString(log));

        assertEquals(ExitCodes.USAGE, CliTest.reason(args(killed)).code(), "an existing run needs --resume");
        assertEquals(ExitCodes.ANSWERED, CliTest.reason(args(killed, "--resume")).code());
        assertEquals(8, lines(results));
        assertEquals(Files.readString(whole.resolve("summary.json")), Files.readString(killed.resolve("summary.json")));
    }

    private static int lines(Path file) throws IOException {
        return Files.exists(file) ? (int) Files.readAllLines(file).stream().filter(l -> l.endsWith("}")).count() : 0;
    }
}
