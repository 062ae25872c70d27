package dev.reason.cli;

import picocli.CommandLine.Option;

/** The replay's own setting, shared by reason bench and reason bench merge, which both write the replay. */
final class ReplayOptions {
    @Option(names = "--deepconf-window", defaultValue = "32", paramLabel = "N",
            description = "Token window of DeepConf's group confidence in the replay (default: ${DEFAULT-VALUE}; the paper's"
                    + " 2048 suits long reasoning traces).")
    int deepConfWindow;
}
