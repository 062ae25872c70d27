package dev.reason.bench;

import dev.reason.runtime.Chain;
import dev.reason.runtime.Engine;
import dev.reason.runtime.Generator;
import dev.reason.sampling.SamplingParams;
import dev.reason.search.AnswerExtractor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Generates one problem's pool of K sampled chains (decoded in parallel, with refill) and one greedy chain,
 * and grades them. Each problem's chains use a seed derived from the run's seed and the problem id, so a
 * problem's pool does not depend on which other problems ran before it (resume and --offset give the same pool).
 */
public final class PoolGenerator {
    private final Engine engine;
    private final IntFunction<String> piece;
    private final SamplingParams sampling;
    private final int samples;
    private final int parallel;
    private final int maxNewTokens;
    private final int[] eosIds;
    private final long seed;
    private final boolean greedy;
    private final boolean keepText;

    public PoolGenerator(Engine engine, IntFunction<String> piece, SamplingParams sampling, int samples, int parallel,
                         int maxNewTokens, int[] eosIds, long seed, boolean greedy, boolean keepText) {
        this.engine = engine;
        this.piece = piece;
        this.sampling = sampling;
        this.samples = samples;
        this.parallel = parallel;
        this.maxNewTokens = maxNewTokens;
        this.eosIds = eosIds;
        this.seed = seed;
        this.greedy = greedy;
        this.keepText = keepText;
    }

    public ProblemResult run(Problem problem, int[] prompt) {
        long problemSeed = seed * 1_000_003L + problem.id().hashCode();
        List<Chain> pool = decode(prompt, sampling, samples, Math.min(parallel, samples), problemSeed);
        List<ProblemResult.ChainResult> graded = new ArrayList<>();
        for (Chain c : pool) {
            graded.add(grade(problem, c));
        }
        ProblemResult.ChainResult greedyChain = null;
        if (greedy) {
            greedyChain = grade(problem, decode(prompt, SamplingParams.greedy(), 1, 1, problemSeed).get(0));
        }
        return new ProblemResult(problem.id(), problem.dataset(), problem.difficulty(), problem.answer(), greedyChain, graded);
    }

    private ProblemResult.ChainResult grade(Problem problem, Chain c) {
        String answer = AnswerExtractor.extract(c.text()).map(AnswerExtractor.Answer::value).orElse(null);
        if (answer != null && "aqua".equals(problem.dataset())) {
            answer = Equivalence.letter(answer); // "(C)" and "C" must vote together
        }
        boolean correct = answer != null && Equivalence.correct(problem, answer);
        return ProblemResult.ChainResult.of(c, answer, correct, keepText);
    }

    private List<Chain> decode(int[] prompt, SamplingParams params, int count, int slots, long chainSeed) {
        List<Chain> chains = new ArrayList<>();
        Generator.Params p = new Generator.Params(params, slots, maxNewTokens, chainSeed, eosIds, 5, true);
        new Generator(engine, piece, p).runChains(prompt, count, chains);
        return chains;
    }
}
