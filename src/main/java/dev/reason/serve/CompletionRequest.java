package dev.reason.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason.model.ChatTemplate;
import dev.reason.search.Budget;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A {@code POST /v1/chat/completions} or {@code POST /v1/completions} body, read and checked: each field of the wrong
 * type or out of range is a 400 that names it. Fields of OpenAI's that change nothing here (user, metadata, store)
 * are ignored; those that would change the reply in a way this server cannot honour (tools, logprobs, echo, suffix)
 * are refused.
 *
 * @param messages     a chat's conversation; empty for a raw prompt
 * @param prompt       a raw prompt, sent as written without the chat template; null for a chat
 * @param question     the last user message, or the raw prompt: what the verifiers check the chains against
 * @param n            choices in the reply: the search's best chains
 * @param showChains   {@code "reason": {"chains": true}}: the reply lists every chain
 * @param includeUsage {@code stream_options.include_usage}: a stream ends with a usage chunk
 */
record CompletionRequest(String model, List<ChatTemplate.Message> messages, String prompt, String question, int n,
                         boolean stream, boolean includeUsage, boolean showChains, Searches.Knobs knobs) {

    /** reasoning_effort's budgets: samples, with a time cap each, as docs/cli.md lists them. */
    static final Map<String, String> EFFORT = Map.of("low", "10s,8x", "medium", "30s,32x", "high", "60s,64x");

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final int MOST_STOPS = 4;
    private static final int MOST_CHOICES = 128;

    /** Whether it is a chat (messages through the chat template) rather than a raw prompt. */
    boolean chat() {
        return prompt == null;
    }

    /** A chat completion's body: {@code messages}, whose last is the user's. */
    static CompletionRequest chat(byte[] body) {
        JsonNode root = root(body, "\"messages\"");
        List<ChatTemplate.Message> messages = messages(root.get("messages"));
        ChatTemplate.Message last = messages.get(messages.size() - 1);
        if (!last.role().equals("user")) {
            throw ApiError.badRequest("messages", "the last message must be the user's: the server answers it");
        }
        return read(root, messages, null, last.content());
    }

    /** A completion's body: one raw {@code prompt}, a string or an array of one string. */
    static CompletionRequest text(byte[] body) {
        JsonNode root = root(body, "\"prompt\"");
        if (bool(root, "echo")) {
            throw ApiError.badRequest("echo", "echo is not supported: the reply is the text after the prompt");
        }
        if (text(root, "suffix") != null) {
            throw ApiError.badRequest("suffix", "suffix is not supported: the model writes after the prompt only");
        }
        Integer bestOf = integer(root, "best_of", 1, MOST_CHOICES);
        if (bestOf != null && bestOf > 1) {
            throw ApiError.badRequest("best_of", "best_of above 1 is not supported: the search's budget decides"
                    + " how many chains it samples");
        }
        JsonNode p = root.get("prompt");
        if (p != null && p.isArray() && p.size() == 1) {
            p = p.get(0);
        }
        if (p == null || !p.isTextual() || p.asText().isEmpty()) {
            throw ApiError.badRequest("prompt", "prompt must be one non-empty string: send one request per prompt");
        }
        return read(root, List.of(), p.asText(), p.asText());
    }

    private static JsonNode root(byte[] body, String wanted) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest(null, "the body is not valid JSON: "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw ApiError.badRequest(null, "the body could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiError.badRequest(null, "the body must be a JSON object with \"model\" and " + wanted);
        }
        refuseUnsupported(root);
        return root;
    }

    private static CompletionRequest read(JsonNode root, List<ChatTemplate.Message> messages, String prompt,
                                          String question) {
        JsonNode options = root.path("stream_options");
        JsonNode reason = root.path("reason");
        Integer n = integer(root, "n", 1, MOST_CHOICES);
        return new CompletionRequest(text(root, "model"), messages, prompt, question, n == null ? 1 : n,
                bool(root, "stream"),
                options.isObject() && bool(options, "include_usage"), reason.isObject() && bool(reason, "chains"),
                knobs(root));
    }

    private static void refuseUnsupported(JsonNode root) {
        for (String field : List.of("tools", "functions")) {
            JsonNode f = root.get(field);
            if (f != null && !f.isNull() && !(f.isArray() && f.isEmpty())) {
                throw ApiError.badRequest(field, field + " is not supported: the model answers in text only");
            }
        }
        if (root.path("logprobs").asBoolean(false)) {
            throw ApiError.badRequest("logprobs", "logprobs is not supported: the reply comes from many chains;"
                    + " \"reason\": {\"chains\": true} lists each chain's mean log-probability");
        }
        JsonNode format = root.path("response_format").path("type");
        if (!format.isMissingNode() && !format.asText().equals("text")) {
            throw ApiError.badRequest("response_format", "response_format " + format.asText()
                    + " is not supported: only text");
        }
    }

    private static List<ChatTemplate.Message> messages(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw ApiError.badRequest("messages", "messages must be a non-empty array of {\"role\", \"content\"}");
        }
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode m = node.get(i);
            String param = "messages[" + i + "]";
            if (!m.isObject()) {
                throw ApiError.badRequest(param, param + " must be an object with \"role\" and \"content\"");
            }
            String role = m.path("role").asText("");
            role = role.equals("developer") ? "system" : role;  // OpenAI's newer name for the system message
            if (!List.of("system", "user", "assistant").contains(role)) {
                throw ApiError.badRequest(param + ".role", "role " + m.path("role") + " is not supported: use"
                        + " system, user or assistant");
            }
            out.add(new ChatTemplate.Message(role, content(m.get("content"), param + ".content")));
        }
        return out;
    }

    /** A message's text: a string, or an array of {"type": "text", "text"} parts joined. */
    private static String content(JsonNode node, String param) {
        if (node != null && node.isTextual()) {
            return node.asText();
        }
        if (node != null && node.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : node) {
                if (!part.path("type").asText().equals("text") || !part.path("text").isTextual()) {
                    throw ApiError.badRequest(param, "only text parts are supported: {\"type\": \"text\", \"text\": ...}");
                }
                text.append(part.get("text").asText());
            }
            return text.toString();
        }
        throw ApiError.badRequest(param, param + " must be a string or an array of text parts");
    }

    private static Searches.Knobs knobs(JsonNode root) {
        Integer maxTokens = integer(root, "max_completion_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens == null) {
            maxTokens = integer(root, "max_tokens", 1, Integer.MAX_VALUE);
        }
        JsonNode seed = root.get("seed");
        if (seed != null && !seed.isNull() && !(seed.isIntegralNumber() && seed.canConvertToLong())) {
            throw ApiError.badRequest("seed", "seed must be an integer");
        }
        Float topP = number(root, "top_p", 0, 1);
        if (topP != null && topP == 0) {
            throw ApiError.badRequest("top_p", "top_p must be above 0: it keeps the likeliest tokens up to that mass");
        }
        return new Searches.Knobs(number(root, "temperature", 0, 2), topP,
                number(root, "presence_penalty", -2, 2), number(root, "frequency_penalty", -2, 2),
                seed == null || seed.isNull() ? null : seed.asLong(), maxTokens, stops(root.get("stop")),
                budget(root), text(root, "strategy"), text(root, "stop_rule"));
    }

    /** {@code budget} ("30s,16x"), else {@code reasoning_effort}'s; null: the server's --budget. */
    private static Budget budget(JsonNode root) {
        String spec = text(root, "budget");
        String effort = text(root, "reasoning_effort");
        if (spec != null && effort != null) {
            throw ApiError.badRequest("budget", "give budget or reasoning_effort, not both");
        }
        if (effort != null) {
            String mapped = EFFORT.get(effort.toLowerCase(Locale.ROOT));
            if (mapped == null) {
                throw ApiError.badRequest("reasoning_effort", "reasoning_effort is low, medium or high, not " + effort);
            }
            return Budget.parse(mapped);
        }
        if (spec == null) {
            return null;
        }
        try {
            return Budget.parse(spec);
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("budget", e.getMessage());
        }
    }

    private static List<String> stops(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (node.isTextual()) {
            out.add(node.asText());
        } else if (node.isArray() && node.size() <= MOST_STOPS) {
            node.forEach(s -> out.add(s.isTextual() ? s.asText() : ""));
        } else {
            throw ApiError.badRequest("stop", "stop must be a string or an array of up to " + MOST_STOPS + " strings");
        }
        if (out.contains("")) {
            throw ApiError.badRequest("stop", "each stop must be a non-empty string");
        }
        return out;
    }

    private static String text(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw ApiError.badRequest(field, field + " must be a string");
        }
        return n.asText();
    }

    private static boolean bool(JsonNode root, String field) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return false;
        }
        if (!n.isBoolean()) {
            throw ApiError.badRequest(field, field + " must be true or false");
        }
        return n.asBoolean();
    }

    private static Float number(JsonNode root, String field, double min, double max) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isNumber() || n.asDouble() < min || n.asDouble() > max) {
            throw ApiError.badRequest(field, field + " must be a number from " + fmt(min) + " to " + fmt(max));
        }
        return (float) n.asDouble();
    }

    private static Integer integer(JsonNode root, String field, int min, int max) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < min || n.asInt() > max) {
            String range = max == Integer.MAX_VALUE ? "of at least " + min : "from " + min + " to " + max;
            throw ApiError.badRequest(field, field + " must be an integer " + range);
        }
        return n.asInt();
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
