package dev.reason.search.vote;

import dev.reason.runtime.Chain;
import dev.reason.search.answer.AnswerExtractor;
import dev.reason.search.verify.Verifier;

import java.util.Objects;

/**
 * What a {@link Strategy} needs to know about one chain: its answer and the numbers that weigh it. Built
 * from a live {@link Chain} ({@link #of}) or from a stored pool (the canonical constructor), so a strategy
 * gives the same decision live and in an offline replay.
 *
 * @param answer          the normalized answer ({@link AnswerExtractor}), or null when the chain has none
 *                        (it then takes no part in a vote)
 * @param sumLogprob      summed log-probability of the chain's tokens (the tie-break of {@link VoteTally})
 * @param meanLogprob     the same per token (length-normalized), 0 for an empty chain
 * @param tokenConfidence per token, DeepConf's confidence {@code -mean(top-k logprobs)}
 *                        ({@link DeepConf#tokenConfidence}); not copied, do not modify
 * @param verdict         a verifier's verdict on the chain, {@link Verifier.Verdict#UNKNOWN} when unchecked
 */
public record ScoredChain(String answer, double sumLogprob, double meanLogprob, double[] tokenConfidence,
                          Verifier.Verdict verdict) {

    public ScoredChain {
        Objects.requireNonNull(tokenConfidence, "tokenConfidence");
        Objects.requireNonNull(verdict, "verdict");
        if (answer != null && answer.isEmpty()) {
            throw new IllegalArgumentException("answer must be null or non-empty");
        }
        if (Double.isNaN(sumLogprob) || Double.isNaN(meanLogprob)) {
            throw new IllegalArgumentException("chain log-probability is NaN");
        }
        for (double c : tokenConfidence) {
            if (Double.isNaN(c)) {
                throw new IllegalArgumentException("token confidence is NaN");
            }
        }
    }

    /** An unverified chain. */
    public ScoredChain(String answer, double sumLogprob, double meanLogprob, double[] tokenConfidence) {
        this(answer, sumLogprob, meanLogprob, tokenConfidence, Verifier.Verdict.UNKNOWN);
    }

    /**
     * @param answer the chain's normalized answer, or null
     */
    public static ScoredChain of(Chain chain, String answer) {
        return of(chain, answer, Verifier.Verdict.UNKNOWN);
    }

    public static ScoredChain of(Chain chain, String answer, Verifier.Verdict verdict) {
        return new ScoredChain(answer, chain.sumLogprob(), chain.meanLogprob(), DeepConf.tokenConfidences(chain),
                verdict);
    }

    /** The chain, checked by {@code verifier} against {@code question}. */
    public static ScoredChain of(Chain chain, String answer, Verifier verifier, String question) {
        return of(chain, answer, verifier.check(question, chain.text(), answer));
    }

    public ScoredChain withVerdict(Verifier.Verdict v) {
        return new ScoredChain(answer, sumLogprob, meanLogprob, tokenConfidence, v);
    }

    public int tokenCount() {
        return tokenConfidence.length;
    }
}
