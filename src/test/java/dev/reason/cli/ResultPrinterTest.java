package dev.reason.cli;

import dev.reason.search.SearchResult;
import dev.reason.search.StopReason;
import dev.reason.search.vote.VoteTally;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultPrinterTest {
    @Test
    void longRunnerUpsKeepTheirHeadTailAndLength() {
        assertEquals("123", ResultPrinter.brief("123"));
        String forty = "1234567890".repeat(4);
        assertEquals(forty, ResultPrinter.brief(forty));
        String runaway = "9".repeat(30) + "1".repeat(370);
        assertEquals("99999999999999999999...1111111111 [400 chars]", ResultPrinter.brief(runaway));
    }

    @Test
    void aVoteOfChainsThatAllFailedTheCheckIsNotStatedAsSure() {
        SearchResult r = result("8", "fail", "fail", "fail");
        assertTrue(r.unchecked());
        String text = text(r);
        List<String> lines = text.lines().toList();
        assertEquals("no checked answer: every chain that answered failed the check", lines.get(0));
        assertEquals("best guess: 8 (the plain vote of failing chains, 3 of 3)", lines.get(1));
        assertFalse(text.contains("100%"), text);
        assertFalse(text.contains("confidence:"), text);
    }

    @Test
    void oneCheckedChainMakesTheAnswerChecked() {
        SearchResult r = result("8", "fail", "pass", "fail");
        assertFalse(r.unchecked());
        List<String> lines = text(r).lines().toList();
        assertEquals("8", lines.get(0));
        assertTrue(lines.get(1).startsWith("confidence: 3/3 votes (100%)"), lines.get(1));
        assertFalse(result("8", "unknown", "unknown").unchecked(), "no verifier applied: nothing failed");
    }

    @Test
    void theDecliningLineReadsAsNoAnswer() {
        SearchResult r = result("unanswerable", "unknown", "unknown", "unknown");
        assertTrue(r.declined());
        List<String> lines = text(r).lines().toList();
        assertEquals("this model cannot answer that", lines.get(0));
        assertEquals("the model declined: 3/3 votes for its out-of-scope line (#### unanswerable)", lines.get(1));
        assertFalse(result("12", "pass").declined());
    }

    @Test
    void theQuietLineIsTheAnswerOrWhyThereIsNone() {
        assertEquals("8", ResultPrinter.quiet(result("8", "pass"), false));
        assertEquals("not sure", ResultPrinter.quiet(result("8", "pass"), true));
        assertEquals(ResultPrinter.DECLINED, ResultPrinter.quiet(result("unanswerable", "unknown"), false));
        assertEquals("not sure", ResultPrinter.quiet(result("unanswerable", "unknown"), true));
        assertEquals("", ResultPrinter.quiet(result(null), false));
    }

    private static String text(SearchResult r) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new ResultPrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8), false).text(null, "q", r, false, false,
                null, null);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Chains that all wrote {@code answer}, with the verifier's verdicts. */
    private static SearchResult result(String answer, String... verdicts) {
        List<SearchResult.ChainReport> chains = new ArrayList<>();
        for (int i = 0; i < verdicts.length; i++) {
            chains.add(new SearchResult.ChainReport(i, answer, 10, -0.1, -1, -0.5, "answer", verdicts[i], 0, 0.1,
                    "#### " + answer));
        }
        return new SearchResult(answer, List.of(new VoteTally.Candidate(answer, verdicts.length, verdicts.length, -3)),
                verdicts.length, 0.99, "verified", "ac-beta", chains, verdicts.length, 0, 30, 0.2, "cpu",
                StopReason.DECIDED, "32x", 0.1);
    }
}
