package dev.reason.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --help} lists every option once, in headed sections, and fits two screens of 100 columns. */
class HelpSectionsTest {
    private static final int MAX_LINES = 100;

    @Test
    void reasonsHelpFitsTwoScreensInItsFourSections() {
        CliTest.Run r = CliTest.reason("--help");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.size() <= MAX_LINES, "reason --help is " + lines.size() + " lines, at most " + MAX_LINES
                + " wanted:\n" + r.out());
        assertNarrow("reason --help", lines);
        List<String> headings = lines.stream().filter(l -> l.matches("[A-Z][a-z ]+:")).toList();
        assertEquals(List.of("Budget and search:", "Sampling:", "Model and device:", "Output:", "Commands:",
                "Exit codes:"), headings, r.out());
        assertTrue(r.out().contains("  9    the model cannot answer that"), r.out());
    }

    /** A new option of reason must be given a section in HelpSections.MAIN, else it would land under "Options". */
    @Test
    void everyOptionOfReasonHasASectionAndIsListedOnce() {
        CommandLine cli = new CommandLine(new Main(System.in, System.out, System.err));
        Map<String, List<OptionSpec>> groups = HelpSections.group(cli.getCommandSpec(), true);
        assertEquals(List.of("", HelpSections.BUDGET, HelpSections.SAMPLING, HelpSections.MODEL, HelpSections.OUTPUT),
                List.copyOf(groups.keySet()), "sections: " + groups.keySet());
        List<String> listed = new ArrayList<>();
        groups.values().forEach(options -> options.forEach(o -> listed.add(o.longestName())));
        Set<String> declared = new TreeSet<>();
        cli.getCommandSpec().options().forEach(o -> declared.add(o.longestName()));
        assertEquals(declared, new TreeSet<>(listed));
        assertEquals(declared.size(), listed.size(), "listed twice: " + listed);
    }

    @Test
    void subcommandsListTheirOwnOptionsFirstThenTheSharedSections() {
        for (String sub : List.of("bench", "distill", "throughput", "info", "check")) {
            CliTest.Run r = CliTest.reason(sub, "--help");
            assertEquals(0, r.code(), r.err());
            List<String> lines = r.out().lines().toList();
            assertNarrow("reason " + sub + " --help", lines);
            assertTrue(r.out().startsWith("Usage: reason " + sub + " [OPTIONS]"), r.out());
            assertTrue(lines.contains("Options:") && lines.contains("Model and device:") && lines.contains("Output:"),
                    r.out());
            assertTrue(lines.indexOf("Options:") < lines.indexOf("Model and device:"), r.out());
        }
        String bench = CliTest.reason("bench", "--help").out();
        assertTrue(bench.indexOf("--dataset=") < bench.indexOf("Sampling:")
                && bench.indexOf("Sampling:") < bench.indexOf("--temperature="), bench);
    }

    /** reason serve lists its own options under "Server", then the shared ones in reason's sections, each once. */
    @Test
    void serveListsItsServerOptionsThenReasonsSections() {
        CliTest.Run r = CliTest.reason("serve", "--help");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertNarrow("reason serve --help", lines);
        List<String> headings = lines.stream().filter(l -> l.matches("[A-Z][a-z ]+:")).toList();
        assertEquals(List.of("Server:", "Budget and search:", "Sampling:", "Model and device:", "Output:",
                "Exit codes:"), headings, r.out());
        CommandLine serve = new CommandLine(new Main(System.in, System.out, System.err)).getSubcommands().get("serve");
        List<String> listed = new ArrayList<>();
        HelpSections.group(serve.getCommandSpec(), false).values()
                .forEach(options -> options.forEach(o -> listed.add(o.longestName())));
        Set<String> declared = new TreeSet<>();
        serve.getCommandSpec().options().forEach(o -> declared.add(o.longestName()));
        assertEquals(declared, new TreeSet<>(listed));
        assertEquals(declared.size(), listed.size(), "listed twice: " + listed);
    }

    private static void assertNarrow(String what, List<String> lines) {
        for (String line : lines) {
            assertTrue(line.length() <= HelpSections.WIDTH, what + ": a line of " + line.length() + " columns: " + line);
        }
    }
}
