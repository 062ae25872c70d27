package dev.reason.bench;

import dev.reason.engine.Engine;
import dev.reason.model.TextStream;
import dev.reason.runtime.Chain;
import dev.reason.runtime.Generator;
import dev.reason.sampling.SamplingParams;
import dev.reason.search.answer.AnswerExtractor;
import dev.reason.search.verify.Verifier;
import dev.reason.search.verify.Verifiers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Generates one problem's pool of K sampled chains (decoded in parallel, with refill) and one greedy chain,
 * and grades them. Each problem's chains use a seed derived from the run's seed and the problem id, so a
 * problem's pool does not depend on which other problems ran before it (resume and --offset give the same pool).
 */
public final class PoolGenerator {
    /**
     * @param keepText        store each chain's text
     * @param keepConfidence  store each chain's per-token DeepConf confidences (for replaying DeepConf)
     * @param stepsAreAnswers the model does not think before it answers: a failing chain's first failing line is
     *                        recorded (for replaying verified voting's early cut)
     */
    public record Options(SamplingParams sampling, int samples, int parallel, int maxNewTokens, int[] eosIds, long seed,
                          boolean greedy, boolean keepText, boolean keepConfidence, boolean stepsAreAnswers) {
    }

    private final Engine engine;
    private final Supplier<TextStream> texts;
    private final Options o;

    public PoolGenerator(Engine engine, Supplier<TextStream> texts, Options options) {
        this.engine = engine;
        this.texts = texts;
        this.o = options;
    }

    /**
     * The pool and greedy chain of one problem, each in a batch of its own size; {@code maxNewTokens} caps the
     * per-chain limit for this prompt.
     */
    public ProblemResult run(Problem problem, int[] prompt, int maxNewTokens) {
        ProblemResult[] result = new ProblemResult[1];
        for (Generator.Job job : jobs(problem, prompt, maxNewTokens, r -> result[0] = r)) {
            new Generator(engine, texts, job.params()).run(List.of(job).iterator(), Generator.Admission.ONE);
        }
        return result[0];
    }

    /**
     * The problem's pool and (unless left out) its greedy chain as jobs of a run that several problems may share;
     * {@code done} receives the graded result when both have ended. Each job's settings size a batch of its own.
     */
    public List<Generator.Job> jobs(Problem problem, int[] prompt, int maxNewTokens, Consumer<ProblemResult> done) {
        long problemSeed = o.seed() * 1_000_003L + problem.id().hashCode();
        int limit = Math.min(o.maxNewTokens(), maxNewTokens);
        Verifier verifier = Verifiers.forQuestion(problem.question());
        List<Chain> pool = new ArrayList<>();
        Chain[] greedy = new Chain[1];
        Runnable finish = () -> {
            if (pool.size() == o.samples() && (greedy[0] != null || !o.greedy())) {
                List<ProblemResult.ChainResult> graded = new ArrayList<>();
                for (Chain c : pool) {
                    graded.add(grade(problem, c, verifier));
                }
                ProblemResult.ChainResult greedyChain = o.greedy() ? grade(problem, greedy[0], verifier) : null;
                done.accept(new ProblemResult(problem.id(), problem.dataset(), problem.difficulty(), problem.answer(),
                        greedyChain, graded));
            }
        };
        List<Generator.Job> jobs = new ArrayList<>();
        jobs.add(Generator.pool(prompt, params(o.sampling(), Math.min(o.parallel(), o.samples()), problemSeed, limit),
                o.samples(), chains -> {
                    pool.addAll(chains);
                    finish.run();
                }));
        if (o.greedy()) {
            jobs.add(Generator.pool(prompt, params(SamplingParams.greedy(), 1, problemSeed, limit), 1, chains -> {
                greedy[0] = chains.get(0);
                finish.run();
            }));
        }
        return jobs;
    }

    private ProblemResult.ChainResult grade(Problem problem, Chain c, Verifier verifier) {
        String answer = AnswerExtractor.extract(c.text()).map(AnswerExtractor.Answer::value).orElse(null);
        if (answer != null && "aqua".equals(problem.dataset())) {
            answer = Equivalence.letter(answer); // "(C)" and "C" must vote together
        }
        boolean correct = answer != null && Equivalence.correct(problem, answer);
        Verifier.Verdict v = verifier.check(problem.question(), c.text(), answer);
        Integer failsAt = v == Verifier.Verdict.FAIL && o.stepsAreAnswers() ? failsAt(problem, c, verifier) : null;
        return ProblemResult.ChainResult.of(c, answer, correct, o.keepText(), v.name().toLowerCase(Locale.ROOT),
                o.keepConfidence(), failsAt);
    }

    /** The tokens of the chain up to the end of its first line on which {@link Verifier#checkSteps} fails, or null. */
    private Integer failsAt(Problem problem, Chain c, Verifier verifier) {
        TextStream stream = texts.get();
        StringBuilder text = new StringBuilder();
        int[] tokens = c.tokens();
        for (int i = 0; i < tokens.length; i++) {
            text.append(stream.next(tokens[i]));
            if (verifier.failsAtLineEnd(problem.question(), text)) {
                return i + 1;
            }
        }
        return null;
    }

    private Generator.Params params(SamplingParams sampling, int slots, long chainSeed, int limit) {
        return new Generator.Params(sampling, slots, limit, chainSeed, o.eosIds(), 5);
    }
}
