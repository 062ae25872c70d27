package dev.reason.serve;

import dev.reason.model.ChatTemplate;
import dev.reason.search.Budget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Reading a chat or a raw prompt's request: the fields taken, the knobs they set, and a 400 that names each field
 * it refuses.
 */
class CompletionRequestTest {
    @Test
    void readsAConversationAndItsKnobs() {
        CompletionRequest r = parse("{\"model\": \"m\", \"messages\": [{\"role\": \"developer\", \"content\": \"Be brief.\"},"
                + " {\"role\": \"user\", \"content\": \"What is 1 + 1?\"}, {\"role\": \"assistant\", \"content\": \"2\"},"
                + " {\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"And 2 + 3?\"}]}],"
                + " \"temperature\": 0.5, \"top_p\": 0.9, \"seed\": 7, \"max_tokens\": 50, \"stop\": [\"\\n\\n\"],"
                + " \"budget\": \"5s,8x\", \"strategy\": \"majority\", \"stop_rule\": \"esc\", \"stream\": true,"
                + " \"stream_options\": {\"include_usage\": true}, \"reason\": {\"chains\": true}, \"user\": \"u\"}");
        assertEquals(List.of(new ChatTemplate.Message("system", "Be brief."),
                new ChatTemplate.Message("user", "What is 1 + 1?"), new ChatTemplate.Message("assistant", "2"),
                new ChatTemplate.Message("user", "And 2 + 3?")), r.messages());
        assertEquals("And 2 + 3?", r.question());
        assertTrue(r.chat());
        assertTrue(r.stream() && r.includeUsage() && r.showChains());
        assertEquals(1, r.n());
        assertEquals(3, parse(user("\"n\": 3")).n());
        Searches.Knobs k = r.knobs();
        assertEquals(0.5f, k.temperature());
        assertEquals(0.9f, k.topP());
        assertEquals(7L, k.seed());
        assertEquals(50, k.maxTokens());
        assertEquals(List.of("\n\n"), k.stops());
        assertEquals(Budget.parse("5s,8x"), k.budget());
        assertEquals("majority", k.strategy());
        assertEquals("esc", k.stopRule());
    }

    @Test
    void reasoningEffortPicksADocumentedBudgetAndNothingLeavesTheServers() {
        assertEquals(Budget.parse("60s,64x"), parse(user("\"reasoning_effort\": \"high\"")).knobs().budget());
        assertEquals(Budget.parse("10s,8x"), parse(user("\"reasoning_effort\": \"low\"")).knobs().budget());
        Searches.Knobs none = parse(user("\"n\": 1")).knobs();
        assertNull(none.budget());
        assertNull(none.temperature());
        assertEquals(List.of(), none.stops());
    }

    @Test
    void eachRefusalNamesItsField() {
        assertRefused(null, "not json");
        assertRefused(null, "[1, 2]");
        assertRefused("messages", "{\"messages\": []}");
        assertRefused("messages", user("\"x\": 1").replace("\"user\"", "\"assistant\""));
        assertRefused("messages[0].role", user("\"x\": 1").replace("\"user\"", "\"tool\""));
        assertRefused("messages[0].content", "{\"messages\": [{\"role\": \"user\", \"content\": 5}]}");
        assertRefused("temperature", user("\"temperature\": 3"));
        assertRefused("top_p", user("\"top_p\": \"high\""));
        assertRefused("seed", user("\"seed\": 1.5"));
        assertRefused("max_tokens", user("\"max_tokens\": 0"));
        assertRefused("n", user("\"n\": 0"));
        assertRefused("n", user("\"n\": 500"));
        assertRefused("stop", user("\"stop\": [\"a\", \"b\", \"c\", \"d\", \"e\"]"));
        assertRefused("stop", user("\"stop\": [\"\"]"));
        assertRefused("budget", user("\"budget\": \"soon\""));
        assertRefused("budget", user("\"budget\": \"4x\", \"reasoning_effort\": \"low\""));
        assertRefused("reasoning_effort", user("\"reasoning_effort\": \"max\""));
        assertRefused("tools", user("\"tools\": [{\"type\": \"function\"}]"));
        assertRefused("logprobs", user("\"logprobs\": true"));
        assertRefused("response_format", user("\"response_format\": {\"type\": \"json_object\"}"));
        assertRefused("stream", user("\"stream\": \"yes\""));
    }

    @Test
    void aRawPromptIsOneStringWithTheSameKnobs() {
        CompletionRequest r = CompletionRequest.text(("{\"prompt\": [\"<|user|>What is 2 + 3?\\n<|assistant|>\"], \"seed\": 3,"
                + " \"budget\": \"4x\", \"max_tokens\": 40, \"echo\": false, \"best_of\": 1}").getBytes(StandardCharsets.UTF_8));
        assertFalse(r.chat());
        assertEquals("<|user|>What is 2 + 3?\n<|assistant|>", r.prompt());
        assertEquals(r.prompt(), r.question());
        assertEquals(List.of(), r.messages());
        assertEquals(3L, r.knobs().seed());
        assertEquals(Budget.parse("4x"), r.knobs().budget());
        assertEquals(40, r.knobs().maxTokens());
    }

    @Test
    void aRawPromptsRefusalsNameTheirFields() {
        for (String prompt : List.of("\"\"", "[\"a\", \"b\"]", "[1, 2, 3]", "5")) {
            assertRefused("prompt", text("{\"prompt\": " + prompt + "}"), prompt);
        }
        assertRefused("prompt", text("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}"), "messages");
        assertRefused("echo", text("{\"prompt\": \"a\", \"echo\": true}"), "echo");
        assertRefused("suffix", text("{\"prompt\": \"a\", \"suffix\": \"b\"}"), "suffix");
        assertRefused("best_of", text("{\"prompt\": \"a\", \"best_of\": 3}"), "best_of");
        assertRefused("logprobs", text("{\"prompt\": \"a\", \"logprobs\": 5}"), "logprobs");
        assertRefused("temperature", text("{\"prompt\": \"a\", \"temperature\": -1}"), "temperature");
    }

    private static String user(String more) {
        return "{\"messages\": [{\"role\": \"user\", \"content\": \"What is 2 + 3?\"}], " + more + "}";
    }

    private static CompletionRequest parse(String json) {
        return CompletionRequest.chat(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads {@code json} as a raw prompt's request, when called. */
    private static Executable text(String json) {
        return () -> CompletionRequest.text(json.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertRefused(String param, String json) {
        assertRefused(param, () -> parse(json), json);
    }

    private static void assertRefused(String param, Executable read, String what) {
        ApiError e = assertThrows(ApiError.class, read, what);
        assertEquals(400, e.status, what);
        assertEquals(param, e.param, what + ": " + e.getMessage());
    }
}
