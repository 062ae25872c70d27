package dev.reason.testing;

import dev.reason.sampling.Penalties;
import dev.reason.sampling.RepeatedNgrams;
import dev.reason.sampling.Sampler;
import dev.reason.sampling.SamplingParams;
import dev.reason.sampling.TokenChoice;

/** The reference for a batch's draws: what the host sampler picks from one slot's row of plain logits. */
public final class HostDraw {
    private HostDraw() {
    }

    /**
     * Slot {@code slot}'s draw from {@code logits} (changed in place): its penalties over {@code prompt} and
     * {@code chain} (the tokens fed to it), the ban on repeated n-grams, then the sampler with {@code u}.
     */
    public static TokenChoice of(float[] logits, int slot, int vocab, SamplingParams p, int[] prompt, int[] chain,
                                 int topLogprobs, double u) {
        if (p.penalizes()) {
            Penalties history = new Penalties(p, prompt);
            for (int t : chain) {
                history.add(t);
            }
            history.apply(logits, slot * vocab, vocab);
        }
        if (p.bansRepeatedNgrams()) {
            RepeatedNgrams.ban(logits, slot * vocab, vocab,
                    RepeatedNgrams.banned(p.noRepeatNgramSize(), prompt, chain, chain.length));
        }
        return new Sampler(p, topLogprobs).sample(logits, slot * vocab, vocab, u);
    }
}
