package dev.reason.distill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OUT and its progress file: what a resumed run finds finished, and what it refuses. */
class RunFilesTest {
    @TempDir
    Path tmp;

    private static Map<String, Object> settings(String budget) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("budget", budget);
        s.put("seed", 0L);
        s.put("min_share", 0.5);
        s.put("system", null);
        return s;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Three questions: two records, none (dropped), one record. */
    private Path threeQuestions() throws IOException {
        Path out = tmp.resolve("sub/out.jsonl");
        RunFiles files = RunFiles.open(out, settings("8x"), false);
        files.add("a", bytes("{\"a\":1}\n{\"a\":2}\n"), 2, null, null, 10, 0.5);
        files.add("b", new byte[0], 0, Drop.NO_WINNER, null, 20, 0.25);
        files.add("c", bytes("{\"c\":1}\n"), 1, null, null, 30, 0.25);
        return out;
    }

    @Test
    void recordsEachQuestionWithOutsLengthAfterIt() throws IOException {
        Path out = threeQuestions();
        assertEquals("{\"a\":1}\n{\"a\":2}\n{\"c\":1}\n", Files.readString(out));
        List<String> progress = Files.readAllLines(RunFiles.progressFile(out));
        assertEquals("{\"settings\":{\"budget\":\"8x\",\"seed\":0,\"min_share\":0.5,\"system\":null}}", progress.get(0));
        assertEquals("{\"id\":\"b\",\"kept\":0,\"dropped\":\"no_winner\",\"end\":16,\"tokens\":20,\"seconds\":0.25}",
                progress.get(2));
        List<RunFiles.Entry> finished = RunFiles.open(out, settings("8x"), true).finished();
        assertEquals(List.of("a", "b", "c"), finished.stream().map(RunFiles.Entry::id).toList());
        assertEquals(Drop.NO_WINNER, finished.get(1).dropped());
        assertEquals(24, finished.get(2).end());
    }

    @Test
    void resumingCutsATornLineAndForgetsQuestionsWhoseRecordsAreGone() throws IOException {
        Path out = threeQuestions();
        Files.write(out, bytes("{\"a\":1}\n{\"a\":2}\n{\"c\""));  // killed while writing c's record
        RunFiles files = RunFiles.open(out, settings("8x"), true);
        assertEquals(List.of("a", "b"), files.finished().stream().map(RunFiles.Entry::id).toList());
        assertEquals("{\"a\":1}\n{\"a\":2}\n", Files.readString(out));
        files.add("c", bytes("{\"c\":2}\n"), 1, null, null, 30, 0.25);
        assertEquals("{\"a\":1}\n{\"a\":2}\n{\"c\":2}\n", Files.readString(out));
        assertEquals(List.of("a", "b", "c"), RunFiles.open(out, settings("8x"), true).finished().stream()
                .map(RunFiles.Entry::id).toList());
    }

    @Test
    void recordsWithoutTheirProgressLineAreCutAndATornProgressLineIsIgnored() throws IOException {
        Path out = threeQuestions();
        Path progress = RunFiles.progressFile(out);
        List<String> lines = Files.readAllLines(progress);
        // killed after c's records, while writing its progress line
        Files.writeString(progress, String.join("\n", lines.subList(0, 3)) + "\n{\"id\":\"c\",\"ke");
        RunFiles files = RunFiles.open(out, settings("8x"), true);
        assertEquals(2, files.finished().size());
        assertEquals("{\"a\":1}\n{\"a\":2}\n", Files.readString(out));
        assertEquals(3, Files.readAllLines(progress).size());
    }

    @Test
    void refusesAnExistingOutWithoutResumeOrWithOtherSettings() throws IOException {
        Path out = threeQuestions();
        IllegalArgumentException exists = assertThrows(IllegalArgumentException.class,
                () -> RunFiles.open(out, settings("8x"), false));
        assertTrue(exists.getMessage().contains("pass --resume"), exists.getMessage());
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> RunFiles.open(out, settings("16x"), true));
        assertTrue(other.getMessage().contains("budget \"8x\", now \"16x\""), other.getMessage());
        Files.delete(RunFiles.progressFile(out));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> RunFiles.open(out, settings("8x"), true));
        assertTrue(unknown.getMessage().contains("out.jsonl.progress"), unknown.getMessage());
    }

    @Test
    void resumeWithNothingThereStartsAfresh() throws IOException {
        Path out = tmp.resolve("new.jsonl");
        assertTrue(RunFiles.open(out, settings("8x"), true).finished().isEmpty());
        assertEquals(0, Files.size(out));
    }

    @Test
    void theTallyCountsKeptChainsDropsAndCost() throws IOException {
        Path out = threeQuestions();
        RunFiles files = RunFiles.open(out, settings("8x"), true);
        Tally tally = new Tally();
        files.finished().forEach(tally::add);
        tally.add(files.add("d", new byte[0], 0, Drop.SKIPPED, "the question is empty", 0, 0));
        assertEquals("distill: 4 questions, 3 chains kept from 2 questions; dropped: 1 skipped, 1 no winner above"
                + " --min-share; 60 tokens (20 a question), 1.0 s", tally.line());
        assertEquals(Map.of("skipped", 1, "no_winner", 1), tally.toMap().get("dropped"));
        files.summary(tally.toMap());
        assertEquals(4, RunFiles.open(out, settings("8x"), true).finished().size());  // a summary line is no question
    }
}
