package dev.reason.runtime;

import dev.reason.sampling.SamplingParams;
import dev.reason.testing.ShippedModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A stop text (an API request's {@code stop}) ends a chain where it writes it, and changes nothing before. */
class StopTextsTest {
    @Test
    void aGreedyChainEndsAtItsFirstStopTextAsAPrefixOfTheWholeChain() {
        var model = ShippedModel.model();
        int[] prompt = model.promptIds("What is 2 + 3?");
        var params = new Generator.Params(SamplingParams.greedy(), 1, 64, 0, model.eosIds(), 0);
        Chain whole = one(params, prompt);
        Chain stopped = one(params.withStops(List.of("zzz", "=")), prompt);
        assertTrue(whole.text().contains("="), whole.text());
        assertEquals(FinishReason.STOP, stopped.finish());
        assertTrue(whole.text().startsWith(stopped.text()), stopped.text() + " | " + whole.text());
        // it ends with the token that completed the stop text: none before it held one
        String text = stopped.text();
        int at = text.indexOf('=');
        assertTrue(at >= 0, text);
        assertTrue(text.length() - at <= 4, "a few characters after '=' at most, one token's: " + text);
    }

    private static Chain one(Generator.Params params, int[] prompt) {
        List<Chain> done = new ArrayList<>();
        new Generator(ShippedModel.engine(), ShippedModel.model().tokenizer()::stream, params).runChains(prompt, 1, done);
        return done.get(0);
    }
}
