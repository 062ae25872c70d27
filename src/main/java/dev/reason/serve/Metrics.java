package dev.reason.serve;

import dev.reason.search.SearchResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * What {@code GET /metrics} shows, in Prometheus's text format: requests, the queue, the batch, tokens, times and
 * the JVM's memory.
 */
final class Metrics {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter promptTokens;
    private final Counter completionTokens;
    private final Counter chains;
    private final Timer searches;

    /** The counters, and the JVM's memory by area and pool (a server's heap over many requests shows a leak). */
    Metrics() {
        new JvmMemoryMetrics().bindTo(registry);
        promptTokens = Counter.builder("reason.tokens.prompt").description("prompt tokens prefilled")
                .register(registry);
        completionTokens = Counter.builder("reason.tokens.completion")
                .description("tokens generated, over all chains").register(registry);
        chains = Counter.builder("reason.chains").description("chains started").register(registry);
        searches = Timer.builder("reason.search").description("a search's time, from admission to its answer")
                .register(registry);
    }

    /** A value read at each scrape, such as the queue's length. */
    void gauge(String name, String description, Supplier<Number> value) {
        Gauge.builder(name, value).description(description).register(registry);
    }

    /** One HTTP request answered: by route and status. */
    void request(String route, int status, double millis) {
        Timer.builder("reason.http.requests").description("HTTP requests, by route and status")
                .tag("route", route).tag("status", Integer.toString(status)).register(registry)
                .record(Duration.ofNanos((long) (millis * 1e6)));
    }

    /** One search ended. */
    void search(SearchResult r, int prompt) {
        promptTokens.increment(prompt);
        completionTokens.increment(r.tokens());
        chains.increment(r.chainsStarted());
        searches.record(Duration.ofNanos((long) (r.seconds() * 1e9)));
    }

    String scrape() {
        return registry.scrape();
    }
}
