package dev.reason.model;

/**
 * A chain's text as its tokens arrive: each token gives the characters it completes. A character whose UTF-8 bytes
 * span several tokens (byte-level vocabularies split most non-ASCII characters) comes with its last byte, and
 * word-initial spaces of SentencePiece vocabularies are kept, so the pieces add up to the decoded whole.
 */
@FunctionalInterface
public interface TextStream {
    String next(int token);
}
