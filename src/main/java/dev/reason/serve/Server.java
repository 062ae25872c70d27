package dev.reason.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason.model.ChatTemplate;
import dev.reason.runtime.Generator;
import dev.reason.search.Search;
import dev.reason.search.SearchResult;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.router.Endpoint;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.BufferUtil;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP server: OpenAI's {@code /v1/chat/completions}, {@code /v1/completions} and {@code /v1/models}, with
 * {@code /health}, {@code /metrics} and the live page at {@code /}. It listens at once and answers 503 until {@link
 * #ready} hands it the loaded model; {@link #shutdown} stops taking requests and lets those in flight finish within
 * the grace period.
 */
public final class Server implements AutoCloseable {
    /** How often a waiting request looks whether its client went away. */
    private static final long PROBE_MS = 250;
    /** How often an idle stream writes a comment. */
    private static final long KEEP_ALIVE_MS = 5000;

    /** The live page: a question box, the chains as they finish, the vote and the answer (one file, no network). */
    private static final String LIVE_PAGE = resource("live.html");

    private final ServeSettings settings;
    private final Javalin app;
    private final Metrics metrics;
    private volatile Backend backend;
    private volatile DecodeLoop loop;
    private volatile boolean draining;
    private volatile boolean abandoned;
    private final AtomicInteger answering = new AtomicInteger();  // chat requests not yet answered

    private Server(ServeSettings settings) {
        this.settings = settings;
        this.metrics = new Metrics();
        metrics.gauge("reason.queue.length", "searches waiting for a place in the batch",
                () -> loop == null ? 0 : loop.queued());
        metrics.gauge("reason.searches.running", "searches decoding in the shared batch",
                () -> loop == null ? 0 : loop.running());
        metrics.gauge("reason.batch.slots", "the shared batch's slots: chains it decodes together",
                () -> backend == null ? 0 : backend.batch().parallel());
        metrics.gauge("reason.batch.slots.busy", "the batch's slots decoding a chain now",
                () -> loop == null ? 0 : loop.busySlots());
        metrics.gauge("reason.model.loaded", "1 once the model is loaded", () -> backend == null ? 0 : 1);
        this.app = Javalin.create(config -> {
            config.jetty.host = settings.host();
            config.jetty.port = settings.port();
            config.http.maxRequestSize = settings.maxBody();
            config.http.compressionStrategy = CompressionStrategy.NONE;  // a stream's events must leave at once
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.requestLogger.http((ctx, ms) -> metrics.request(route(ctx), ctx.statusCode(), ms));
            config.routes.before("/v1/*", this::authorize);
            config.routes.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(LIVE_PAGE));
            config.routes.get("/health", this::health);
            config.routes.get("/metrics", ctx -> ctx.contentType(Metrics.CONTENT_TYPE).result(metrics.scrape()));
            config.routes.get("/v1/models", this::models);
            config.routes.post("/v1/chat/completions", ctx -> answer(ctx, true));
            config.routes.post("/v1/completions", ctx -> answer(ctx, false));
            config.routes.exception(ApiError.class, (e, ctx) -> error(ctx, e));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, fromJavalin(e, ctx)));
            config.routes.exception(Exception.class, (e, ctx) -> {
                logFailure(ctx.method() + " " + ctx.path(), e);
                error(ctx, ApiError.internal("internal error (" + e.getClass().getSimpleName()
                        + "); the server's stderr says more"));
            });
        });
    }

    /** Binds and starts serving: 503 on /v1 and /health until {@link #ready}. */
    public static Server start(ServeSettings settings) {
        Server s = new Server(settings);
        s.app.start();
        return s;
    }

    /** The port it listens on (the one the system chose, for --port 0). */
    public int port() {
        return app.port();
    }

    /** The model is loaded: the decode thread starts, and the endpoints answer. */
    public void ready(Backend loaded) {
        loop = new DecodeLoop(new Generator(loaded.engine(), loaded.model().tokenizer()::stream, loaded.batch()),
                loaded.admission(), settings.queue());
        backend = loaded;
    }

    /**
     * Stops taking requests (503), waits for the queued and running ones within the grace period, then stops their
     * searches, which answer with their best answer so far, and closes.
     */
    public void shutdown() throws InterruptedException {
        draining = true;
        long end = System.nanoTime() + settings.grace().toNanos();
        while (answering.get() > 0 && System.nanoTime() < end) {
            Thread.sleep(50);
        }
        abandoned = true;
        long last = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);  // the stopped searches' replies to go out
        while (answering.get() > 0 && System.nanoTime() < last) {
            Thread.sleep(50);
        }
        close();
    }

    @Override
    public void close() {
        app.stop();
        if (loop != null) {
            loop.close();
        }
    }

    private void authorize(Context ctx) {
        if (settings.apiKey() == null) {
            return;
        }
        String header = Optional.ofNullable(ctx.header("Authorization")).orElse("");
        byte[] given = header.getBytes(StandardCharsets.UTF_8);
        byte[] wanted = ("Bearer " + settings.apiKey()).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, wanted)) {
            throw ApiError.unauthorized();
        }
    }

    private void health(Context ctx) {
        ObjectNode o = Replies.JSON.createObjectNode();
        if (backend == null || draining) {
            ctx.status(503);
            o.put("status", draining ? "stopping" : "loading");
        } else {
            o.put("status", "ok").put("model", backend.modelId()).put("queued", loop.queued())
                    .put("running", loop.running());
        }
        json(ctx, o);
    }

    private void models(Context ctx) {
        Backend b = loaded();
        ObjectNode o = Replies.JSON.createObjectNode();
        o.put("object", "list");
        o.putArray("data").addObject().put("id", b.modelId()).put("object", "model").put("created", 0)
                .put("owned_by", "reason");
        json(ctx, o);
    }

    private Backend loaded() {
        Backend b = backend;
        if (b == null) {
            throw ApiError.unavailable("model_loading", "the model is still loading: try again shortly");
        }
        if (draining) {
            throw ApiError.unavailable("shutting_down", "the server is shutting down");
        }
        return b;
    }

    /** A chat completion ({@code chat}), or a completion of a raw prompt. */
    private void answer(Context ctx, boolean chat) throws IOException, InterruptedException {
        answering.incrementAndGet();
        try {
            search(ctx, chat);
        } finally {
            answering.decrementAndGet();
        }
    }

    private void search(Context ctx, boolean chat) throws IOException, InterruptedException {
        if (ctx.req().getContentLengthLong() > settings.maxBody()) {
            throw ApiError.tooLarge(settings.maxBody());
        }
        Backend b = loaded();
        CompletionRequest request = chat ? CompletionRequest.chat(ctx.bodyAsBytes())
                : CompletionRequest.text(ctx.bodyAsBytes());
        if (request.model() != null && !request.model().equals(b.modelId())) {
            throw ApiError.notFound("model", "model_not_found", "model " + request.model() + " is not served here;"
                    + " this server serves " + b.modelId());
        }
        int[] prompt = prompt(b, request);
        Search search;
        try {
            search = b.searches().search(request.knobs(), request.question(), prompt.length);
        } catch (Searches.Refused e) {
            throw ApiError.badRequest(e.param(), e.getMessage());
        }
        Ticket ticket = new Ticket(search, request.question(), prompt, request.stream(), () -> abandoned);
        if (!loop.offer(ticket)) {
            throw ApiError.queueFull(settings.queue(), 1);
        }
        Replies replies = new Replies(chat, b.modelId());
        if (request.stream()) {
            stream(ctx, ticket, request, replies, prompt.length);
        } else {
            SearchResult r = await(ctx, ticket);
            metrics.search(r, prompt.length);
            json(ctx, replies.completion(request, r, prompt.length));
        }
    }

    /**
     * The prompt's tokens: a raw prompt as written, or the conversation through the chat template, where the
     * server's --system goes first when the request sends no system message.
     */
    private static int[] prompt(Backend b, CompletionRequest request) {
        if (!request.chat()) {
            return withinContext(b, b.model().tokenizer().encode(request.prompt()), "prompt", "the prompt is");
        }
        List<ChatTemplate.Message> messages = new ArrayList<>(request.messages());
        String system = b.prompt().system();
        if (system != null && messages.stream().noneMatch(m -> m.role().equals("system"))) {
            messages.add(0, new ChatTemplate.Message("system", system));
        }
        try {
            return withinContext(b, b.model().promptIds(messages, b.prompt().variables()), "messages",
                    "the messages with the chat template are");
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("messages", e.getMessage());
        }
    }

    /** The prompt, refused when it leaves no room in the model's context for a token of reply. */
    private static int[] withinContext(Backend b, int[] prompt, String param, String what) {
        int context = b.model().config().maxPositions();
        if (prompt.length == 0) {
            throw ApiError.badRequest(param, param + " makes no tokens: give some text");
        }
        if (prompt.length + 1 > context) {
            throw ApiError.badRequest(param, "context_length_exceeded", String.format("%s %d tokens, over the"
                    + " model's context of %d: send fewer", what, prompt.length, context));
        }
        return prompt;
    }

    /** The search's result; a client that goes away meanwhile has its search stopped. */
    private static SearchResult await(Context ctx, Ticket ticket) throws InterruptedException {
        while (true) {
            try {
                return ticket.result.get(PROBE_MS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!ticket.cancelled() && clientGone(ctx)) {
                    ticket.cancel();
                }
            } catch (ExecutionException e) {
                logFailure("a search", e.getCause());
                throw ApiError.internal("the search failed: " + e.getCause().getMessage());
            }
        }
    }

    /**
     * Server-sent events: each finished chain's line and the running vote as reasoning, then the answer chain's text
     * as content, a last chunk with the finish reason and the {@code reason} object, the usage when asked, and
     * {@code [DONE]}. A write that fails means the client went away: its search is stopped.
     */
    private void stream(Context ctx, Ticket ticket, CompletionRequest request, Replies replies, int promptTokens)
            throws IOException, InterruptedException {
        ctx.status(200);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        OutputStream out = ctx.res().getOutputStream();
        try {
            for (ObjectNode chunk : replies.opening(request.n())) {
                event(out, chunk);
            }
            int shown = 0;
            long lastWrite = System.nanoTime();
            while (!ticket.result.isDone() || !ticket.snapshots.isEmpty()) {
                SearchResult s = ticket.snapshots.poll(PROBE_MS, TimeUnit.MILLISECONDS);
                if (s == null) {
                    if (clientGone(ctx)) {
                        throw new IOException("the client closed the connection");
                    }
                    if (System.nanoTime() - lastWrite > TimeUnit.MILLISECONDS.toNanos(KEEP_ALIVE_MS)) {
                        write(out, ": searching\n\n");  // a comment: keeps proxies from closing an idle stream
                        lastWrite = System.nanoTime();
                    }
                    continue;
                }
                lastWrite = System.nanoTime();
                event(out, replies.progressChunk(s, shown));
                shown = s.chains().size();
            }
            SearchResult r;
            try {
                r = ticket.result.get();
            } catch (ExecutionException e) {
                logFailure("a streamed search", e.getCause());
                ObjectNode error = Replies.JSON.createObjectNode();
                error.putObject("error").put("message", "the search failed: " + e.getCause().getMessage())
                        .put("type", "server_error").putNull("param").put("code", "internal_error");
                event(out, error);
                write(out, "data: [DONE]\n\n");
                return;
            }
            metrics.search(r, promptTokens);
            for (ObjectNode chunk : replies.closing(request, r, promptTokens)) {
                event(out, chunk);
            }
            write(out, "data: [DONE]\n\n");
        } catch (IOException e) {
            ticket.cancel();  // the client went away: free its slots
        }
    }

    private static void event(OutputStream out, ObjectNode data) throws IOException {
        write(out, "data: " + Replies.JSON.writeValueAsString(data) + "\n\n");
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /**
     * Whether the client has closed its connection. Jetty reads an HTTP/1.1 connection again only once the reply is
     * done, so while a search runs nobody would notice; this reads the socket without waiting, on the request's own
     * thread. A well-behaved client sends nothing while it waits, so any read but end-of-stream means it is there.
     */
    private static boolean clientGone(Context ctx) {
        try {
            EndPoint endPoint = ServletContextRequest.getServletContextRequest(ctx.req()).getConnectionMetaData()
                    .getConnection().getEndPoint();
            return !endPoint.isOpen() || endPoint.fill(BufferUtil.allocate(1)) < 0;
        } catch (IOException | IllegalStateException e) {
            return true;  // the socket failed: nobody is left to answer
        }
    }

    /** An internal error: one line on stderr, and with REASON_DEBUG=1 its stack trace, as the command line does. */
    private static void logFailure(String what, Throwable e) {
        System.err.println("reason serve: internal error in " + what + ": " + e);
        if ("1".equals(System.getenv("REASON_DEBUG"))) {
            e.printStackTrace();
        }
    }

    private static void json(Context ctx, ObjectNode body) {
        try {
            ctx.contentType("application/json").result(Replies.JSON.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void error(Context ctx, ApiError e) {
        ObjectNode o = Replies.JSON.createObjectNode();
        o.putObject("error").put("message", e.getMessage()).put("type", e.type).put("param", e.param)
                .put("code", e.code);
        e.headers.forEach(ctx::header);
        ctx.status(e.status);
        json(ctx, o);
    }

    private static String resource(String name) {
        try (InputStream in = Server.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The route a request matched, for the metrics: a path pattern, never a client's own path. */
    private static String route(Context ctx) {
        Endpoint e = ctx.endpoints().matchedHttpEndpoint();
        return e == null ? "unmatched" : e.path;
    }

    /** Javalin's own refusals (413 body too large, 404, 405) in OpenAI's shape. */
    private ApiError fromJavalin(HttpResponseException e, Context ctx) {
        return switch (e.getStatus()) {
            case 413 -> ApiError.tooLarge(settings.maxBody());
            case 404, 405 -> ApiError.notFound(null, "unknown_url", "no such endpoint: " + ctx.method() + " "
                    + ctx.path() + "; this server has POST /v1/chat/completions and /v1/completions, GET /v1/models,"
                    + " /health and /metrics");
            case 400 -> ApiError.badRequest(null, e.getMessage());
            default -> ApiError.internal(e.getMessage());
        };
    }
}
