package dev.reason.serve;

import dev.reason.runtime.Generator;
import dev.reason.search.Search;
import dev.reason.search.SearchResult;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * One request's search as the decode thread and the request's thread share it: the job, the flag that stops it
 * (the client went away, or the server stops waiting), the snapshots a stream shows and the result.
 */
final class Ticket {
    final Generator.Job job;
    final CompletableFuture<SearchResult> result = new CompletableFuture<>();
    /** Snapshots after each newly finished chain; kept only for a stream. */
    final BlockingQueue<SearchResult> snapshots = new LinkedBlockingQueue<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final BooleanSupplier abandoned;
    private final boolean streams;
    private int chainsSeen;  // decode thread only

    /** @param abandoned whether the server has stopped waiting for every search (the end of the shutdown grace) */
    Ticket(Search search, String question, int[] prompt, boolean streams, BooleanSupplier abandoned) {
        this.streams = streams;
        this.abandoned = abandoned;
        this.job = search.job(question, prompt, this::interrupted, this::progress, result::complete);
    }

    /** The client is gone: the search stops at its next step and frees its slots. */
    void cancel() {
        cancelled.set(true);
    }

    boolean cancelled() {
        return cancelled.get();
    }

    private boolean interrupted() {
        return cancelled.get() || abandoned.getAsBoolean();
    }

    private void progress(SearchResult snapshot) {
        if (streams && snapshot.chains().size() > chainsSeen) {
            chainsSeen = snapshot.chains().size();
            snapshots.add(snapshot);
        }
    }
}
