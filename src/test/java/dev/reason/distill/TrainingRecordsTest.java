package dev.reason.distill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason.search.SearchResult;
import dev.reason.search.verify.Verifier;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The record of a kept chain: chat messages, then the vote and the run it came from. */
class TrainingRecordsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Selection.Kept kept(int index, String text, Verifier.Verdict verdict) {
        return new Selection.Kept(new SearchResult.ChainReport(index, "79", 9, -0.1, -0.9, -0.4, "eos", "pass", 0, 0.1,
                text), verdict);
    }

    @Test
    void oneLinePerKeptChainInTheChatFormat() throws Exception {
        Selection s = new Selection(List.of(kept(0, "012*007=084, 084-005\n#### 79", Verifier.Verdict.PASS),
                kept(3, "x\n#### 79", Verifier.Verdict.UNKNOWN)), null, 0.75, 6, 8);
        byte[] bytes = new TrainingRecords("reason-mini", "verified", "ac-beta", "32x", 7, null)
                .lines("q1", "What is 12 * 7 - 5?", s, Filter.VOTE);
        String text = new String(bytes, StandardCharsets.UTF_8);
        assertTrue(text.endsWith("\n"), text);
        List<String> lines = text.lines().toList();
        assertEquals(2, lines.size());
        assertEquals("{\"messages\":[{\"role\":\"user\",\"content\":\"What is 12 * 7 - 5?\"},{\"role\":\"assistant\","
                + "\"content\":\"012*007=084, 084-005\\n#### 79\"}],\"id\":\"q1\",\"answer\":\"79\",\"share\":0.75,"
                + "\"votes\":6,\"voters\":8,\"verdict\":\"pass\",\"filter\":\"vote\",\"source\":{\"model\":\"reason-mini\","
                + "\"strategy\":\"verified\",\"stop\":\"ac-beta\",\"budget\":\"32x\",\"seed\":7}}", lines.get(0));
        assertEquals("unknown", JSON.readTree(lines.get(1)).get("verdict").asText());
    }

    @Test
    void aSystemMessageComesFirstAndADroppedQuestionWritesNothing() throws Exception {
        TrainingRecords records = new TrainingRecords("m", "majority", "none", "8x", 0, "Be brief.");
        Selection s = new Selection(List.of(kept(1, "#### 79", Verifier.Verdict.PASS)), null, 1, 1, 1);
        JsonNode messages = JSON.readTree(records.lines("1", "Q?", s, Filter.LABEL)).get("messages");
        assertEquals(3, messages.size());
        assertEquals("system", messages.get(0).get("role").asText());
        assertEquals("Be brief.", messages.get(0).get("content").asText());
        assertEquals("user", messages.get(1).get("role").asText());
        Selection none = new Selection(List.of(), Drop.NO_WINNER, 0.25, 1, 4);
        assertEquals(0, records.lines("2", "Q?", none, Filter.VOTE).length);
    }
}
