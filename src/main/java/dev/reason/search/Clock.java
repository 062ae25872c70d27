package dev.reason.search;

/**
 * Monotonic time source. Injected (rather than calling {@link System#nanoTime()} directly) so that
 * budget accounting can be tested with a fake clock.
 */
@FunctionalInterface
public interface Clock {
    /** Monotonic nanoseconds; only differences are meaningful. */
    long nanoTime();

    Clock SYSTEM = System::nanoTime;
}
