package dev.reason.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.reason.cli.CliTest.reason;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Questions decoded together (--concurrent) on the shipped model give what they give one at a time: a question's
 * chains draw from its own random streams, and results are written in the input's order.
 */
class ConcurrentRunsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Twelve held-out arithmetic problems of every length (every 40th of the 500), with ids. */
    private static Path problems(Path tmp) throws IOException {
        List<String> all = Files.readAllLines(CliTest.MODEL.resolve("eval").resolve("arithmetic.jsonl"));
        List<String> some = new ArrayList<>();
        for (int i = 0; i < all.size() && some.size() < 12; i += 40) {
            ObjectNode p = (ObjectNode) JSON.readTree(all.get(i));
            p.put("id", "p" + i);
            some.add(p.toString());
        }
        Path file = tmp.resolve("some.jsonl");
        Files.write(file, some);
        return file;
    }

    /** Fields whose values depend on the schedule: times, and log-probabilities (to the tolerance of batched rows). */
    private static final List<String> LOOSE = List.of("seconds", "meanLogprob", "minLogprob", "sumLogprob",
            "logprob_sum");

    /** The JSON without the fields of {@link #LOOSE}: what must not depend on the schedule at all. */
    private static JsonNode exact(JsonNode row) {
        JsonNode copy = row.deepCopy();
        for (String field : LOOSE) {
            copy.findParents(field).forEach(n -> ((ObjectNode) n).remove(field));
        }
        return copy;
    }

    /** Each log-probability of {@code a} and {@code b}, in the same order, within 1e-4. */
    private static void assertLogprobsClose(JsonNode a, JsonNode b) {
        for (String field : LOOSE.subList(1, LOOSE.size())) {
            List<JsonNode> x = a.findValues(field);
            List<JsonNode> y = b.findValues(field);
            assertEquals(x.size(), y.size(), field);
            for (int i = 0; i < x.size(); i++) {
                assertEquals(x.get(i).asDouble(), y.get(i).asDouble(), 1e-4, field);
            }
        }
    }

    private static List<JsonNode> rows(Path results) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(results)) {
            rows.add(JSON.readTree(line));
        }
        return rows;
    }

    @Test
    void benchWithProblemsDecodedTogetherWritesTheSameSummary(@TempDir Path tmp) throws IOException {
        Path set = problems(tmp);
        Path one = tmp.resolve("one");
        Path eight = tmp.resolve("eight");
        List<String> common = List.of("bench", "--model", CliTest.MODEL.toString(), "--dataset", set.toString(),
                "--samples", "6", "--seed", "3", "--threads", "1");
        CliTest.Run a = reason(concat(common, "--concurrent", "1", "--out", one.toString()));
        CliTest.Run b = reason(concat(common, "--concurrent", "8", "--out", eight.toString()));
        assertEquals(ExitCodes.ANSWERED, a.code(), a.err());
        assertEquals(ExitCodes.ANSWERED, b.code(), b.err());
        assertEquals(Files.readString(one.resolve("summary.json")), Files.readString(eight.resolve("summary.json")));
        List<JsonNode> alone = rows(one.resolve("results.jsonl"));
        List<JsonNode> together = rows(eight.resolve("results.jsonl"));
        assertEquals(alone.size(), together.size());
        for (int i = 0; i < alone.size(); i++) {
            assertEquals(exact(alone.get(i)), exact(together.get(i)), "every chain the same, in the same order");
            assertLogprobsClose(alone.get(i), together.get(i));
        }
    }

    @Test
    void questionsDecodedTogetherGetTheSameAnswersInTheInputsOrder(@TempDir Path tmp) throws IOException {
        Path set = problems(tmp);
        List<String> common = List.of("--model", CliTest.MODEL.toString(), "--questions", set.toString(),
                "--budget", "32x", "--seed", "2", "--threads", "1", "--json");
        CliTest.Run a = reason(concat(common, "--concurrent", "1"));
        CliTest.Run b = reason(concat(common, "--concurrent", "5"));
        assertEquals(a.code(), b.code(), a.err() + b.err());
        String[] alone = a.out().strip().split("\n");
        String[] together = b.out().strip().split("\n");
        assertEquals(12, alone.length);
        assertEquals(12, together.length);
        for (int i = 0; i < alone.length; i++) {
            JsonNode x = JSON.readTree(alone[i]);
            JsonNode y = JSON.readTree(together[i]);
            assertEquals(x.get("id"), y.get("id"), "the input's order");
            assertEquals(x.get("answer"), y.get("answer"), x.get("id").asText());
            assertEquals(exact(x.get("ranking")), exact(y.get("ranking")), x.get("id").asText());
            assertLogprobsClose(x.get("ranking"), y.get("ranking"));
            assertEquals(x.get("tokens"), y.get("tokens"), x.get("id").asText());
        }
        assertTrue(b.err().contains(" s in all"), b.err());
    }

    @Test
    void aBadConcurrencyOrMemorySizeIsOneLine() {
        CliTest.Run zero = reason("--model", CliTest.MODEL.toString(), "--questions", "-", "--concurrent", "0");
        assertEquals(ExitCodes.USAGE, zero.code(), zero.err());
        assertTrue(zero.err().strip().startsWith("reason: --concurrent must be at least 1"), zero.err());
        CliTest.Run size = reason("--model", CliTest.MODEL.toString(), "--questions", "-", "--concurrent", "2",
                "--kv-memory", "lots");
        assertEquals(ExitCodes.USAGE, size.code(), size.err());
        assertTrue(size.err().strip().startsWith("reason: --kv-memory takes a size such as 512m or 2g"), size.err());
    }

    private static String[] concat(List<String> a, String... b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }
}
