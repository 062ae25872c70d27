package dev.reason.runtime;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.Engine;
import dev.reason.engine.Prefill;

import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/** A batch that passes every call to another: tests override the one call they change. */
public class ForwardingBatch implements DecodeBatch {
    protected final DecodeBatch inner;

    public ForwardingBatch(DecodeBatch inner) {
        this.inner = inner;
    }

    /** An engine whose batches are the given engine's, wrapped (by a ForwardingBatch subclass). */
    public static Engine engine(Engine inner, UnaryOperator<DecodeBatch> wrap) {
        return engine(inner, (prompt, batch) -> wrap.apply(batch));
    }

    /** The same, with a wrapper that also sees the batch's prompt. */
    public static Engine engine(Engine inner, BiFunction<int[], DecodeBatch, DecodeBatch> wrap) {
        return new Engine() {
            public String device() {
                return inner.device();
            }

            public String description() {
                return inner.description();
            }

            public DecodeBatch start(int[] prompt, int slots, int maxNewTokens) {
                return wrap.apply(prompt, inner.start(prompt, slots, maxNewTokens));
            }

            public void close() {
            }
        };
    }

    public int slots() {
        return inner.slots();
    }

    public int vocabSize() {
        return inner.vocabSize();
    }

    public Prefill prompt() {
        return inner.prompt();
    }

    public Prefill prefill(int[] prompt) {
        return inner.prefill(prompt);
    }

    public long kvBytes(long promptTokens, int longestPrompt) {
        return inner.kvBytes(promptTokens, longestPrompt);
    }

    public void startChain(int slot, Prefill prompt) {
        inner.startChain(slot, prompt);
    }

    public void endChain(int slot) {
        inner.endChain(slot);
    }

    public void rewind(int slot, int keep) {
        inner.rewind(slot, keep);
    }

    public float[] step(int[] tokens, boolean[] active) {
        return inner.step(tokens, active);
    }

    public long backendNanos() {
        return inner.backendNanos();
    }

    public void close() {
        inner.close();
    }
}
