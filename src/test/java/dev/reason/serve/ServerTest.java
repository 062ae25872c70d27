package dev.reason.serve;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.InternalServerException;
import com.openai.errors.UnexpectedStatusCodeException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.reason.model.PromptOptions;
import dev.reason.runtime.Generator;
import dev.reason.sampling.SamplingParams;
import dev.reason.testing.ShippedModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server before its model is loaded: it listens, answers 503 where a model is needed, and checks the key first;
 * and the statuses as OpenAI's client sees them.
 */
class ServerTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private Server server;

    @BeforeEach
    void start() {
        server = Server.start(new ServeSettings("127.0.0.1", 0, "sk-key", 1, 1000, Duration.ofSeconds(1)));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void healthAndTheApiAre503WhileTheModelLoads() throws Exception {
        HttpResponse<String> health = send(HttpRequest.newBuilder(uri("/health")));
        assertEquals(503, health.statusCode());
        assertEquals("{\"status\":\"loading\"}", health.body());
        HttpResponse<String> models = send(HttpRequest.newBuilder(uri("/v1/models"))
                .header("Authorization", "Bearer sk-key"));
        assertEquals(503, models.statusCode());
        assertEquals("{\"error\":{\"message\":\"the model is still loading: try again shortly\",\"type\":\"server_error\","
                + "\"param\":null,\"code\":\"model_loading\"}}", models.body());
        assertTrue(send(HttpRequest.newBuilder(uri("/metrics"))).body().contains("reason_model_loaded 0.0"));
    }

    @Test
    void theKeyIsCheckedOnEveryV1Call() throws Exception {
        for (String auth : new String[] {null, "Bearer sk-other", "sk-key"}) {
            HttpRequest.Builder r = HttpRequest.newBuilder(uri("/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}"));
            if (auth != null) {
                r.header("Authorization", auth);
            }
            HttpResponse<String> reply = send(r);
            assertEquals(401, reply.statusCode(), auth);
            assertTrue(reply.body().contains("\"code\":\"invalid_api_key\""), reply.body());
        }
    }

    @Test
    void aBodyOverTheLimitIs413AndAnUnknownPath404() throws Exception {
        HttpResponse<String> big = send(HttpRequest.newBuilder(uri("/v1/chat/completions"))
                .header("Authorization", "Bearer sk-key").POST(HttpRequest.BodyPublishers.ofString("x".repeat(2000))));
        assertEquals(413, big.statusCode(), big.body());
        assertTrue(big.body().contains("\"code\":\"request_too_large\""), big.body());
        HttpResponse<String> missing = send(HttpRequest.newBuilder(uri("/v1/embeddings"))
                .header("Authorization", "Bearer sk-key"));
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("\"code\":\"unknown_url\""), missing.body());
    }

    @Test
    void theLivePageIsOneFileThatAsksTheStreamingEndpoint() throws Exception {
        HttpResponse<String> page = send(HttpRequest.newBuilder(uri("/")));
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("fetch(\"/v1/chat/completions\""), page.body());
        assertFalse(page.body().matches("(?s).*(src|href)=\"(https?:)?//.*"), "the page loads nothing from the network");
    }

    /** What OpenAI's client throws for 503 (loading), 413 (too large) and 500 (a bug), each with its status. */
    @Test
    void theOpenAiClientThrowsItsExceptionForEachServerStatus() {
        OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl(uri("/v1").toString()).apiKey("sk-key")
                .maxRetries(0).build();
        ChatCompletionCreateParams ask = ChatCompletionCreateParams.builder().model("reason-mini")
                .addUserMessage("What is 2 + 3?").build();
        InternalServerException loading = assertThrows(InternalServerException.class, () -> client.models().list());
        assertEquals(503, loading.statusCode());
        assertEquals("model_loading", loading.code().orElseThrow());
        UnexpectedStatusCodeException big = assertThrows(UnexpectedStatusCodeException.class, () -> client.chat()
                .completions().create(ChatCompletionCreateParams.builder().model("reason-mini")
                        .addUserMessage("x".repeat(2000)).build()));
        assertEquals(413, big.statusCode());

        Generator.Params batch = new Generator.Params(SamplingParams.greedy(), 1, 16, 0,
                ShippedModel.model().eosIds(), 0);
        server.ready(new Backend(ShippedModel.model(), ShippedModel.engine(), batch, Generator.Admission.ONE,
                (knobs, question, promptLength) -> {
                    throw new IllegalStateException("a bug in making the search");
                }, PromptOptions.NONE));
        InternalServerException bug = assertThrows(InternalServerException.class,
                () -> client.chat().completions().create(ask));
        assertEquals(500, bug.statusCode());
        assertEquals("internal_error", bug.code().orElseThrow());
        assertFalse(bug.getMessage().contains("\tat ") || bug.getMessage().contains("a bug in"),
                "neither a stack trace nor the exception's own words: " + bug.getMessage());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static HttpResponse<String> send(HttpRequest.Builder r) throws IOException, InterruptedException {
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }
}
