package dev.reason.cli;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.ReasoningEffort;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code reason serve} as a process on a free port with the shipped model, driven by OpenAI's official Java client:
 * a chat completion, a stream, the extension fields, the errors as the client's exceptions, the key, a client that
 * goes away, /health and /metrics, and SIGTERM.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServeTest {
    private static final String KEY = "sk-serve-test";
    /** "What is 2 + 3?" as the shipped model's chat template writes it. */
    private static final String RAW_PROMPT = "<s><|user|>What is 2 + 3?\n<|assistant|>";

    @TempDir
    static Path tmp;
    private static ServeProcess server;
    private static OpenAIClient client;

    /** One search at a time, one request queued: so a third is refused. */
    @BeforeAll
    static void startServer() throws Exception {
        server = start(tmp.resolve("serve.log"), "--queue", "1", "--concurrent", "1");
        client = client(KEY);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private static ServeProcess start(Path log, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--threads", "1", "--parallel", "4", "--budget", "4x",
                "--max-budget", "30s,8x", "--api-key", KEY));
        all.addAll(List.of(args));
        return ServeProcess.start(log, all.toArray(String[]::new));
    }

    private static OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(server.base + "/v1").apiKey(key).maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build();
    }

    @Test
    void answersTwoPlusThreeWithTheVoteInItsExtension() {
        ChatCompletion c = client.chat().completions().create(ask()
                .putAdditionalBodyProperty("budget", JsonValue.from("4x"))
                .putAdditionalBodyProperty("reason", JsonValue.from(Map.of("chains", true)))
                .build());
        String content = c.choices().get(0).message().content().orElseThrow();
        assertTrue(content.endsWith("#### 5"), content);
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, c.choices().get(0).finishReason());
        Map<?, ?> reason = c._additionalProperties().get("reason").convert(Map.class);
        assertEquals("5", reason.get("answer"), reason.toString());
        assertEquals("30s,4x", reason.get("budget"), "the time limit of --max-budget is added");
        List<?> votes = (List<?>) reason.get("votes");
        assertEquals("5", ((Map<?, ?>) votes.get(0)).get("answer"), votes.toString());
        List<?> chains = (List<?>) reason.get("chains");
        assertTrue(chains.size() >= 1 && chains.size() <= 4, chains.toString());
        long chainTokens = chains.stream().mapToLong(ch -> ((Number) ((Map<?, ?>) ch).get("tokens")).longValue()).sum();
        var usage = c.usage().orElseThrow();
        // every chain's tokens, with the end token that each drew but its text leaves out
        assertTrue(usage.completionTokens() >= chainTokens && usage.completionTokens() <= chainTokens + chains.size(),
                usage.completionTokens() + " completion tokens, chains of " + chainTokens);
        long answerTokens = usage.completionTokens() - usage.completionTokensDetails().orElseThrow()
                .reasoningTokens().orElseThrow();
        assertTrue(answerTokens > 0 && answerTokens < usage.completionTokens(), usage.toString());
        assertTrue(usage.promptTokens() > 0, usage.toString());
    }

    @Test
    void streamsEachChainThenTheAnswerThenTheUsage() {
        ChatCompletionCreateParams params = ask()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
                .reasoningEffort(ReasoningEffort.LOW)
                .putAdditionalBodyProperty("stop_rule", JsonValue.from("none"))
                .build();
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            chunks = stream.stream().toList();
        }
        StringBuilder reasoning = new StringBuilder();
        StringBuilder content = new StringBuilder();
        for (ChatCompletionChunk chunk : chunks) {
            for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                JsonValue r = choice.delta()._additionalProperties().get("reasoning_content");
                if (r != null) {
                    reasoning.append(r.convert(String.class));
                }
                choice.delta().content().ifPresent(content::append);
            }
        }
        // low effort is 8 samples and the rule "none" waits for all of them
        assertEquals(8, reasoning.toString().lines().filter(l -> l.startsWith("chain ")).count(), reasoning.toString());
        assertTrue(reasoning.toString().contains("vote: 5 ×"), reasoning.toString());
        assertTrue(content.toString().endsWith("#### 5"), content.toString());
        Map<?, ?> progress = chunks.get(1)._additionalProperties().get("reason").convert(Map.class);
        assertEquals(1, ((List<?>) progress.get("chains")).size(), "each progress chunk carries its new chain: " + progress);
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertTrue(last.choices().isEmpty(), "the usage chunk has no choices");
        assertTrue(last.usage().orElseThrow().completionTokens() > 0);
        ChatCompletionChunk finish = chunks.get(chunks.size() - 2);
        assertEquals(ChatCompletionChunk.Choice.FinishReason.STOP, finish.choices().get(0).finishReason().orElseThrow());
        Map<?, ?> reason = finish._additionalProperties().get("reason").convert(Map.class);
        assertEquals("5", reason.get("answer"));
        assertEquals("none", reason.get("stop_rule"));
        assertEquals("10s,8x", reason.get("budget"));
    }

    @Test
    void aRawPromptIsCompletedAsWrittenWithinTheServersMostBudget() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model("reason-mini")
                .prompt(RAW_PROMPT).putAdditionalBodyProperty("budget", JsonValue.from("500x")).build());
        assertEquals("text_completion", c._object_().convert(String.class));
        assertTrue(c.choices().get(0).text().endsWith("#### 5"), c.choices().get(0).text());
        assertEquals(CompletionChoice.FinishReason.STOP, c.choices().get(0).finishReason());
        Map<?, ?> reason = c._additionalProperties().get("reason").convert(Map.class);
        assertEquals("5", reason.get("answer"));
        assertEquals("30s,8x", reason.get("budget"), "the request's 500 samples held to --max-budget");

        StringBuilder text = new StringBuilder();
        List<Completion> chunks;
        try (StreamResponse<Completion> stream = client.completions().createStreaming(CompletionCreateParams.builder()
                .model("reason-mini").prompt(RAW_PROMPT).streamOptions(ChatCompletionStreamOptions.builder()
                        .includeUsage(true).build()).build())) {
            chunks = stream.stream().toList();
        }
        chunks.forEach(chunk -> chunk.choices().forEach(choice -> text.append(choice.text())));
        assertTrue(text.toString().endsWith("#### 5"), text.toString());
        assertTrue(chunks.get(0)._additionalProperties().containsKey("reason"), "the first chunk is a finished chain");
        assertTrue(chunks.get(chunks.size() - 1).usage().orElseThrow().completionTokens() > 0);
    }

    /** n choices are the best chains of one search, as a reply and as a stream; the search is counted once. */
    @Test
    void nChoicesAreTheBestChainsOfOneSearch() {
        ChatCompletion c = client.chat().completions().create(ask().n(3)
                .putAdditionalBodyProperty("budget", JsonValue.from("4x"))
                .putAdditionalBodyProperty("stop_rule", JsonValue.from("none")).build());
        assertEquals(List.of(0L, 1L, 2L), c.choices().stream().map(ChatCompletion.Choice::index).toList());
        assertTrue(c.choices().get(0).message().content().orElseThrow().endsWith("#### 5"), c.choices().toString());
        long chains = ((Number) c._additionalProperties().get("reason").convert(Map.class).get("chains_started"))
                .longValue();
        assertEquals(4, chains, "one search of 4 samples");

        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(ask().n(2)
                .putAdditionalBodyProperty("budget", JsonValue.from("4x")).build())) {
            chunks = stream.stream().toList();
        }
        Map<Long, StringBuilder> texts = new TreeMap<>();
        chunks.forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content()
                .ifPresent(t -> texts.computeIfAbsent(choice.index(), i -> new StringBuilder()).append(t))));
        assertEquals(List.of(0L, 1L), List.copyOf(texts.keySet()), chunks.toString());
        assertTrue(texts.get(0L).toString().endsWith("#### 5"), texts.toString());
        assertTrue(texts.get(1L).length() > 0, texts.toString());
    }

    @Test
    void aStopTextCutsTheReply() {
        ChatCompletion c = client.chat().completions().create(ask().stop("####").temperature(0.0).build());
        String content = c.choices().get(0).message().content().orElseThrow();
        assertFalse(content.contains("####"), content);
        assertEquals("greedy", c._additionalProperties().get("reason").convert(Map.class).get("stop_reason"));
    }

    @Test
    void badFieldsAreBadRequestsThatNameTheField() {
        assertEquals("budget", refused(ask().putAdditionalBodyProperty("budget", JsonValue.from("lots"))).param()
                .orElseThrow());
        assertEquals("n", refused(ask().n(0)).param().orElseThrow());
        assertEquals("strategy", refused(ask().putAdditionalBodyProperty("strategy", JsonValue.from("telepathy")))
                .param().orElseThrow());
        BadRequestException system = refused(ChatCompletionCreateParams.builder().model("reason-mini")
                .addSystemMessage("Be brief.").addUserMessage("What is 2 + 3?"));
        assertTrue(system.getMessage().contains("Only user and assistant messages are supported"), system.getMessage());
        BadRequestException tooLong = refused(ChatCompletionCreateParams.builder().model("reason-mini")
                .addUserMessage("What is 2 + 3? ".repeat(200)));
        assertEquals("context_length_exceeded", tooLong.code().orElseThrow());
    }

    @Test
    void aConversationOfSeveralTurnsIsOnePrompt() {
        ChatCompletion one = client.chat().completions().create(ask().build());
        ChatCompletion three = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("reason-mini").addUserMessage("What is 1 + 1?").addAssistantMessage("1+1=2\n#### 2")
                .addUserMessage("What is 2 + 3?").build());
        assertTrue(three.usage().orElseThrow().promptTokens() > one.usage().orElseThrow().promptTokens() + 10,
                three.usage() + " against " + one.usage());
        assertTrue(three.choices().get(0).message().content().isPresent());
    }

    private static ChatCompletionCreateParams.Builder ask() {
        return ChatCompletionCreateParams.builder().model("reason-mini").addUserMessage("What is 2 + 3?");
    }

    private static BadRequestException refused(ChatCompletionCreateParams.Builder params) {
        return assertThrows(BadRequestException.class, () -> client.chat().completions().create(params.build()));
    }

    @Test
    void anUnknownModelIsNotFoundAndAWrongKeyUnauthorized() {
        NotFoundException model = assertThrows(NotFoundException.class, () -> client.chat().completions()
                .create(ask().model("gpt-4o").build()));
        assertEquals("model_not_found", model.code().orElseThrow());
        assertThrows(UnauthorizedException.class, () -> client("sk-wrong").models().list());
        assertEquals("reason-mini", client.models().list().data().get(0).id());
    }

    @Test
    void aThirdRequestIsRefusedWhileOneRunsAndOneWaitsAndClientsThatLeaveFreeTheirPlaces() throws Exception {
        String longSearch = "{\"messages\": [{\"role\": \"user\", \"content\": \"What is 12*7-5?\"}],"
                + " \"budget\": \"60s\", \"stop_rule\": \"none\"}";
        try (Socket running = post(longSearch)) {
            server.awaitHealth(body -> body.contains("\"running\":1"));
            try (Socket queued = post(longSearch)) {
                server.awaitHealth(body -> body.contains("\"queued\":1"));
                RateLimitException full = assertThrows(RateLimitException.class,
                        () -> client.chat().completions().create(ask().build()));
                assertEquals(List.of("1"), full.headers().values("Retry-After"));
            }
        }
        // both clients closed their sockets: their searches stop within a second or so, and the batch is free
        server.awaitHealth(body -> body.contains("\"queued\":0,\"running\":0"));
        String metrics = server.get("/metrics").body();
        assertTrue(metrics.contains("reason_http_requests_seconds_count{route=\"/v1/chat/completions\",status=\"429\"} 1"),
                metrics);
    }

    @Test
    void healthAndMetricsNeedNoKey() throws Exception {
        HttpResponse<String> health = server.get("/health");
        assertEquals(200, health.statusCode());
        assertTrue(health.body().contains("\"status\":\"ok\""), health.body());
        HttpResponse<String> metrics = server.get("/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        for (String name : List.of("reason_queue_length", "reason_searches_running", "reason_tokens_completion_total",
                "reason_model_loaded 1.0", "reason_search_seconds_count", "reason_batch_slots 4.0",
                "reason_batch_slots_busy", "jvm_memory_used_bytes{area=\"heap\"")) {
            assertTrue(metrics.body().contains(name), name + " missing:\n" + metrics.body());
        }
        HttpResponse<String> missing = server.get("/v2/nothing");
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().startsWith("{\"error\":{\"message\":\"no such endpoint"), missing.body());
    }

    @Test
    void sigtermLetsTheRequestInFlightFinishThenExitsZero(@TempDir Path dir) throws Exception {
        try (ServeProcess other = start(dir.resolve("serve.log"), "--grace", "60")) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(other.base + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + KEY)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"messages\": [{\"role\": \"user\", \"content\":"
                            + " \"What is 2 + 3?\"}], \"budget\": \"3s\", \"stop_rule\": \"none\"}")).build();
            CompletableFuture<HttpResponse<String>> reply = ServeProcess.HTTP.sendAsync(request,
                    HttpResponse.BodyHandlers.ofString());
            other.awaitHealth(body -> body.contains("\"running\":1"));
            Process p = other.process;
            new ProcessBuilder("kill", "-TERM", String.valueOf(p.pid())).start().waitFor();
            HttpResponse<String> r = reply.get(60, TimeUnit.SECONDS);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"answer\":\"5\""), r.body());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "SIGTERM did not end the server");
            assertEquals(0, p.exitValue(), Files.readString(other.log));
            assertTrue(Files.readString(other.log).contains("reason serve: stopping"), Files.readString(other.log));
        }
    }

    private static Socket post(String json) throws IOException {
        return server.post("/v1/chat/completions", KEY, json);
    }
}
