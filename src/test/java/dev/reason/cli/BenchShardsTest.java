package dev.reason.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A benchmark split into shards that run apart, then merged, is the run without shards: the same summary.json byte
 * for byte, and results.jsonl in its order. A merge refuses, each with one line and an exit code of its own, shards
 * of another run, overlapping shards and missing or unfinished ones.
 */
class BenchShardsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> RUN = List.of("bench", "--model", CliTest.MODEL.toString(), "--dataset",
            "arithmetic", "--limit", "12", "--samples", "4", "--threads", "1");

    @TempDir
    static Path tmp;
    private static Path whole;
    private static final List<Path> SHARDS = new ArrayList<>();

    private static CliTest.Run bench(Path out, String... more) {
        List<String> args = new ArrayList<>(RUN);
        args.addAll(List.of("--out", out.toString()));
        args.addAll(List.of(more));
        return CliTest.reason(args.toArray(String[]::new));
    }

    private static CliTest.Run merge(Path out, Path... dirs) {
        List<String> args = new ArrayList<>(List.of("bench", "merge", out.toString()));
        for (Path d : dirs) {
            args.add(d.toString());
        }
        return CliTest.reason(args.toArray(String[]::new));
    }

    /** The run without shards, and its three shards, each as its own run. */
    @BeforeAll
    static void runTheWholeAndItsShards() {
        whole = tmp.resolve("whole");
        CliTest.Run r = bench(whole);
        assertEquals(ExitCodes.ANSWERED, r.code(), r.err());
        for (int i = 0; i < 3; i++) {
            Path dir = tmp.resolve("shard" + i);
            r = bench(dir, "--shard", i + "/3");
            assertEquals(ExitCodes.ANSWERED, r.code(), r.err());
            SHARDS.add(dir);
        }
    }

    @Test
    void mergedShardsGiveTheSummaryOfTheRunWithoutShards() throws IOException {
        Path out = tmp.resolve("merged");
        CliTest.Run r = merge(out, SHARDS.get(2), SHARDS.get(0), SHARDS.get(1));
        assertEquals(ExitCodes.ANSWERED, r.code(), r.err());
        assertEquals("merge: 3 shards, 12 problems, into " + out, r.err().strip());
        assertEquals(Files.readString(whole.resolve("summary.json")), Files.readString(out.resolve("summary.json")));
        assertEquals(Files.readString(whole.resolve("run.json")), Files.readString(out.resolve("run.json")),
                "the run.json of the run without shards, so --resume works on the merged folder");
        assertEquals(ids(whole), ids(out), "results.jsonl in the run's order");
        for (String file : List.of("report.md", "replay.csv", "summary.csv", "accuracy_vs_samples.png")) {
            assertTrue(Files.exists(out.resolve(file)), file);
        }
    }

    @Test
    void theShardsTakeEveryProblemOnce() throws IOException {
        List<String> all = ids(whole);
        assertEquals(12, all.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            JsonNode shard = JSON.readTree(SHARDS.get(i).resolve("run.json").toFile()).get("shard");
            assertEquals(i, shard.get("index").asInt());
            assertEquals(3, shard.get("count").asInt());
            List<String> mine = ids(SHARDS.get(i));
            assertEquals(4, mine.size());
            for (int n = 0; n < mine.size(); n++) {
                assertEquals(all.get(i + 3 * n), mine.get(n), "position mod 3 == " + i);
                assertEquals(mine.get(n), shard.get("ids").get(n).asText());
                assertTrue(seen.add(mine.get(n)), "once: " + mine.get(n));
            }
        }
        assertEquals(new HashSet<>(all), seen);
    }

    @Test
    void aKilledShardIsRefusedAsUnfinishedThenResumes() throws IOException {
        Path cut = copy(SHARDS.get(1), "cut");
        List<String> lines = Files.readAllLines(cut.resolve("results.jsonl"));
        Files.writeString(cut.resolve("results.jsonl"), lines.get(0) + "\n" + lines.get(1).substring(0, 40));
        Files.delete(cut.resolve("summary.json"));
        assertRefused(merge(tmp.resolve("m-cut"), SHARDS.get(0), cut, SHARDS.get(2)), ExitCodes.SHARDS_MISSING,
                "shard 1/3 in " + cut + " is unfinished: 1 of its 4 problems have results; finish it with --resume");
        CliTest.Run other = bench(cut, "--shard", "2/3", "--resume");
        assertRefused(other, ExitCodes.USAGE, "holds shard 1/3, not shard 2/3: pass --shard 1/3");
        CliTest.Run resumed = bench(cut, "--shard", "1/3", "--resume");
        assertEquals(ExitCodes.ANSWERED, resumed.code(), resumed.err());
        Path out = tmp.resolve("m-resumed");
        CliTest.Run r = merge(out, SHARDS.get(0), cut, SHARDS.get(2));
        assertEquals(ExitCodes.ANSWERED, r.code(), r.err());
        assertEquals(Files.readString(whole.resolve("summary.json")), Files.readString(out.resolve("summary.json")));
    }

    @Test
    void aMergeRefusesShardsOfOtherRunsOverlapsAndGaps() throws IOException {
        record Change(String name, Object was, Object now) {
        }
        String model = CliTest.MODEL.toAbsolutePath().normalize().toString();
        for (Change c : List.of(new Change("seed", 0, 7), new Change("dataset", "arithmetic", "word"),
                new Change("model", model, "/elsewhere/reason-mini"), new Change("samples", 4, 8))) {
            Path other = copy(SHARDS.get(1), "other-" + c.name());
            ObjectNode run = (ObjectNode) JSON.readTree(other.resolve("run.json").toFile());
            run.set(c.name(), JSON.valueToTree(c.now()));
            Files.writeString(other.resolve("run.json"), run.toString());
            assertRefused(merge(tmp.resolve("m1"), SHARDS.get(0), other, SHARDS.get(2)), ExitCodes.SHARDS_OF_OTHER_RUNS,
                    other + " is a shard of another run than " + SHARDS.get(0) + " (" + c.name() + " " + c.was()
                            + ", now " + c.now() + ")");
        }
        Path ofFour = copy(SHARDS.get(1), "of-four");
        ObjectNode run = (ObjectNode) JSON.readTree(ofFour.resolve("run.json").toFile());
        ((ObjectNode) run.get("shard")).put("count", 4);
        Files.writeString(ofFour.resolve("run.json"), run.toString());
        assertRefused(merge(tmp.resolve("m2"), SHARDS.get(0), ofFour), ExitCodes.SHARDS_OF_OTHER_RUNS,
                "is shard 1/4 but " + SHARDS.get(0) + " is one of 3");
        assertRefused(merge(tmp.resolve("m3"), SHARDS.get(0), SHARDS.get(1), SHARDS.get(1), SHARDS.get(2)),
                ExitCodes.SHARDS_OVERLAP, "are both shard 1/3: give each shard once");
        Path stray = copy(SHARDS.get(2), "stray");
        run = (ObjectNode) JSON.readTree(stray.resolve("run.json").toFile());
        String first = ids(SHARDS.get(0)).get(0);
        ((ArrayNode) run.get("shard").get("ids")).set(0, first);
        Files.writeString(stray.resolve("run.json"), run.toString());
        assertRefused(merge(tmp.resolve("m6"), SHARDS.get(0), SHARDS.get(1), stray), ExitCodes.SHARDS_OVERLAP,
                "problem " + first + " is in " + SHARDS.get(0) + " and in " + stray + ": give each shard once");
        assertRefused(merge(tmp.resolve("m4"), SHARDS.get(0)), ExitCodes.SHARDS_MISSING,
                "shards 1/3, 2/3 of " + SHARDS.get(0) + "'s run are missing");
        assertRefused(merge(tmp.resolve("m5"), whole, SHARDS.get(0)), ExitCodes.USAGE,
                whole + " holds a run without --shard");
        assertRefused(merge(whole, SHARDS.get(0), SHARDS.get(1), SHARDS.get(2)), ExitCodes.USAGE,
                "results.jsonl exists: choose another OUT");
        for (String m : List.of("m1", "m2", "m3", "m4", "m5", "m6")) {
            assertFalse(Files.exists(tmp.resolve(m)), m + ": a refused merge writes nothing");
        }
    }

    @Test
    void badShardsAreOneLineAndTheUsageCode() {
        for (String bad : List.of("0/0", "3/2", "x")) {
            assertRefused(bench(tmp.resolve("bad"), "--shard", bad), ExitCodes.USAGE,
                    "--shard takes I/N, shard I of N counted from 0 (0 <= I < N), such as 0/4; not " + bad);
        }
        assertRefused(bench(tmp.resolve("bad"), "--shard", "0/2", "--shards", "2"), ExitCodes.USAGE,
                "--shard 0/2 and --shards 2: give one of them");
        assertFalse(Files.exists(tmp.resolve("bad")));
    }

    private static void assertRefused(CliTest.Run r, int code, String mentions) {
        assertEquals(code, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].startsWith("reason: ") && lines[0].contains(mentions), lines[0]);
    }

    private static List<String> ids(Path dir) throws IOException {
        List<String> ids = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("results.jsonl"))) {
            ids.add(JSON.readTree(line).get("id").asText());
        }
        return ids;
    }

    private static Path copy(Path dir, String name) throws IOException {
        Path to = Files.createDirectories(tmp.resolve(name));
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }
}
