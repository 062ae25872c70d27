package dev.reason.model;

import java.util.Map;

/**
 * What goes into the chat template besides the user's question: an optional system message (the conversation's
 * first message, as transformers' {@code apply_chat_template} takes it) and extra template variables
 * ({@code **kwargs}, e.g. Qwen3's {@code enable_thinking}).
 */
public record PromptOptions(String system, Map<String, Object> variables) {
    public static final PromptOptions NONE = new PromptOptions(null, Map.of());

    public PromptOptions {
        variables = Map.copyOf(variables);
    }

    public static PromptOptions variables(Map<String, Object> variables) {
        return new PromptOptions(null, variables);
    }
}
