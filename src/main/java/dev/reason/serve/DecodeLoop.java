package dev.reason.serve;

import dev.reason.runtime.Generator;

import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one thread that decodes. It waits for a queued search, then runs it and every search queued meanwhile together
 * in one batch ({@link Generator#run}), admitting each as a place frees; when the batch has no job left, it waits
 * again. A failure of the run fails the requests it held, and the loop goes on with the next.
 */
final class DecodeLoop implements AutoCloseable {
    /** Native code (ONNX Runtime) may need more stack than a thread's default, as the command line's worker gets. */
    private static final long STACK = 64L << 20;
    private static final long CLOSE_WAIT_MS = 5000;

    private final Generator generator;
    private final Generator.Admission admission;
    private final BlockingQueue<Ticket> queue;
    private final Set<Ticket> running = ConcurrentHashMap.newKeySet();  // admitted to the batch, not yet ended
    private final Thread thread;

    DecodeLoop(Generator generator, Generator.Admission admission, int queue) {
        this.generator = generator;
        this.admission = admission;
        this.queue = new ArrayBlockingQueue<>(queue);
        this.thread = new Thread(null, this::loop, "reason-decode", STACK);
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a search; false when the queue is full. */
    boolean offer(Ticket t) {
        t.result.whenComplete((r, e) -> running.remove(t));
        return queue.offer(t);
    }

    /** Searches waiting for a place in the batch. */
    int queued() {
        return queue.size();
    }

    /** Searches decoding now. */
    int running() {
        return running.size();
    }

    /** The batch's slots decoding a chain now. */
    int busySlots() {
        return generator.busySlots();
    }

    private void loop() {
        while (!Thread.currentThread().isInterrupted()) {
            Ticket first;
            try {
                first = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                generator.run(new Jobs(first), admission);
            } catch (RuntimeException | Error e) {
                // the engine failed mid-run: its requests get a 500, the queued ones a fresh run
                for (Ticket t : running) {
                    t.result.completeExceptionally(e);
                }
            }
        }
    }

    /** The run's jobs: the first, then whatever is queued when the run has room; never waits. */
    private final class Jobs implements Iterator<Generator.Job> {
        private Ticket first;

        Jobs(Ticket first) {
            this.first = first;
        }

        @Override
        public boolean hasNext() {
            return first != null || !queue.isEmpty();
        }

        @Override
        public Generator.Job next() {
            Ticket t = first != null ? first : queue.remove();
            first = null;
            running.add(t);
            return t.job;
        }
    }

    /** Stops the thread, waiting a little for a run in progress: the engine is closed after this. */
    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(CLOSE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
