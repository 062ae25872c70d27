package dev.reason.cli;

import dev.reason.search.SearchResult;

import java.io.PrintStream;

/**
 * One self-overwriting status line on stderr, shown only when stderr is a terminal; with several questions it
 * starts with the current one's id.
 */
final class Progress {
    private final PrintStream err;
    private final boolean enabled;
    private final String prefix;
    private long lastNanos;
    private boolean shown;

    /** @param id the question's id among several, or null for a question asked alone */
    Progress(PrintStream err, boolean enabled, String id) {
        this.err = err;
        this.enabled = enabled;
        this.prefix = id == null ? "" : "[" + id + "] ";
    }

    void show(SearchResult r) {
        long now = System.nanoTime();
        if (!enabled || now - lastNanos < 100_000_000L) {
            return;
        }
        lastNanos = now;
        String leader = r.answer() == null ? "-" : r.answer() + " (" + r.leaderVotes() + "/" + r.votes() + ")";
        err.printf("\r\033[K%s%d chains done, %d running | %,d tok | %.1f s | %.0f tok/s | leader %s",
                prefix, r.chains().size(), r.active(), r.tokens(), r.seconds(), r.tokensPerSecond(), leader);
        err.flush();
        shown = true;
    }

    void clear() {
        if (shown) {
            err.print("\r\033[K");
            err.flush();
        }
    }
}
