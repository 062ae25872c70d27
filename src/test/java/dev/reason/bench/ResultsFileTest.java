package dev.reason.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason.bench.ProblemResult.ChainResult;
import dev.reason.runtime.Chain;
import dev.reason.runtime.FinishReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsFileTest {

    @TempDir
    Path tmp;

    private static ProblemResult sample(String id) {
        ChainResult greedy = new ChainResult("18", true, 120, 1.5, -0.2, -3.0, -24.0, null);
        return new ProblemResult(id, "gsm8k", "level 1", "18", greedy, List.of(
                new ChainResult("18", true, 100, 1.25, -0.25, -2.5, -25.0, "so \"18\"\n#### 18"),
                new ChainResult(null, false, 512, 4.0, -0.5, Double.NEGATIVE_INFINITY, Double.NEGATIVE_INFINITY, null),
                new ChainResult("17", false, 90, 1.0, -0.3, -4.0, -27.0, null)));
    }

    @Test
    void roundTripOneLinePerProblem() throws IOException {
        Path file = tmp.resolve("run/results.jsonl"); // the folder is created
        ProblemResult a = sample("gsm8k-1");
        ProblemResult b = new ProblemResult("game24-901", "game24", null, null, null, List.of());
        ResultsFile.append(file, a);
        ResultsFile.append(file, b);
        assertEquals(List.of(a, b), ResultsFile.read(file));
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).startsWith("{\"id\":\"gsm8k-1\",\"dataset\":\"gsm8k\""), lines.get(0));
        // text is written only when kept
        assertEquals(1, lines.get(0).split("\"text\"", -1).length - 1);
        assertEquals(Set.of("gsm8k-1", "game24-901"), ResultsFile.finishedIds(file));
    }

    /** Where a failing chain's first failing line ended is kept; chains without one write no key (older runs read). */
    @Test
    void aFailPointRoundTripsAndIsWrittenOnlyWhenThere() throws IOException {
        Path file = tmp.resolve("results.jsonl");
        ChainResult failing = new ChainResult("5", false, 40, 1.0, -0.3, -4.0, -12.0, null, "fail", null, 17);
        ProblemResult r = new ProblemResult("a-1", "arithmetic", null, "6", null,
                List.of(failing, new ChainResult("6", true, 30, 1.0, -0.2, -3.0, -6.0, null)));
        ResultsFile.append(file, r);
        assertEquals(List.of(r), ResultsFile.read(file));
        String line = Files.readAllLines(file).get(0);
        assertEquals(1, line.split("\"failsAt\":17", -1).length - 1, line);
        assertEquals(1, line.split("\"failsAt\"", -1).length - 1, line);
    }

    @Test
    void missingFileReadsAsEmpty() {
        assertEquals(List.of(), ResultsFile.read(tmp.resolve("none.jsonl")));
        assertEquals(Set.of(), ResultsFile.finishedIds(tmp.resolve("none.jsonl")));
    }

    @Test
    void tornLastLineIsIgnoredAndCutBeforeTheNextAppend() throws IOException {
        Path file = tmp.resolve("results.jsonl");
        ResultsFile.append(file, sample("p1"));
        ResultsFile.append(file, sample("p2"));
        String full = Files.readString(file);
        // A crash in the middle of the third line.
        Files.writeString(file, "{\"id\":\"p3\",\"dataset\":\"gs", StandardOpenOption.APPEND);
        assertEquals(List.of("p1", "p2"), ResultsFile.read(file).stream().map(ProblemResult::id).toList());
        ResultsFile.append(file, sample("p3"));
        assertEquals(List.of("p1", "p2", "p3"), ResultsFile.read(file).stream().map(ProblemResult::id).toList());
        assertTrue(Files.readString(file).startsWith(full));
        assertEquals(3, Files.readAllLines(file).size());
        // Even a complete object without its newline was not finished.
        Files.writeString(file, Files.readString(file).stripTrailing(), StandardCharsets.UTF_8);
        assertEquals(2, ResultsFile.read(file).size());
    }

    @Test
    void tornFileWithoutAnyCompleteLine() throws IOException {
        Path file = tmp.resolve("results.jsonl");
        Files.writeString(file, "{\"id\":");
        assertEquals(List.of(), ResultsFile.read(file));
        ResultsFile.append(file, sample("p1"));
        assertEquals(1, Files.readAllLines(file).size());
        assertEquals("p1", ResultsFile.read(file).get(0).id());
    }

    @Test
    void malformedCompleteLineIsAnErrorWithItsNumber() throws IOException {
        Path file = tmp.resolve("results.jsonl");
        ResultsFile.append(file, sample("p1"));
        Files.writeString(file, "not json\n", StandardOpenOption.APPEND);
        ResultsFile.append(file, sample("p2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResultsFile.read(file));
        assertTrue(e.getMessage().startsWith(file + ": line 2: malformed result"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        Files.writeString(file, "{\"dataset\":\"x\"}\n");
        assertThrows(IllegalArgumentException.class, () -> ResultsFile.read(file)); // no id
    }

    @Test
    void chainResultFromAnEngineChain() {
        Chain chain = new Chain(3, new int[] {5, 6, 7, 8}, "text #### 4", new float[] {-0.5f, -1.5f, 0f, -2f},
                List.of(), FinishReason.ANSWER_LINE, 2.5);
        ChainResult kept = ChainResult.of(chain, "4", true, true);
        assertEquals(new ChainResult("4", true, 4, 2.5, -1.0, -2.0, -4.0, "text #### 4"), kept);
        assertNull(ChainResult.of(chain, null, false, false).text());
    }

    @Test
    void poolIsCopied() {
        ChainResult c = new ChainResult("1", true, 1, 1, 0, 0, 0, null);
        List<ChainResult> pool = new ArrayList<>(Arrays.asList(c));
        ProblemResult r = new ProblemResult("x", "d", null, "1", null, pool);
        pool.clear();
        assertEquals(1, r.pool().size());
        assertEquals(List.of(), new ProblemResult("y", "d", null, "1", null, null).pool());
    }
}
