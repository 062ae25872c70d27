package dev.reason.search;

import java.time.Duration;

/** A clock that only moves when the test says so. */
final class FakeClock implements Clock {
    private long now;

    FakeClock(long start) {
        this.now = start;
    }

    FakeClock() {
        this(1_000_000_000L);
    }

    @Override
    public long nanoTime() {
        return now;
    }

    void advance(Duration d) {
        now += d.toNanos();
    }
}
