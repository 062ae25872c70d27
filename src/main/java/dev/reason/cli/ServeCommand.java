package dev.reason.cli;

import dev.reason.engine.DeviceException;
import dev.reason.engine.Engine;
import dev.reason.engine.choice.Engines;
import dev.reason.model.ModelDirectory;
import dev.reason.model.ModelException;
import dev.reason.runtime.Generator;
import dev.reason.sampling.SamplingParams;
import dev.reason.search.Budget;
import dev.reason.search.Search;
import dev.reason.search.stop.StopRule;
import dev.reason.search.vote.Strategy;
import dev.reason.serve.Backend;
import dev.reason.serve.Searches;
import dev.reason.serve.ServeSettings;
import dev.reason.serve.Server;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * {@code reason serve}: the OpenAI-compatible server. It listens first (503 while the model loads), opens the engine
 * as {@code reason} does, and makes each request's search from its own options with the request's knobs over them.
 * SIGTERM or Ctrl-C stops it after the requests in flight.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serves the model over HTTP with OpenAI's chat completions API; each request spends a search"
                + " budget. Endpoints, fields and errors: docs/cli.md#reason-serve."},
        footer = ServeCommand.EXIT_CODES)
final class ServeCommand implements Callable<Integer> {
    static final String EXIT_CODES = "%nExit codes:%n"
            + "  0    stopped by SIGTERM or Ctrl-C, after the requests in flight%n"
            + "  2    bad option, or the address is in use%n"
            + "  3    model directory missing or unusable%n"
            + "  4    device unavailable%n";

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "The address to listen on; 0.0.0.0 opens the server to the network (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080",
            description = "The port; 0 lets the system choose one, which the first line says (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require this key on every /v1 call, as Authorization: Bearer KEY (default:"
                    + " REASON_API_KEY, else none).")
    String apiKey;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "64",
            description = "Requests that may wait for a place in the batch; one more gets 429 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--grace", paramLabel = "SECONDS", defaultValue = "30",
            description = "On SIGTERM, how long requests in flight may finish before their searches stop"
                    + " (default: ${DEFAULT-VALUE}).")
    int grace;

    @Option(names = "--budget", paramLabel = "SPEC", converter = Main.BudgetConverter.class, defaultValue = "30s,16x",
            description = "A request's budget when it sets neither budget nor reasoning_effort (default:"
                    + " ${DEFAULT-VALUE}).")
    Budget budget;

    @Option(names = "--max-budget", paramLabel = "SPEC", converter = Main.BudgetConverter.class,
            defaultValue = "60s,64x", description = "The most a request may spend: each of its limits at most this"
                    + " one's, and this one's other limits added (default: ${DEFAULT-VALUE}).")
    Budget maxBudget;

    @Mixin
    SearchOptions searchOptions;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions decoding;

    @Mixin
    BatchOptions batch;

    @ParentCommand
    Main parent;

    @Override
    public Integer call() throws InterruptedException {
        Strategy voting = searchOptions.voting();  // bad options are reported before the server listens
        int concurrent = batch.concurrentOr(4);
        Generator.Admission admission = batch.admission(concurrent);
        String key = apiKey != null ? apiKey : System.getenv("REASON_API_KEY");
        ServeSettings settings = new ServeSettings(host, port, key == null || key.isEmpty() ? null : key, queue,
                ServeSettings.MAX_BODY, Duration.ofSeconds(grace));
        AtomicBoolean terminated = new AtomicBoolean();
        if (parent.handlesSignals()) {
            Interrupts.onTerminate(terminated);
        }
        Server server;
        try {
            server = Server.start(settings);
        } catch (RuntimeException e) {
            parent.err.println("reason: cannot listen on " + host + ":" + port + " (" + rootMessage(e)
                    + "): choose another --port");
            return ExitCodes.USAGE;
        }
        try (server) {
            parent.err.printf("reason serve: listening on http://%s:%d (loading the model)%n", host, server.port());
            try (ModelDirectory model = modelOptions.open()) {
                decoding.sampling(model.generation());  // a bad option is reported before the engine starts
                model.generation().unappliedNotice().ifPresent(parent.err::println);
                try (Engine engine = Engines.open(model, decoding.device, modelOptions.threads,
                        modelOptions.precision, parent.err::println)) {
                    Generator.Params shared = searchOptions.batchParams(model, decoding, engine, concurrent,
                            maxBudget);
                    server.ready(new Backend(model, engine, shared, admission,
                            new RequestSearches(model, engine, voting), modelOptions.promptOptions()));
                    parent.err.printf("reason serve: ready: %s on %s, %d searches together, budget %s (at most"
                            + " %s)%n", model.path().getFileName(), engine.description(), concurrent,
                            budget.within(maxBudget), maxBudget);
                    while (!terminated.get() && !parent.interrupted()) {
                        Thread.sleep(100);
                    }
                    parent.err.println("reason serve: stopping: no new requests; those in flight get up to "
                            + grace + " s");
                    server.shutdown();
                }
            } catch (ModelException e) {
                parent.err.println("reason: " + e.getMessage());
                return ExitCodes.MODEL;
            } catch (DeviceException e) {
                parent.err.println("reason: " + e.getMessage());
                return ExitCodes.DEVICE;
            }
        }
        return ExitCodes.ANSWERED;
    }

    private static String rootMessage(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage();
    }

    /** Each request's search: the command line's settings, with the request's knobs over them. */
    private final class RequestSearches implements Searches {
        private final ModelDirectory model;
        private final Engine engine;
        private final Strategy voting;

        RequestSearches(ModelDirectory model, Engine engine, Strategy voting) {
            this.model = model;
            this.engine = engine;
            this.voting = voting;
        }

        @Override
        public Search search(Knobs k, String question, int promptLength) {
            SamplingParams base = decoding.sampling(model.generation());
            SamplingParams sampling;
            try {
                sampling = new SamplingParams(k.temperature() != null ? k.temperature() : base.temperature(),
                        k.topP() != null ? k.topP() : base.topP(), base.topK(), base.minP(), base.repetitionPenalty(),
                        k.presencePenalty() != null ? k.presencePenalty() : base.presencePenalty(),
                        k.frequencyPenalty() != null ? k.frequencyPenalty() : base.frequencyPenalty(),
                        base.noRepeatNgramSize());
            } catch (IllegalArgumentException e) {
                throw new Refused(null, e.getMessage().replace("--", ""));
            }
            Generator.Params params = searchOptions.params(model, decoding, sampling, decoding.parallel(engine),
                    promptLength).withStops(k.stops());
            if (k.maxTokens() != null) {
                params = params.withMaxNewTokens(Math.min(k.maxTokens(), params.maxNewTokens()));
            }
            if (k.seed() != null) {
                params = params.withSeed(k.seed());
            }
            Strategy strategy = k.strategy() == null ? voting : parsed("strategy", () -> StopRules.strategy(k.strategy()));
            StopRule rule = k.stopRule() == null ? null : parsed("stop_rule", () -> StopRules.parse(k.stopRule()));
            Budget b = (k.budget() != null ? k.budget() : budget).within(maxBudget);
            return rule == null ? searchOptions.search(model, engine, params, b, strategy, question)
                    : searchOptions.search(model, engine, params, b, strategy, rule, question);
        }

        private static <T> T parsed(String param, Supplier<T> parse) {
            try {
                return parse.get();
            } catch (IllegalArgumentException e) {  // the parsers name the options; a request names its fields
                throw new Refused(param, e.getMessage().replace("--stop", "stop_rule").replace("--strategy", "strategy"));
            }
        }
    }
}
