package dev.reason.engine;

import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;

import java.util.Arrays;

/**
 * The decode rows of one run. Each slot holds one chain at a time; when a chain ends, the slot takes a new chain at
 * once ({@link #startChain}), which is what keeps the batch full. A batch opens with one prompt prefilled
 * ({@link #prompt()}) and prefills more as questions join it: each chain starts from the prompt of its own question,
 * so chains of different questions decode together.
 */
public interface DecodeBatch extends AutoCloseable {
    int slots();

    int vocabSize();

    /** The prompt the batch was opened with. */
    Prefill prompt();

    /** Runs another prompt once and keeps its cache for chains to start from. */
    Prefill prefill(int[] prompt);

    /**
     * KV-cache bytes the batch would hold with live prompts of {@code promptTokens} tokens in all, the longest of them
     * {@code longestPrompt}: what a scheduler weighs against its memory budget before it prefills one more.
     */
    long kvBytes(long promptTokens, int longestPrompt);

    /** Slot {@code slot} begins a new chain from {@code prompt}: its cache rows become the prompt's. */
    void startChain(int slot, Prefill prompt);

    /** A chain of the batch's first prompt. */
    default void startChain(int slot) {
        startChain(slot, prompt());
    }

    /** Next-token logits after the batch's first prompt (a copy, the caller's). */
    default float[] promptLogits() {
        return prompt().logits();
    }

    /** Slot {@code slot}'s chain has ended and nothing takes its place yet: its rows are freed. */
    default void endChain(int slot) {
    }

    /**
     * Slot {@code slot}'s chain goes back to the first {@code keep} tokens fed to it since its {@link #startChain}
     * (0 up to all of them): the next token fed to it takes the position after those, and the cache rows of the
     * tokens dropped are never read again. For a search that draws a chain's failing step again.
     */
    void rewind(int slot, int keep);

    /**
     * Feeds one token to every active slot and returns next-token logits as one array of
     * {@code slots * vocabSize} (rows of inactive slots are meaningless). The array is reused by the next call, and
     * the caller may change it (the decode loop penalizes repetitions in place).
     */
    float[] step(int[] tokens, boolean[] active);

    /**
     * Whether {@link #stepAndSample} works: a GPU batch draws tokens where the logits are, so only token ids and
     * log-probabilities cross to the host. The CPU batch returns logits, and the decode loop draws on the host from
     * them through the same two calls.
     */
    default boolean samplesOnDevice() {
        return false;
    }

    /**
     * {@link #step} followed by drawing every active slot's next token on the device, with the host sampler's
     * semantics ({@code Sampler}) and the slot's own settings {@code params[slot]}: {@code uniforms[slot]} is the
     * chain's next draw from its own random stream, so a seed means the same thing on both devices. The penalties and
     * the n-gram ban in {@code params} are the batch's to apply: each slot's tokens are its prompt's and those fed to
     * it since its {@link #startChain}, the ones it knows.
     * Returns one choice per slot (null for inactive slots), each with {@code topLogprobs[slot]} top
     * log-probabilities (of the penalized logits, before temperature and filters); the array is reused by the next
     * call.
     */
    default TokenChoice[] stepAndSample(int[] tokens, boolean[] active, double[] uniforms, SamplingParams[] params,
                                        int[] topLogprobs) {
        throw new UnsupportedOperationException("this batch samples on the host: call step()");
    }

    /** {@link #stepAndSample(int[], boolean[], double[], SamplingParams[], int[])} with one setting for every slot. */
    default TokenChoice[] stepAndSample(int[] tokens, boolean[] active, double[] uniforms, SamplingParams params,
                                        int topLogprobs) {
        SamplingParams[] each = new SamplingParams[slots()];
        int[] top = new int[slots()];
        Arrays.fill(each, params);
        Arrays.fill(top, topLogprobs);
        return stepAndSample(tokens, active, uniforms, each, top);
    }

    /**
     * Draws the first token of the chains of {@code starting} slots on the device from {@code firstLogits}, the
     * prompt's logits as the host has them (penalized for the prompt, its banned n-grams removed), with the host
     * sampler's semantics and each chain's {@code uniforms[slot]}: the host sampler reads the whole vocabulary for
     * each chain, which at a large vocabulary costs more than the GPU's draw (docs/gpu.md). Returns one choice
     * per slot (null for the others) in a new array; only for batches that {@link #samplesOnDevice}. The batch may
     * keep its copy of {@code firstLogits} between calls: pass the same array, unchanged, every time.
     */
    default TokenChoice[] sampleFirst(float[] firstLogits, boolean[] starting, double[] uniforms,
                                      SamplingParams params, int topLogprobs) {
        throw new UnsupportedOperationException("this batch samples on the host: use the Sampler");
    }

    /** Nanoseconds spent inside the backend's own run calls, for the share-of-time report. */
    long backendNanos();

    @Override
    void close();
}
