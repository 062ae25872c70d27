package dev.reason.search;

import dev.reason.runtime.Chain;
import dev.reason.runtime.Engine;
import dev.reason.runtime.Generator;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Self-consistency search: spends a budget on parallel chains of thought, extracts each chain's answer,
 * votes, and stops when the budget runs out or the stopping rule says the vote is decided. Whatever stops
 * it (budget, rule, Ctrl-C), the result carries the best answer so far.
 */
public final class Search {
    private final Engine engine;
    private final IntFunction<String> piece;
    private final Generator.Params params;
    private final Budget budget;
    private final StopRule rule;
    private final Clock clock;

    public Search(Engine engine, IntFunction<String> piece, Generator.Params params, Budget budget, StopRule rule,
                  Clock clock) {
        this.engine = engine;
        this.piece = piece;
        this.params = params;
        this.budget = budget;
        this.rule = rule;
        this.clock = clock;
    }

    /**
     * @param interrupted polled between decode steps (Ctrl-C)
     * @param progress    receives a snapshot after every finished chain and every few steps
     */
    public SearchResult run(int[] prompt, BooleanSupplier interrupted, Consumer<SearchResult> progress) {
        Run run = new Run(interrupted, progress);
        Generator.Stats stats = new Generator(engine, piece, params).run(prompt, run);
        run.stats = stats;
        return run.snapshot(true);
    }

    /** One search in progress: the budget meter, the tally and the decode loop's listener. */
    private final class Run implements Generator.Listener {
        final BudgetMeter meter = new BudgetMeter(budget, clock);
        final VoteTally tally = new VoteTally();
        final List<SearchResult.ChainReport> chains = new ArrayList<>();
        final BooleanSupplier interrupted;
        final Consumer<SearchResult> progress;
        StopReason stopped;
        StopRule.Decision decision = new StopRule.Decision(false, 0);
        Generator.Stats stats;
        int active;
        int rounds;

        Run(BooleanSupplier interrupted, Consumer<SearchResult> progress) {
            this.interrupted = interrupted;
            this.progress = progress;
        }

        @Override
        public boolean mayStartChain() {
            if (stopped != null || decision.stop() || interrupted.getAsBoolean() || !meter.mayStartChain()) {
                return false;
            }
            meter.chainStarted();
            return true;
        }

        @Override
        public boolean stopNow(int activeChains) {
            active = activeChains;
            if (stopped == null) {
                if (interrupted.getAsBoolean()) {
                    stopped = StopReason.INTERRUPTED;
                } else if (decision.stop()) {
                    stopped = StopReason.DECIDED;
                } else {
                    stopped = meter.check(activeChains).orElse(null);
                }
            }
            if (stopped == null && ++rounds % 8 == 0) {
                progress.accept(snapshot(false));
            }
            return stopped != null;
        }

        @Override
        public void onTokens(int count) {
            meter.tokensGenerated(count);
        }

        @Override
        public void onChainFinished(Chain chain) {
            meter.chainFinished();
            Optional<AnswerExtractor.Answer> answer = AnswerExtractor.extract(chain.text());
            answer.ifPresent(a -> tally.add(a.value(), chain.sumLogprob()));
            chains.add(SearchResult.ChainReport.of(chain, answer.map(AnswerExtractor.Answer::value).orElse(null)));
            decision = rule.check(tally, stillPossible());
            progress.accept(snapshot(false));
        }

        @Override
        public void onUnfinished(List<Chain> unfinished) {
            // Unfinished chains vote only when nothing finished has an answer: an anytime answer, never nothing.
            boolean anytime = tally.totalVotes() == 0;
            for (Chain c : unfinished) {
                String a = anytime ? AnswerExtractor.extract(c.text()).map(AnswerExtractor.Answer::value).orElse(null) : null;
                chains.add(SearchResult.ChainReport.of(c, a));
                if (a != null) {
                    tally.add(a, c.sumLogprob());
                }
            }
        }

        /** Chains that could still vote: the rest of the sample budget, or unknown. */
        private int stillPossible() {
            return budget.samples() > 0 ? Math.max(0, budget.samples() - meter.chainsFinished()) : Integer.MAX_VALUE;
        }

        SearchResult snapshot(boolean last) {
            StopRule.Decision d = tally.totalVotes() == 0 ? decision : rule.check(tally, stillPossible());
            return new SearchResult(
                    tally.leader().map(VoteTally.Candidate::answer).orElse(null),
                    tally.ranking(),
                    tally.totalVotes(),
                    d.confidence(),
                    rule.name(),
                    List.copyOf(chains),
                    meter.chainsStarted(),
                    last ? 0 : active,
                    meter.tokensUsed(),
                    meter.elapsed().toNanos() / 1e9,
                    engine.description(),
                    last ? (stopped == null ? StopReason.NO_MORE_CHAINS : stopped) : null,
                    budget.toString(),
                    stats == null ? 0 : stats.backendNanos() / 1e9);
        }
    }
}
