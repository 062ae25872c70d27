package dev.reason.serve;

import dev.reason.search.Budget;
import dev.reason.search.Search;

import java.util.List;

/**
 * Makes one request's search: the server's own settings (the command line's options), with the request's knobs
 * over them. The command line implements it, since it owns those settings and the parsers of strategies and rules.
 */
public interface Searches {
    /**
     * @param question     the last user message, which the verifiers read
     * @param promptLength the prompt's tokens, which bound the chains' token limit
     * @throws Refused for a knob it cannot take
     */
    Search search(Knobs knobs, String question, int promptLength);

    /** What a request may change; null (or an empty list) leaves the server's setting. */
    record Knobs(Float temperature, Float topP, Float presencePenalty, Float frequencyPenalty, Long seed,
                 Integer maxTokens, List<String> stops, Budget budget, String strategy, String stopRule) {
        public Knobs {
            stops = stops == null ? List.of() : List.copyOf(stops);
        }

        /** None: the server's settings throughout. */
        public static final Knobs NONE = new Knobs(null, null, null, null, null, null, List.of(), null, null, null);
    }

    /** A knob the search cannot take: {@code param} is the request's field, the message says why. */
    final class Refused extends IllegalArgumentException {
        private final String param;

        public Refused(String param, String message) {
            super(message);
            this.param = param;
        }

        public String param() {
            return param;
        }
    }
}
