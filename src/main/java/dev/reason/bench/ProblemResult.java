package dev.reason.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.reason.runtime.Chain;
import dev.reason.search.vote.DeepConf;
import java.util.List;
import java.util.Objects;

/**
 * What a benchmark run keeps about one problem: one line of {@code results.jsonl}. Everything the summary needs is
 * here, so a summary can be recomputed (with other k, seeds or groupings) without running the model again.
 *
 * @param id         the {@link Problem#id()}
 * @param dataset    the {@link Problem#dataset()}
 * @param difficulty the {@link Problem#difficulty()}, may be null
 * @param reference  the reference answer, null for Game of 24
 * @param greedy     the greedy (temperature 0) chain, null when the run made none
 * @param pool       the sampled chains, in start order
 */
public record ProblemResult(String id, String dataset, String difficulty, String reference, ChainResult greedy,
                            List<ChainResult> pool) {

    public ProblemResult {
        Objects.requireNonNull(id, "id");
        pool = pool == null ? List.of() : List.copyOf(pool);
    }

    /**
     * One chain's outcome.
     *
     * @param answer      the extracted, normalized answer; null when the chain gave none
     * @param correct     whether that answer is right
     * @param tokens      generated tokens
     * @param seconds     wall time of the chain
     * @param meanLogprob mean token log-probability (a confidence signal)
     * @param minLogprob  lowest token log-probability
     * @param sumLogprob  summed token log-probability (the vote's tie-break)
     * @param text        the chain's text, kept only when asked for (it makes the file large); null otherwise
     * @param verdict     the task verifier's verdict on the chain (pass, fail, unknown), for replaying verified votes
     * @param confidence  per token, DeepConf's confidence (rounded), kept only when asked for; null otherwise
     * @param failsAt     for a chain whose steps fail, the tokens it had written when its first failing line ended
     *                    ({@link dev.reason.search.verify.Verifier#checkSteps}: where a live verified search cuts it, for
     *                    replaying that cut); null otherwise, and in runs recorded before it existed
     */
    public record ChainResult(String answer, boolean correct, int tokens, double seconds, double meanLogprob,
                              double minLogprob, double sumLogprob,
                              @JsonInclude(JsonInclude.Include.NON_NULL) String text,
                              @JsonInclude(JsonInclude.Include.NON_NULL) String verdict,
                              @JsonInclude(JsonInclude.Include.NON_NULL) double[] confidence,
                              @JsonInclude(JsonInclude.Include.NON_NULL) Integer failsAt) {

        public ChainResult(String answer, boolean correct, int tokens, double seconds, double meanLogprob,
                           double minLogprob, double sumLogprob, String text) {
            this(answer, correct, tokens, seconds, meanLogprob, minLogprob, sumLogprob, text, null, null, null);
        }

        /** The result of a finished engine chain, graded by the caller; its text kept when {@code keepText}. */
        public static ChainResult of(Chain chain, String answer, boolean correct, boolean keepText) {
            return of(chain, answer, correct, keepText, null, false, null);
        }

        public static ChainResult of(Chain chain, String answer, boolean correct, boolean keepText, String verdict,
                                     boolean keepConfidence, Integer failsAt) {
            double[] conf = null;
            if (keepConfidence) {
                conf = DeepConf.tokenConfidences(chain);
                for (int i = 0; i < conf.length; i++) {
                    conf[i] = Math.round(conf[i] * 1000) / 1000.0;
                }
            }
            return new ChainResult(answer, correct, chain.tokenCount(), chain.seconds(), chain.meanLogprob(),
                    chain.minLogprob(), chain.sumLogprob(), keepText ? chain.text() : null, verdict, conf, failsAt);
        }
    }
}
