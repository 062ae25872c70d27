package dev.reason.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code reason distill} with the shipped model: the records' shape, a killed run resumed to the same bytes, Ctrl-C,
 * and one line and an exit code for each bad input.
 */
class DistillCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String QUESTIONS = "What is 47 + 38 * 2 - 19?\n"
            + "What is 12 * 7 - 5?\n"
            + "{\"id\": \"c\", \"question\": \"What is 96 - 14 * 3?\", \"answer\": \"54\"}\n"
            + "What is 2 + 3?\n";

    @TempDir
    static Path shared;
    private static Path questions;
    private static Path full;
    private static CliTest.Run fullRun;

    @TempDir
    Path tmp;

    /** Runs distill with the shipped model on the CPU, one thread, 8 samples a question. */
    private static CliTest.Run distill(Path questionsFile, Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("distill", "--model", CliTest.MODEL.toString(), "--device", "cpu",
                "--threads", "1", "--budget", "8x", "--questions", questionsFile.toString(), "--out", out.toString()));
        args.addAll(Arrays.asList(more));
        return CliTest.reason(args.toArray(String[]::new));
    }

    @BeforeAll
    static void runOnce() throws IOException {
        questions = shared.resolve("questions.jsonl");
        Files.writeString(questions, QUESTIONS);
        full = shared.resolve("full.jsonl");
        fullRun = distill(questions, full);
    }

    @Test
    void writesOneChatRecordPerKeptChain() throws IOException {
        assertEquals(ExitCodes.ANSWERED, fullRun.code(), fullRun.err());
        List<String> lines = Files.readAllLines(full);
        assertFalse(lines.isEmpty(), fullRun.err());
        List<String> ids = new ArrayList<>();
        for (String line : lines) {
            JsonNode r = JSON.readTree(line);
            List<String> keys = new ArrayList<>();
            r.fieldNames().forEachRemaining(keys::add);
            assertEquals(List.of("messages", "id", "answer", "share", "votes", "voters", "verdict", "filter", "source"),
                    keys);
            JsonNode messages = r.get("messages");
            assertEquals(2, messages.size());
            assertEquals("user", messages.get(0).get("role").asText());
            assertEquals("assistant", messages.get(1).get("role").asText());
            String text = messages.get(1).get("content").asText();
            assertTrue(text.endsWith("#### " + r.get("answer").asText()), text);
            assertFalse(text.contains("<|"), "no end token: " + text);
            assertTrue(r.get("share").asDouble() >= 0.5, line);
            assertTrue(r.get("votes").asInt() <= r.get("voters").asInt(), line);
            assertEquals("pass", r.get("verdict").asText());  // the questions are expressions: the check applies
            assertEquals("vote", r.get("filter").asText());
            assertEquals("{\"model\":\"reason-mini\",\"strategy\":\"verified\",\"stop\":\"ac-beta\",\"budget\":\"8x\","
                    + "\"seed\":0}", r.get("source").toString());
            ids.add(r.get("id").asText());
        }
        assertEquals(List.of("1", "2", "c", "4"), ids.stream().distinct().toList());
        assertEquals("What is 2 + 3?", JSON.readTree(lines.get(lines.size() - 1)).get("messages").get(0)
                .get("content").asText());
        List<String> progress = Files.readAllLines(shared.resolve("full.jsonl.progress"));
        assertEquals(6, progress.size(), String.join("\n", progress));  // settings, 4 questions, summary
        assertTrue(progress.get(4).startsWith("{\"id\":\"4\",\"kept\":"), progress.get(4));
        String summary = fullRun.err().lines().filter(l -> l.startsWith("distill: ")).findFirst().orElse("");
        assertTrue(summary.matches("distill: 4 questions, " + lines.size() + " chains kept from 4 questions; dropped:"
                + " none; [\\d,]+ tokens \\([\\d,]+ a question\\), [\\d.]+ s"), fullRun.err());
    }

    /** The vote behind each record is the one reason --questions --json reports with the same options. */
    @Test
    void theSearchIsTheOneReasonQuestionsRuns() throws IOException {
        CliTest.Run asked = CliTest.reason("--model", CliTest.MODEL.toString(), "--device", "cpu", "--threads", "1",
                "--budget", "8x", "--json", "--questions", questions.toString());
        Map<String, JsonNode> byId = new HashMap<>();
        for (String line : asked.out().lines().toList()) {
            JsonNode n = JSON.readTree(line);
            byId.put(n.get("id").asText(), n);
        }
        for (String line : Files.readAllLines(full)) {
            JsonNode r = JSON.readTree(line);
            JsonNode a = byId.get(r.get("id").asText());
            assertEquals(a.get("answer").asText(), r.get("answer").asText(), line);
            assertEquals(a.get("votes").asInt(), r.get("votes").asInt(), line);
            assertEquals(a.get("voted_chains").asInt(), r.get("voters").asInt(), line);
            String text = r.get("messages").get(1).get("content").asText();
            boolean found = false;
            for (JsonNode c : a.get("chains")) {
                found |= c.get("text").asText().equals(text);
            }
            assertTrue(found, "a chain of the search: " + text);
        }
    }

    @Test
    void aKilledRunResumesToTheSameBytes() throws IOException {
        byte[] whole = Files.readAllBytes(full);
        List<String> progress = Files.readAllLines(shared.resolve("full.jsonl.progress"));
        long firstEnd = JSON.readTree(progress.get(1)).get("end").asLong();
        int nextLine = new String(whole, StandardCharsets.UTF_8).indexOf('\n', (int) firstEnd);
        assertTrue(nextLine > firstEnd, "the second question kept a chain");
        Path out = tmp.resolve("out.jsonl");
        // killed while writing the second question's records: half its first line, and no progress line for it
        Files.write(out, Arrays.copyOf(whole, (int) (firstEnd + (nextLine - firstEnd) / 2)));
        Files.writeString(tmp.resolve("out.jsonl.progress"), progress.get(0) + "\n" + progress.get(1) + "\n");
        CliTest.Run r = distill(questions, out, "--resume");
        assertEquals(ExitCodes.ANSWERED, r.code(), r.err());
        assertArrayEquals(whole, Files.readAllBytes(out));
        assertTrue(r.err().contains("distill: 4 questions, "), r.err());
    }

    /** Each question's search is seeded by --seed alone, so a shard keeps the records the whole run kept of it. */
    @Test
    void aShardKeepsTheWholeRunsRecordsOfItsQuestions() throws IOException {
        Path out = tmp.resolve("shard.jsonl");
        CliTest.Run r = distill(questions, out, "--shard", "1/2");
        assertEquals(ExitCodes.ANSWERED, r.code(), r.err());
        assertTrue(r.err().contains("distill: 2 questions, "), r.err());
        List<String> mine = new ArrayList<>();
        for (String line : Files.readAllLines(full)) {
            if (List.of("2", "4").contains(JSON.readTree(line).get("id").asText())) {
                mine.add(line);
            }
        }
        assertEquals(mine, Files.readAllLines(out), "questions 2 and 4: positions 1 and 3");
        assertTrue(Files.readString(tmp.resolve("shard.jsonl.progress")).contains("\"shard\":\"1/2\""));
        assertOneLine(distill(questions, out, "--resume"), ExitCodes.USAGE, "other settings (shard \"1/2\", now unset)");
    }

    @Test
    void theLabelFilterSkipsAndNamesLinesItCannotUse() throws IOException {
        Path file = tmp.resolve("labelled.jsonl");
        Files.writeString(file, "{\"question\": \"What is 12 * 7 - 5?\", \"answer\": 79}\n"
                + "What is 47 + 38 * 2 - 19?\n"
                + "{oops\n"
                + "{\"id\": \"w\", \"question\": \"What is 96 - 14 * 3?\", \"answer\": \"55\"}\n");
        Path out = tmp.resolve("labelled.out.jsonl");
        CliTest.Run r = distill(file, out, "--filter", "label", "--keep", "1");
        assertEquals(ExitCodes.BAD_QUESTION, r.code(), r.err());
        assertTrue(r.err().contains("reason: question 2: no \"answer\" to grade against (--filter label); skipped"), r.err());
        assertTrue(r.err().contains("reason: question 3: a line starting with { must be a JSON object"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace");
        List<String> lines = Files.readAllLines(out);
        assertEquals(1, lines.size());  // --keep 1; question w's answer is wrong, so it keeps none
        JsonNode record = JSON.readTree(lines.get(0));
        assertEquals("1", record.get("id").asText());
        assertEquals("79", record.get("answer").asText());
        assertEquals("label", record.get("filter").asText());
        assertTrue(r.err().contains("dropped: 2 skipped, 1 wrong (label)"), r.err());
    }

    @Test
    void badInputGetsOneLineAndAnExitCode() throws IOException {
        Path empty = Files.createFile(tmp.resolve("empty.txt"));
        assertOneLine(distill(empty, tmp.resolve("o1.jsonl")), ExitCodes.USAGE, "is empty");
        Path blank = Files.writeString(tmp.resolve("blank.txt"), "\n  \n\n");
        assertOneLine(distill(blank, tmp.resolve("o2.jsonl")), ExitCodes.USAGE, "holds no question");
        Path broken = Files.writeString(tmp.resolve("broken.jsonl"), "{\"q\": 1}\n");
        assertOneLine(distill(broken, tmp.resolve("o3.jsonl")), ExitCodes.USAGE, "holds no question");
        Path latin1 = Files.write(tmp.resolve("latin1.txt"), "What is 5 \u00d7 7?\n".getBytes(StandardCharsets.ISO_8859_1));
        assertOneLine(distill(latin1, tmp.resolve("o4.jsonl")), ExitCodes.USAGE, "is not UTF-8");
        assertOneLine(distill(tmp.resolve("missing.txt"), tmp.resolve("o5.jsonl")), ExitCodes.USAGE, "no such file");
        Path plain = Files.writeString(tmp.resolve("plain.txt"), "What is 12 * 7 - 5?\n");
        assertOneLine(distill(plain, tmp.resolve("o6.jsonl"), "--filter", "label"), ExitCodes.USAGE, "--filter label");
        assertOneLine(distill(plain, tmp.resolve("o7.jsonl"), "--filter", "best"), ExitCodes.USAGE, "--filter is vote or label");
        assertOneLine(distill(plain, tmp.resolve("o8.jsonl"), "--min-share", "1.5"), ExitCodes.USAGE, "--min-share");
        assertOneLine(distill(plain, tmp.resolve("o9.jsonl"), "--keep", "0"), ExitCodes.USAGE, "--keep must be at least 1");
        assertOneLine(distill(plain, tmp.resolve("o10.jsonl"), "--stop", "soon"), ExitCodes.USAGE, "unknown --stop");
        Path existing = Files.writeString(tmp.resolve("existing.jsonl"), "");
        assertOneLine(distill(plain, existing), ExitCodes.USAGE, "pass --resume");
        assertOneLine(distill(questions, shared.resolve("full.jsonl"), "--resume", "--keep", "2"), ExitCodes.USAGE,
                "other settings (keep 4, now 2)");
        assertOneLine(distill(plain, shared.resolve("full.jsonl"), "--resume"), ExitCodes.USAGE, "other settings");
        for (String name : new String[] {"o1.jsonl", "o4.jsonl", "o6.jsonl", "o8.jsonl"}) {
            assertFalse(Files.exists(tmp.resolve(name)), name + " is written only by a run that starts");
        }
    }

    @Test
    void helpRendersWithoutFormatWarnings() {
        PrintStream stderr = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        CliTest.Run r;
        try {
            System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
            r = CliTest.reason("distill", "--help");
        } finally {
            System.setErr(stderr);
        }
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("Usage: reason distill"), r.out());
        assertTrue(r.out().contains("--min-share=S") && r.out().contains("--filter=vote|label"), r.out());
        assertTrue(r.out().contains("5    some lines were skipped"), r.out());
        assertEquals("", warnings.toString(StandardCharsets.UTF_8));
    }

    /** Ctrl-C ends the run after the question under way, with its records kept; --resume does the rest. */
    @Test
    void sigintStopsAfterTheQuestionUnderWayAndResumeFinishes() throws Exception {
        int count = 10;
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < count; i++) {
            many.append("What is ").append(10 + i).append(" * 7 - 5?\n");
        }
        Path file = Files.writeString(tmp.resolve("many.txt"), many);
        Path out = tmp.resolve("many.jsonl");
        Path progress = tmp.resolve("many.jsonl.progress");
        Path log = tmp.resolve("stderr.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "distill", "--model",
                CliTest.MODEL.toString(), "--device", "cpu", "--threads", "1", "--budget", "8x", "--parallel", "4",
                "--questions", file.toString(), "--out", out.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (lines(progress) < 2 && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the run ended before it could be interrupted:\n" + Files.readString(log));
        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "SIGINT did not end the run");
        String stderr = Files.readString(log);
        assertEquals(ExitCodes.INTERRUPTED, p.exitValue(), stderr);
        assertTrue(stderr.contains("rerun with --resume to go on"), stderr);
        long done = lines(progress) - 2;  // less the settings and the summary
        assertTrue(done >= 1 && done < count, done + " questions done:\n" + stderr);

        CliTest.Run r = CliTest.reason("distill", "--model", CliTest.MODEL.toString(), "--device", "cpu", "--threads",
                "1", "--budget", "8x", "--parallel", "4", "--questions", file.toString(), "--out", out.toString(),
                "--resume");
        assertEquals(ExitCodes.ANSWERED, r.code(), r.err());
        List<String> ids = new ArrayList<>();
        for (String line : Files.readAllLines(progress)) {
            JsonNode n = JSON.readTree(line);
            if (n.has("id")) {
                ids.add(n.get("id").asText());
            }
        }
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            expected.add(String.valueOf(i));
        }
        assertEquals(expected, ids, "every question once, in order");
        Iterator<String> records = Files.readAllLines(out).iterator();
        int previous = 0;
        while (records.hasNext()) {
            int id = Integer.parseInt(JSON.readTree(records.next()).get("id").asText());
            assertTrue(id >= previous, "records in question order");
            previous = id;
        }
    }

    private static void assertOneLine(CliTest.Run r, int code, String mentions) {
        assertEquals(code, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, "one line expected, got: " + r.err());
        assertTrue(lines[0].startsWith("reason: ") && lines[0].contains(mentions), lines[0] + " should mention " + mentions);
    }

    private static long lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }
}
