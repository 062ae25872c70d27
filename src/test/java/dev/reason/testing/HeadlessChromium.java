package dev.reason.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A headless Chromium with one page, driven over the DevTools protocol on a WebSocket: a test types into the page,
 * presses keys and reads the DOM as a person would see it.
 */
public final class HeadlessChromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on ws://([^/\\s]+)/");
    private static final long START_SECONDS = 60;

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final Map<Integer, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    private HeadlessChromium(Process process, Path profile, String pageSocket) {
        this.process = process;
        this.profile = profile;
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create(pageSocket), new Replies()).join();
    }

    /**
     * Starts {@code chromium} (a fresh profile, no sandbox, as root in a container needs) on {@code url}, and returns
     * once that page has loaded: the page target is about:blank, already complete, until the navigation commits.
     */
    public static HeadlessChromium open(Path chromium, String url) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("reason-chromium");
        Path log = profile.resolve("stderr.log");
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--no-first-run", "--user-data-dir=" + profile.resolve("profile"),
                "--remote-debugging-port=0", url)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(log.toFile()).start();
        try {
            HeadlessChromium page = new HeadlessChromium(p, profile, pageSocket(p, log));
            page.await("location.href === " + JSON.writeValueAsString(url) + " && document.readyState === 'complete'",
                    START_SECONDS);
            return page;
        } catch (IOException | InterruptedException | RuntimeException | AssertionError e) {
            p.destroyForcibly();
            throw e;
        }
    }

    /** The page's DevTools socket: the browser says its port on stderr, and its /json/list names the page. */
    private static String pageSocket(Process p, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        HttpClient http = HttpClient.newHttpClient();
        while (System.nanoTime() < deadline && p.isAlive()) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                String list = http.send(HttpRequest.newBuilder(URI.create("http://" + m.group(1) + "/json/list"))
                        .build(), HttpResponse.BodyHandlers.ofString()).body();
                for (JsonNode target : JSON.readTree(list)) {
                    if (target.path("type").asText().equals("page")) {
                        return target.get("webSocketDebuggerUrl").asText();
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("chromium did not open its page:\n" + Files.readString(log));
    }

    /** The value of a JavaScript expression in the page (awaited when it is a promise), as JSON. */
    public JsonNode evaluate(String expression) {
        ObjectNode params = JSON.createObjectNode().put("expression", expression).put("returnByValue", true)
                .put("awaitPromise", true);
        JsonNode result = call("Runtime.evaluate", params);
        if (result.has("exceptionDetails")) {
            throw new AssertionError("the page threw on " + expression + ": " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** Waits until {@code condition}, an expression, is true in the page. */
    public void await(String condition, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!evaluate(condition).asBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the page never showed " + condition + "; its text:\n"
                        + evaluate("document.body.innerText").asText());
            }
            Thread.sleep(100);
        }
    }

    /** Types {@code text} into the element that has the focus. */
    public void type(String text) {
        call("Input.insertText", JSON.createObjectNode().put("text", text));
    }

    /** Presses and releases Enter on the element that has the focus. */
    public void pressEnter() {
        for (String type : new String[] {"keyDown", "keyUp"}) {
            call("Input.dispatchKeyEvent", JSON.createObjectNode().put("type", type).put("key", "Enter")
                    .put("code", "Enter").put("windowsVirtualKeyCode", 13));
        }
    }

    private JsonNode call(String method, ObjectNode params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        replies.put(id, reply);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        socket.sendText(message.toString(), true).join();
        JsonNode r = reply.orTimeout(30, TimeUnit.SECONDS).join();
        if (r.has("error")) {
            throw new AssertionError(method + " failed: " + r.get("error"));
        }
        return r.path("result");
    }

    /** Hands each reply to the call waiting for its id; events (no id) are dropped. */
    private final class Replies implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode m = JSON.readTree(partial.toString());
                    CompletableFuture<JsonNode> waiting = m.has("id") ? replies.remove(m.get("id").asInt()) : null;
                    if (waiting != null) {
                        waiting.complete(m);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    partial.setLength(0);
                }
            }
            ws.request(1);
            return null;
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        socket.abort();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
