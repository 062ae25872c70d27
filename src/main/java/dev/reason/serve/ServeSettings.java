package dev.reason.serve;

import java.time.Duration;

/**
 * How the server listens and how much it takes on.
 *
 * @param apiKey     the Bearer key every /v1 call must carry; null: none asked
 * @param queue      searches that may wait for a place in the batch; one more is refused with 429
 * @param maxBody    the largest request body, in bytes; a larger one is refused with 413
 * @param grace      how long in-flight requests may run on after SIGTERM before their searches are stopped
 */
public record ServeSettings(String host, int port, String apiKey, int queue, long maxBody, Duration grace) {
    /** Request bodies up to 1 MiB: far more than any model's context holds as text. */
    public static final long MAX_BODY = 1 << 20;

    public ServeSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be between 0 and 65535, got " + port);
        }
        if (queue < 1) {
            throw new IllegalArgumentException("--queue must be at least 1, got " + queue);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("--api-key is empty: give a key, or leave the option out");
        }
    }
}
