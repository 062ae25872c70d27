package dev.reason.model;

/**
 * The tags a reasoning model (Qwen3, QwQ, the DeepSeek-R1 distills) thinks between before it answers; one place for
 * the template check, the answer-line stop and the answer extractor.
 */
public final class ThinkTags {
    public static final String START = "<think>";
    public static final String END = "</think>";

    private ThinkTags() {
    }
}
