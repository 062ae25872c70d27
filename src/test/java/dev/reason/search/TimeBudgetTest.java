package dev.reason.search;

import dev.reason.engine.Engine;
import dev.reason.engine.cpu.OrtEngine;
import dev.reason.model.ModelDirectory;
import dev.reason.runtime.Generator;
import dev.reason.sampling.SamplingParams;
import dev.reason.search.stop.StopRule;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wall-clock budget on the shipped model: the search returns its vote on time, prefill included. */
class TimeBudgetTest {
    @Test
    void aTenSecondBudgetReturnsWithinTenAndAHalfSeconds() {
        try (ModelDirectory model = ModelDirectory.open(Path.of("models", "reason-mini"));
             Engine engine = OrtEngine.load(model, Runtime.getRuntime().availableProcessors(), line -> { })) {
            String q = "What is 47 + 38 * 2 - 19?";
            int[] prompt = model.promptIds(q);
            Generator.Params params = new Generator.Params(new SamplingParams(0.8f, 0.95f, 0, 0f), 16, 400, 1,
                    model.eosIds(), 5);
            long t0 = System.nanoTime();
            SearchResult r = new Search(engine, model.tokenizer()::stream, params, Budget.parse("10s"), StopRule.none(),
                    Clock.SYSTEM).run(q, prompt, () -> false, x -> { });
            double wall = (System.nanoTime() - t0) / 1e9;
            assertTrue(r.stopReason() == StopReason.TIME, "stopped by " + r.stopReason());
            assertTrue(wall >= 10.0 && wall <= 10.5, "returned after " + wall + " s");
            assertTrue(r.answer() != null, "an anytime answer");
        }
    }
}
