package dev.reason.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code reason serve} as a process on a port the system chose, with the shipped model on the CPU: started, waited
 * for until its model is loaded, and asked over plain HTTP.
 */
final class ServeProcess implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
    private static final long START_SECONDS = 120;

    final Process process;
    final Path log;
    /** The server's address, such as {@code http://127.0.0.1:40123}. */
    final String base;

    private ServeProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.base = "http://127.0.0.1:" + port;
    }

    /** Starts {@code reason serve} with {@code args} after the model and device, its output into {@code log}. */
    static ServeProcess start(Path log, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("serve", "--port", "0", "--model", CliTest.MODEL.toString(),
                "--device", "cpu"));
        all.addAll(List.of(args));
        Process p = ReasonProcess.start(log, all.toArray(String[]::new));
        try {
            ServeProcess s = new ServeProcess(p, log, port(p, log));
            s.awaitStatus(200);
            return s;
        } catch (Exception | AssertionError e) {
            p.destroyForcibly();
            throw e;
        }
    }

    int port() {
        return Integer.parseInt(base.substring(base.lastIndexOf(':') + 1));
    }

    /** GET {@code path}, as text. */
    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * POSTs {@code json} to {@code path} by hand ({@code key}: null for none) and leaves the socket open: closing it
     * is the client going away.
     */
    Socket post(String path, String key, String json) throws IOException {
        Socket s = new Socket("127.0.0.1", port());
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + (key == null ? "" : "Authorization: Bearer " + key + "\r\n")
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        return s;
    }

    /**
     * The sum of the /metrics series named {@code series}, over all their labels, or over those whose labels start
     * as given ({@code jvm_memory_used_bytes{area="heap"}); 0 when none is there yet.
     */
    double metric(String series) throws IOException, InterruptedException {
        double sum = 0;
        for (String line : get("/metrics").body().split("\n")) {
            int space = line.lastIndexOf(' ');
            String name = space < 0 ? "" : line.substring(0, space);
            if (!line.startsWith("#")
                    && (name.equals(series) || name.startsWith(series.contains("{") ? series : series + "{"))) {
                sum += Double.parseDouble(line.substring(space + 1));
            }
        }
        return sum;
    }

    /** /health's body; empty when the server does not answer. */
    String health() {
        try {
            return get("/health").body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** Waits until /health's body is as {@code wanted}. */
    void awaitHealth(Predicate<String> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String body = health();
        while (!wanted.test(body) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            body = health();
        }
        assertTrue(wanted.test(body), "health never matched: " + body);
    }

    /** Waits until /health answers {@code status}: 200 once the model is loaded. */
    private void awaitStatus(int status) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == status) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("/health never answered " + status + ":\n" + Files.readString(log));
    }

    /** The port from the server's first line. */
    private static int port(Process p, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (System.nanoTime() < deadline && p.isAlive()) {
            Matcher m = LISTENING.matcher(Files.exists(log) ? Files.readString(log) : "");
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the server never said where it listens:\n" + Files.readString(log));
    }

    /** Kills the server at once: the tests that need a clean stop send SIGTERM themselves. */
    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }
}
