package dev.reason.serve;

import java.util.Map;

/**
 * A reply in OpenAI's error shape, {@code {"error": {"message", "type", "param", "code"}}}, with its HTTP status;
 * thrown by the handlers and written by the server. Its message is meant for the client: never a stack trace.
 */
final class ApiError extends RuntimeException {
    final int status;
    final String type;
    final String param;
    final String code;
    final Map<String, String> headers;

    private ApiError(int status, String type, String param, String code, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.headers = headers;
    }

    /** 400: a field the request got wrong; {@code param} names it (null: the body as a whole). */
    static ApiError badRequest(String param, String message) {
        return new ApiError(400, "invalid_request_error", param, null, message, Map.of());
    }

    /** 400 with a code of OpenAI's, such as {@code context_length_exceeded}. */
    static ApiError badRequest(String param, String code, String message) {
        return new ApiError(400, "invalid_request_error", param, code, message, Map.of());
    }

    static ApiError unauthorized() {
        return new ApiError(401, "invalid_request_error", null, "invalid_api_key",
                "missing or wrong API key: send it as the header Authorization: Bearer KEY", Map.of());
    }

    static ApiError notFound(String param, String code, String message) {
        return new ApiError(404, "invalid_request_error", param, code, message, Map.of());
    }

    static ApiError tooLarge(long limit) {
        return new ApiError(413, "invalid_request_error", null, "request_too_large",
                "the request body is over the server's limit of " + limit + " bytes", Map.of());
    }

    /** 429: the queue is full; the client may try again after {@code seconds}. */
    static ApiError queueFull(int queue, long seconds) {
        return new ApiError(429, "rate_limit_error", null, "queue_full", "the server's queue of " + queue
                + " searches is full: try again in " + seconds + " s", Map.of("Retry-After", Long.toString(seconds)));
    }

    /** 503: the model is still loading, or the server is shutting down. */
    static ApiError unavailable(String code, String message) {
        return new ApiError(503, "server_error", null, code, message, Map.of());
    }

    static ApiError internal(String message) {
        return new ApiError(500, "server_error", null, "internal_error", message, Map.of());
    }
}
