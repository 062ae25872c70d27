package dev.reason.runtime;

/**
 * The decode rows of one search. Each slot holds one chain at a time; when a chain ends, the slot
 * takes a new chain at once ({@link #startChain}), which is what keeps the batch full.
 */
public interface DecodeBatch extends AutoCloseable {
    int slots();

    int vocabSize();

    /** Next-token logits after the prompt: the distribution of every chain's first token. */
    float[] promptLogits();

    /** Slot {@code slot} begins a new chain: its cache rows become the prompt's. */
    void startChain(int slot);

    /**
     * Feeds one token to every active slot and returns next-token logits as one array of
     * {@code slots * vocabSize} (rows of inactive slots are meaningless). The array is reused by the next call.
     */
    float[] step(int[] tokens, boolean[] active);

    /** Nanoseconds spent inside the backend's own run calls, for the share-of-time report. */
    long backendNanos();

    @Override
    void close();
}
