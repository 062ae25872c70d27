package dev.reason.cli;

import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.UsageMessageSpec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --help} with its options in headed sections (Budget and search, Sampling, Model and device, Output), one or
 * two lines an option at 100 columns; docs/cli.md has the detail. Only the help's layout changes: the options
 * themselves are declared as before, in {@link Main}, {@link SearchOptions}, {@link SamplingOptions} and
 * {@link ModelOptions}.
 */
final class HelpSections {
    static final int WIDTH = 100;
    static final String BUDGET = "Budget and search";
    static final String SAMPLING = "Sampling";
    static final String MODEL = "Model and device";
    static final String OUTPUT = "Output";
    /** A subcommand's own options, listed first. */
    static final String OWN = "Options";
    /** reason's --questions, listed with QUESTION, before the sections. */
    private static final String NONE = "";

    private static final int LONG_OPTIONS_WIDTH = 22;

    /** reason's options by section, in the order its help lists them. */
    static final Map<String, List<String>> MAIN = sections(
            NONE, List.of("--questions"),
            BUDGET, List.of("--budget", "--stop", "--strategy", "--parallel", "--concurrent", "--kv-memory",
                    "--abstain-below", "--keep-loops"),
            SAMPLING, List.of("--temperature", "--top-p", "--top-k", "--min-p", "--repetition-penalty",
                    "--presence-penalty", "--frequency-penalty", "--no-repeat-ngram", "--max-tokens", "--seed"),
            MODEL, List.of("--model", "--onnx", "--system", "--template-arg", "--device", "--precision", "--threads"),
            OUTPUT, List.of("--quiet", "--json", "--show-chains", "--help", "--version"));

    /** The shared options (SamplingOptions, ModelOptions, the standard help options) in a subcommand's help. */
    static final Map<String, List<String>> SHARED = sections(
            SAMPLING, List.of("--temperature", "--top-p", "--top-k", "--min-p", "--repetition-penalty",
                    "--presence-penalty", "--frequency-penalty", "--no-repeat-ngram", "--max-tokens", "--parallel",
                    "--concurrent", "--kv-memory", "--seed"),
            MODEL, List.of("--model", "--onnx", "--system", "--template-arg", "--device", "--precision", "--threads"),
            OUTPUT, List.of("--help", "--version"));

    /** reason serve's options by section: its own first, then the shared ones as reason lists them. */
    static final Map<String, List<String>> SERVE = sections(
            "Server", List.of("--host", "--port", "--api-key", "--queue", "--grace"),
            BUDGET, List.of("--budget", "--max-budget", "--stop", "--strategy", "--parallel", "--concurrent",
                    "--kv-memory", "--keep-loops"),
            SAMPLING, List.of("--temperature", "--top-p", "--top-k", "--min-p", "--repetition-penalty",
                    "--presence-penalty", "--frequency-penalty", "--no-repeat-ngram", "--max-tokens", "--seed"),
            MODEL, List.of("--model", "--onnx", "--system", "--template-arg", "--device", "--precision", "--threads"),
            OUTPUT, List.of("--help", "--version"));

    /** Subcommands whose every option, their own too, has a section of its own table. */
    private static final Map<String, Map<String, List<String>>> OWN_TABLES = Map.of("serve", SERVE);

    private HelpSections() {
    }

    /** Headings and their option names, alternately, as an ordered map. */
    @SuppressWarnings("unchecked")
    private static Map<String, List<String>> sections(Object... headingsAndNames) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (int i = 0; i < headingsAndNames.length; i += 2) {
            out.put((String) headingsAndNames[i], (List<String>) headingsAndNames[i + 1]);
        }
        return out;
    }

    /** Lays out the help of {@code cli} and of its subcommands in sections (serve's by a table of its own). */
    static void install(CommandLine cli) {
        cli.setUsageHelpWidth(WIDTH);
        cli.setUsageHelpLongOptionsMaxWidth(LONG_OPTIONS_WIDTH);
        layOut(cli, true);
        cli.getCommandSpec().usageMessage().commandListHeading("%nCommands:%n");
        cli.getSubcommands().values().forEach(sub -> {
            layOut(sub, false);
            sub.getCommandSpec().usageMessage().commandListHeading("%nCommands:%n");  // bench's merge
        });
    }

    private static void layOut(CommandLine cli, boolean main) {
        UsageMessageSpec usage = cli.getCommandSpec().usageMessage();
        usage.abbreviateSynopsis(true);
        cli.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> render(help, main));
    }

    /** The options of a command by section heading, in the order the help lists them; empty sections left out. */
    static Map<String, List<OptionSpec>> group(CommandSpec spec, boolean main) {
        Map<String, List<String>> own = main ? MAIN : OWN_TABLES.get(spec.name());
        return group(spec, own != null ? own : SHARED, own != null);
    }

    /**
     * The same by {@code table}; {@code placesAll}: every option named there goes to its section, else only the
     * shared ones do, and the command's own come first under {@link #OWN}.
     */
    private static Map<String, List<OptionSpec>> group(CommandSpec spec, Map<String, List<String>> table,
                                                       boolean placesAll) {
        Set<String> shared = new LinkedHashSet<>();
        if (!placesAll) {
            spec.mixins().values().forEach(m -> m.options().forEach(o -> shared.add(o.longestName())));
        }
        Map<String, List<OptionSpec>> out = new LinkedHashMap<>();
        out.put(NONE, new ArrayList<>());
        out.put(OWN, new ArrayList<>());
        table.keySet().forEach(heading -> out.put(heading, new ArrayList<>()));
        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        for (Map.Entry<String, List<String>> section : table.entrySet()) {
            for (String name : section.getValue()) {
                options.stream()
                        .filter(o -> o.longestName().equals(name) && (placesAll || shared.contains(name)))
                        .findFirst()
                        .ifPresent(o -> out.get(section.getKey()).add(o));
            }
        }
        Set<OptionSpec> placed = new LinkedHashSet<>();
        out.values().forEach(placed::addAll);
        options.stream().filter(o -> !placed.contains(o)).forEach(out.get(OWN)::add);  // declaration order
        out.values().removeIf(List::isEmpty);
        return out;
    }

    private static String render(Help help, boolean main) {
        StringBuilder text = new StringBuilder();
        group(help.commandSpec(), main).forEach((heading, options) -> {
            Help.Layout layout = help.createDefaultLayout();
            options.forEach(o -> layout.addOption(o, help.parameterLabelRenderer()));
            if (!heading.isEmpty()) {
                text.append(help.createHeading("%n" + heading + ":%n"));
            }
            text.append(layout);
        });
        return text.toString();
    }
}
