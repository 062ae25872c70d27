package dev.reason.cli;

import dev.reason.engine.Engine;
import dev.reason.model.ModelDirectory;
import dev.reason.runtime.Generator;
import dev.reason.sampling.SamplingParams;
import dev.reason.search.Budget;
import dev.reason.search.Clock;
import dev.reason.search.Search;
import dev.reason.search.stop.StopRule;
import dev.reason.search.verify.Verifier;
import dev.reason.search.verify.Verifiers;
import dev.reason.search.vote.Strategy;
import picocli.CommandLine.Option;

/**
 * How one question is searched, as {@code reason} and {@code reason distill} both take it: --stop, --strategy and
 * --keep-loops, and the search they build. --budget stays with each command, since its default differs.
 */
final class SearchOptions {
    /** Each token's largest log-probabilities kept: its confidence, as the weighted votes and deepconf read it. */
    private static final int TOP_LOGPROBS = 5;

    @Option(names = "--stop", paramLabel = "RULE", defaultValue = "ac-beta",
            description = "When the vote is decided: ac-beta, ac-dirichlet, esc, gain, deepconf, first-verified,"
                    + " decided, none; parameters after a colon, e.g. esc:window=8 (default: ${DEFAULT-VALUE}).")
    String stop;

    @Option(names = "--strategy", paramLabel = "NAME", defaultValue = "verified",
            description = "How chains vote: verified (chains that fail an exact check of their steps do not vote),"
                    + " majority, weighted; e.g. verified:redraw=4 (default: ${DEFAULT-VALUE}).")
    String strategy;

    @Option(names = "--keep-loops",
            description = "Let a chain that keeps repeating itself run on to the token limit; by default it ends, unanswered.")
    boolean keepLoops;

    /**
     * The --strategy, parsed; a bad --stop is refused here too, so that either is reported before the model loads.
     * Each question gets its own rule ({@link #search}).
     */
    Strategy voting() {
        StopRules.parse(stop);
        return StopRules.strategy(strategy);
    }

    /** How one question's chains are decoded: {@code slots} at a time, each ending at its answer line. */
    Generator.Params params(ModelDirectory model, SamplingOptions decoding, SamplingParams sampling, int slots,
                            int promptLength) {
        int maxTokens = decoding.maxTokens(model.generation(), model.config().maxPositions(), promptLength);
        return new Generator.Params(sampling, slots, maxTokens, decoding.seed, model.eosIds(), TOP_LOGPROBS)
                .withLoopsCut(!keepLoops);
    }

    /**
     * The batch that {@code concurrent} searches share: the run's settings, with the width of slots each search of
     * {@code budget} runs alone ({@link Search#width}) for each of them.
     */
    Generator.Params batchParams(ModelDirectory model, SamplingOptions decoding, Engine engine, int concurrent,
                                 Budget budget) {
        Generator.Params one = params(model, decoding, decoding.sampling(model.generation()),
                decoding.parallel(engine), 0);
        return one.withParallel(BatchOptions.slots(concurrent, Search.width(one, budget)));
    }

    /**
     * One question's search, with a stopping rule of its own (a rule keeps state, such as esc's last answers or
     * first-verified's pass) and the question's verifier where the strategy or the rule reads verdicts.
     */
    Search search(ModelDirectory model, Engine engine, Generator.Params params, Budget budget, Strategy voting,
                  String question) {
        return search(model, engine, params, budget, voting, StopRules.parse(stop), question);
    }

    /** The same with another stopping rule (a server request's {@code stop_rule}). */
    Search search(ModelDirectory model, Engine engine, Generator.Params params, Budget budget, Strategy voting,
                  StopRule rule, String question) {
        Verifier verifier = voting.usesVerifier() || rule.usesVerifier() ? Verifiers.forQuestion(question)
                : Verifier.none();
        return new Search(engine, model.tokenizer()::stream, params, budget, voting, rule, verifier,
                model.thinks() ? Search.Steps.TRIED : Search.Steps.ASSERTED, Clock.SYSTEM);
    }
}
