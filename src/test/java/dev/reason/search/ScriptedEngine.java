package dev.reason.search;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.Engine;
import dev.reason.engine.Prefill;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * A model-free engine: chain i (in start order) writes the text {@code scripts.get(i % size)} one character per
 * token, then the end token 0. Every script starts with the same character, since the prompt's logits (the first
 * token of every chain) are computed once per search. Its logits put all mass on the scripted character, so any sampler reproduces it.
 * Each decode step advances the fake clock, so time budgets can be tested exactly. A script may hold variants of the
 * chain's text separated by {@code |}: a chain follows the first, and each rewind of its slot moves it to the next
 * one (the last one stays), which starts with the text kept.
 */
final class ScriptedEngine implements Engine {
    static final int VOCAB = 128;
    static final int EOS = 0;
    /** A script's {@code ~} is written as any character, but with a runner-up close behind (lower confidence). */
    static final char DOUBT = '~';

    private final List<String> scripts;
    private final FakeClock clock;
    private final Duration perStep;
    int steps;
    int slots;  // of the last batch started

    ScriptedEngine(List<String> scripts, FakeClock clock, Duration perStep) {
        this.scripts = scripts;
        this.clock = clock;
        this.perStep = perStep;
    }

    static String piece(int id) {
        return id == EOS ? "" : String.valueOf((char) id);
    }

    @Override
    public String device() {
        return "fake";
    }

    @Override
    public String description() {
        return "fake (scripted)";
    }

    @Override
    public DecodeBatch start(int[] prompt, int slots, int maxNewTokens) {
        this.slots = slots;
        return new DecodeBatch() {
            final String[][] variants = new String[slots][];
            final int[] variant = new int[slots];
            final String[] text = new String[slots];
            final int[] at = new int[slots];
            final float[] logits = new float[slots * VOCAB];
            int started;

            @Override
            public int slots() {
                return slots;
            }

            @Override
            public int vocabSize() {
                return VOCAB;
            }

            final Prefill handle = new Prefill() {
                @Override
                public int length() {
                    return prompt.length;
                }

                @Override
                public float[] logits() {
                    float[] l = new float[VOCAB];
                    Arrays.fill(l, -100f);
                    l[scripts.get(0).charAt(0)] = 100f;
                    return l;
                }

                @Override
                public void release() {
                }
            };

            @Override
            public Prefill prompt() {
                return handle;
            }

            @Override
            public Prefill prefill(int[] other) {
                throw new UnsupportedOperationException("a scripted engine runs one search: its chains share one prompt");
            }

            @Override
            public long kvBytes(long promptTokens, int longestPrompt) {
                return 0;
            }

            @Override
            public void startChain(int slot, Prefill from) {
                variants[slot] = scripts.get(started % scripts.size()).split("\\|");
                variant[slot] = 0;
                text[slot] = variants[slot][0];
                at[slot] = 1;
                started++;
            }

            @Override
            public void rewind(int slot, int keep) {
                variant[slot] = Math.min(variant[slot] + 1, variants[slot].length - 1);
                text[slot] = variants[slot][variant[slot]];
                at[slot] = keep + 1;  // the kept tokens are characters 0..keep-1; the one fed next is character keep
            }

            @Override
            public float[] step(int[] tokens, boolean[] active) {
                clock.advance(perStep);
                steps++;
                Arrays.fill(logits, -100f);
                for (int s = 0; s < slots; s++) {
                    if (active[s]) {
                        int next = at[s] < text[s].length() ? text[s].charAt(at[s]) : EOS;
                        logits[s * VOCAB + next] = 100f;
                        if (next == DOUBT) {
                            logits[s * VOCAB + '!'] = 95f;  // a runner-up close behind: a token of low confidence
                        }
                        at[s]++;
                    }
                }
                return logits;
            }

            @Override
            public long backendNanos() {
                return 0;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void close() {
    }
}
