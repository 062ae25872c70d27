package dev.reason.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reason.testing.HeadlessChromium;
import dev.reason.testing.Programs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The live page in a real browser: headless Chromium opens {@code /} of {@code reason serve}, a person's key and
 * question are typed in, Enter asks, and the answer, the vote and the chains appear on the page.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServeBrowserTest {
    private static final String KEY = "sk-browser-test";

    /** What the page shows: its answer, the vote's bars, the chains listed, the facts line and any error. */
    private static final String SHOWN = "({answer: document.getElementById('answer').textContent,"
            + " bars: [...document.querySelectorAll('#votes .bar')].map(b => b.children[0].textContent + '='"
            + " + b.children[2].textContent), chains: document.querySelectorAll('#chains li').length,"
            + " facts: document.getElementById('facts').textContent,"
            + " error: document.getElementById('error').textContent})";

    @Test
    void aQuestionTypedIntoThePageShowsItsAnswerAndItsVote(@TempDir Path tmp) throws Exception {
        Optional<Path> chromium = Programs.find("chromium");
        assumeTrue(chromium.isPresent(), "no chromium on the PATH: the browser test needs Debian's chromium,"
                + " which .ci/run installs");
        try (ServeProcess server = ServeProcess.start(tmp.resolve("serve.log"), "--threads", "1", "--parallel", "4",
                "--api-key", KEY);
             HeadlessChromium page = HeadlessChromium.open(chromium.get(), server.base + "/")) {
            page.evaluate("document.getElementById('key').focus()");
            page.type(KEY);
            page.evaluate("document.getElementById('budget').focus()");
            page.type("8x");
            page.evaluate("const q = document.getElementById('question'); q.focus(); q.select()");
            page.type("What is 2 + 3?");
            page.pressEnter();
            page.await("document.getElementById('facts').textContent.includes('usage')", 120);

            JsonNode shown = page.evaluate(SHOWN);
            assertEquals("", shown.get("error").asText(), shown.toString());
            assertEquals("5", shown.get("answer").asText(), shown.toString());
            assertTrue(shown.get("bars").get(0).asText().startsWith("5="), "the leading bar is 5: " + shown);
            int chains = shown.get("chains").asInt();
            assertTrue(chains >= 1 && chains <= 8, "each chain of the 8x budget is listed once: " + shown);
            assertTrue(shown.get("facts").asText().startsWith("confidence "), shown.toString());
        }
    }
}
