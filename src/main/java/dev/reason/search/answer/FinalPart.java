package dev.reason.search.answer;

import dev.reason.model.ThinkTags;

import java.util.Optional;

/**
 * The answering part of a reasoning model's chain. DeepSeek-R1 distills, Qwen3 and QwQ think inside
 * {@code <think>...</think>} (trying values, writing equations they then correct) and answer after it; what the
 * chain asserts is that answer.
 */
public final class FinalPart {
    private FinalPart() {
    }

    /**
     * The text after the last {@code </think>}; empty text when the chain opened its thinking and never closed it (it
     * has answered nothing yet); no value when the chain does not think in tags (all of it is the answer).
     */
    public static Optional<String> of(String chainText) {
        int end = chainText.lastIndexOf(ThinkTags.END);
        if (end >= 0) {
            return Optional.of(chainText.substring(end + ThinkTags.END.length()));
        }
        return chainText.contains(ThinkTags.START) ? Optional.of("") : Optional.empty();
    }
}
