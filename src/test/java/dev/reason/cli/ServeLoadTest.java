package dev.reason.cli;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many users on one {@code reason serve}: 64 requests from 16 clients at once share the decode batch, and each gets
 * the reply it gets alone; clients that leave mid-search free their slots; memory stays flat over 500 requests.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ServeLoadTest {
    private static final int CLIENTS = 16;
    private static final String CHAT = "reason_http_requests_seconds_count{route=\"/v1/chat/completions\",status=\"200\"}";

    @TempDir
    static Path tmp;
    private static ServeProcess server;

    /** Sixteen searches decode together, each up to 4 chains at once: 64 slots. */
    @BeforeAll
    static void startServer() throws Exception {
        server = ServeProcess.start(tmp.resolve("serve.log"), "--threads", "2", "--concurrent", "16",
                "--parallel", "4", "--max-budget", "120s,1000x");
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /** Request {@code i}: a sum or a product of its own, 4 samples, seed {@code i}. */
    private static ChatCompletionCreateParams question(int i) {
        String q = i % 2 == 0 ? "What is " + (3 + i) + " + " + (2 * i + 1) + "?" : "What is " + (i % 9 + 2) + " * "
                + (i % 7 + 3) + "?";
        return ChatCompletionCreateParams.builder().model("reason-mini").addUserMessage(q).seed(i)
                .putAdditionalBodyProperty("budget", JsonValue.from("4x")).build();
    }

    /** What must not depend on who else is in the batch: the text, the vote and the tokens spent. */
    private static Map<String, Object> outcome(ChatCompletion c) {
        Map<?, ?> reason = c._additionalProperties().get("reason").convert(Map.class);
        return Map.of("content", c.choices().get(0).message().content().orElse(""),
                "answer", String.valueOf(reason.get("answer")), "votes", reason.get("votes"),
                "chains", reason.get("chains_started"), "tokens", c.usage().orElseThrow().completionTokens());
    }

    @Test
    void sixtyFourRequestsFromSixteenClientsEachGetWhatTheyGetAlone() throws Exception {
        List<Map<String, Object>> alone = new ArrayList<>();
        try (Clients one = new Clients(1)) {
            one.send(64, ServeLoadTest::question).forEach(c -> alone.add(outcome(c)));
        }
        double answered = server.metric(CHAT);
        AtomicInteger mostRunning = new AtomicInteger();
        AtomicBoolean sending = new AtomicBoolean(true);
        Thread watch = new Thread(() -> {
            while (sending.get()) {
                try {
                    mostRunning.accumulateAndGet((int) server.metric("reason_searches_running"), Math::max);
                    Thread.sleep(20);
                } catch (IOException | InterruptedException e) {
                    return;  // the server or the test is going away: the most seen so far stands
                }
            }
        });
        watch.start();
        List<ChatCompletion> together;
        try (Clients sixteen = new Clients(CLIENTS)) {
            together = sixteen.send(64, ServeLoadTest::question);
        } finally {
            sending.set(false);
            watch.join();
        }
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 64; i++) {
            assertEquals(alone.get(i), outcome(together.get(i)), "request " + i);
            ids.add(together.get(i).id());
        }
        assertEquals(64, ids.size(), "each request got its own reply");
        assertEquals(64, server.metric(CHAT) - answered, "the server answered each request once");
        assertTrue(mostRunning.get() >= 8, "searches decoded together at most: " + mostRunning.get());
    }

    @Test
    void clientsThatLeaveMidSearchFreeTheirSlots() throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                sockets.add(server.post("/v1/chat/completions", null, "{\"messages\": [{\"role\": \"user\","
                        + " \"content\": \"What is 12*7-5?\"}], \"budget\": \"120s\", \"stop_rule\": \"none\","
                        + " \"stream\": " + (i % 2 == 0) + "}"));
            }
            double slots = server.metric("reason_batch_slots");
            awaitMetrics(Map.of("reason_searches_running", (double) CLIENTS, "reason_batch_slots_busy", slots), 60);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
        // a search that ran on would hold its slots for 120 s
        awaitMetrics(Map.of("reason_searches_running", 0.0, "reason_batch_slots_busy", 0.0,
                "reason_queue_length", 0.0), 15);
        try (Clients one = new Clients(1)) {
            assertEquals("4", outcome(one.send(1, ServeLoadTest::question).get(0)).get("answer"),
                    "the server answers on: What is 3 + 1?");
        }
    }

    /**
     * After 100 requests to warm up, 500 more leave the heap (after a full collection) as it was, and the idle server
     * holds next to no direct buffers, without a collection: each batch's KV cache was freed when the batch closed.
     * The process's resident memory may still grow as the heap and the allocator settle, but stays within twice
     * what it was.
     */
    @Test
    void memoryStaysFlatOverFiveHundredRequests() throws Exception {
        IntFunction<ChatCompletionCreateParams> small = i -> ChatCompletionCreateParams.builder()
                .model("reason-mini").addUserMessage("What is " + (10 + i % 80) + " + " + (10 + i % 13) + "?")
                .seed(i).putAdditionalBodyProperty("budget", JsonValue.from("2x")).build();
        try (Clients sixteen = new Clients(CLIENTS)) {
            sixteen.send(100, small);
            Memory before = memory();
            sixteen.send(500, small);
            idle(10);  // the last reply leaves before its batch closes
            Memory after = memory();
            String change = before + " -> " + after;
            System.out.println("reason serve over 500 requests: " + change);
            assertTrue(after.heap - before.heap < 8 * MIB, "the heap grew: " + change);
            assertTrue(after.direct < 16 * MIB, "the idle server holds direct buffers: " + change);
            assertTrue(after.resident < 2 * before.resident, "the resident memory doubled: " + change);
        }
    }

    private static final long MIB = 1 << 20;

    /**
     * The server's heap in use after a full collection; its direct buffers and resident bytes as they were before
     * it, as a server that is never told to collect holds them.
     */
    private record Memory(long heap, long direct, long resident) {
        @Override
        public String toString() {
            return String.format("heap %.1f MiB, direct buffers %.1f MiB, resident %.1f MiB", heap / (double) MIB,
                    direct / (double) MIB, resident / (double) MIB);
        }
    }

    private static Memory memory() throws Exception {
        long pid = server.process.pid();
        long direct = (long) server.metric("jvm_buffer_memory_used_bytes{id=\"direct\"}");
        long resident = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                resident = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process gc = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertEquals(0, gc.waitFor(), "jcmd GC.run");
        return new Memory((long) server.metric("jvm_memory_used_bytes{area=\"heap\""), direct, resident);
    }

    /** Waits, with no collection, until the server's direct buffers total under 16 MiB, for at most {@code seconds}. */
    private static void idle(long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (server.metric("jvm_buffer_memory_used_bytes{id=\"direct\"}") >= 16 * MIB
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    private static void awaitMetrics(Map<String, Double> wanted, long seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            Map<String, Double> now = new TreeMap<>();
            for (String name : wanted.keySet()) {
                now.put(name, server.metric(name));
            }
            if (now.equals(new TreeMap<>(wanted))) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("after " + seconds + " s the metrics are " + now + ", not " + wanted);
            }
            Thread.sleep(50);
        }
    }

    /** Clients of their own, each sending its share of the requests one after another, all at once. */
    private static final class Clients implements AutoCloseable {
        private final List<OpenAIClient> clients = new ArrayList<>();
        private final ExecutorService threads;

        Clients(int n) {
            for (int i = 0; i < n; i++) {
                clients.add(OpenAIOkHttpClient.builder().baseUrl(server.base + "/v1").apiKey("none").maxRetries(0)
                        .timeout(Duration.ofMinutes(2)).build());
            }
            threads = Executors.newFixedThreadPool(n);
        }

        /** Requests 0 to {@code count - 1}, request {@code i} sent by client {@code i % n}; the replies in order. */
        List<ChatCompletion> send(int count, IntFunction<ChatCompletionCreateParams> request) throws Exception {
            List<Future<List<ChatCompletion>>> shares = new ArrayList<>();
            int n = clients.size();
            for (int c = 0; c < n; c++) {
                OpenAIClient client = clients.get(c);
                int first = c;
                shares.add(threads.submit(() -> IntStream.iterate(first, i -> i < count, i -> i + n)
                        .mapToObj(i -> client.chat().completions().create(request.apply(i))).toList()));
            }
            ChatCompletion[] replies = new ChatCompletion[count];
            for (int c = 0; c < n; c++) {
                List<ChatCompletion> share = shares.get(c).get();
                for (int k = 0; k < share.size(); k++) {
                    replies[c + k * n] = share.get(k);
                }
            }
            return List.of(replies);
        }

        @Override
        public void close() {
            threads.shutdownNow();
            clients.forEach(OpenAIClient::close);
        }
    }
}
