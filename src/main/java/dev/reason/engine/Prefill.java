package dev.reason.engine;

/**
 * A prompt run through the model once: its KV cache, held by the batch that made it, and its next-token logits. Chains
 * of any slot start from it ({@link DecodeBatch#startChain(int, Prefill)}); the batch frees its cache once it is
 * {@link #release released} and its last chain has ended.
 */
public interface Prefill {
    /** The prompt's tokens. */
    int length();

    /** Next-token logits after the prompt: the distribution of every chain's first token (a copy, the caller's). */
    float[] logits();

    /** The owner needs no more chains of it: the batch frees the cache when none is left running. */
    void release();
}
