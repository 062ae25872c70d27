package dev.reason.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BudgetMeterTest {
    private final FakeClock clock = new FakeClock();

    @Test
    void timeExactlyAtTheLimitStops() {
        BudgetMeter m = new BudgetMeter(Budget.parse("30s"), clock);
        clock.advance(Duration.ofSeconds(30).minusNanos(1));
        assertEquals(Optional.empty(), m.check(4));
        assertTrue(m.mayStartChain());
        clock.advance(Duration.ofNanos(1));
        assertEquals(Optional.of(StopReason.TIME), m.check(4));
        assertFalse(m.mayStartChain());
        assertEquals(Duration.ofSeconds(30), m.elapsed());
    }

    @Test
    void clockStartsAtConstructionSoPrefillCounts() {
        clock.advance(Duration.ofSeconds(100)); // before the meter exists: not counted
        BudgetMeter m = new BudgetMeter(Budget.parse("10s"), clock);
        clock.advance(Duration.ofSeconds(4)); // prefill
        assertEquals(Duration.ofSeconds(4), m.elapsed());
        assertEquals(Optional.of(Duration.ofSeconds(6)), m.timeLeft());
        clock.advance(Duration.ofSeconds(10));
        assertEquals(Optional.of(Duration.ZERO), m.timeLeft());
    }

    @Test
    void tokensStopBeforeTheNextStepWouldOvershoot() {
        BudgetMeter m = new BudgetMeter(Budget.parse("100tok"), clock);
        m.tokensGenerated(96);
        assertEquals(Optional.empty(), m.check(4)); // 96 + 4 = 100: the step fits exactly
        assertEquals(Optional.of(StopReason.TOKENS), m.check(5)); // 101 would exceed
        m.tokensGenerated(4);
        assertEquals(100, m.tokensUsed());
        assertEquals(Optional.of(StopReason.TOKENS), m.check(0)); // nothing left at all
        assertEquals(Optional.of(StopReason.TOKENS), m.check(1));
    }

    @Test
    void mayStartChainLeavesRoomForOneTokenPerRunningChain() {
        BudgetMeter m = new BudgetMeter(Budget.parse("10tok"), clock);
        for (int i = 0; i < 10; i++) {
            assertTrue(m.mayStartChain(), "chain " + i);
            m.chainStarted();
        }
        assertFalse(m.mayStartChain()); // an 11th chain could not make even one token
        assertEquals(Optional.empty(), m.check(10));
        m.tokensGenerated(10);
        assertEquals(Optional.of(StopReason.TOKENS), m.check(10));
    }

    @Test
    void samplesStopOnlyWhenAllStartedChainsFinished() {
        BudgetMeter m = new BudgetMeter(Budget.parse("3x"), clock);
        for (int i = 0; i < 3; i++) {
            assertTrue(m.mayStartChain());
            m.chainStarted();
        }
        assertFalse(m.mayStartChain());
        assertEquals(3, m.chainsStarted());
        assertEquals(Optional.empty(), m.check(3));
        m.chainFinished();
        m.chainFinished();
        assertEquals(Optional.empty(), m.check(1));
        m.chainFinished();
        assertEquals(3, m.chainsFinished());
        assertEquals(Optional.of(StopReason.SAMPLES), m.check(0));
    }

    @Test
    void firstLimitReachedWins() {
        BudgetMeter m = new BudgetMeter(Budget.parse("10s,1000tok,8x"), clock);
        m.chainStarted();
        m.tokensGenerated(999);
        assertEquals(Optional.of(StopReason.TOKENS), m.check(2));
        assertEquals(Optional.empty(), m.check(1));
        clock.advance(Duration.ofSeconds(10));
        assertEquals(Optional.of(StopReason.TIME), m.check(1));
    }

    @Test
    void fractionUsedIsTheMaximumOverLimits() {
        BudgetMeter m = new BudgetMeter(Budget.parse("10s,1000tok,4x"), clock);
        assertEquals(0.0, m.fractionUsed());
        clock.advance(Duration.ofSeconds(2));
        assertEquals(0.2, m.fractionUsed(), 1e-12);
        m.tokensGenerated(500);
        assertEquals(0.5, m.fractionUsed(), 1e-12);
        m.chainStarted();
        m.chainStarted();
        m.chainStarted();
        m.chainFinished();
        m.chainFinished();
        m.chainFinished();
        assertEquals(0.75, m.fractionUsed(), 1e-12);
        clock.advance(Duration.ofSeconds(60));
        assertEquals(1.0, m.fractionUsed());
    }

    @Test
    void noTimeLimitMeansNoTimeLeft() {
        BudgetMeter m = new BudgetMeter(Budget.parse("16x"), clock);
        assertEquals(Optional.empty(), m.timeLeft());
        clock.advance(Duration.ofDays(365));
        assertEquals(Optional.empty(), m.check(5));
    }

    @Test
    void rejectsMisuse() {
        BudgetMeter m = new BudgetMeter(Budget.parse("16x"), clock);
        assertThrows(IllegalStateException.class, m::chainFinished);
        assertThrows(IllegalArgumentException.class, () -> m.tokensGenerated(-1));
        assertThrows(IllegalArgumentException.class, () -> m.check(-1));
    }

    @Test
    void stopReasonsHaveShortDescriptions() {
        assertEquals("sample budget reached", StopReason.SAMPLES.description());
        assertEquals("stopping rule met", StopReason.DECIDED.description());
        assertEquals("interrupted", StopReason.INTERRUPTED.description());
        for (StopReason r : StopReason.values()) {
            assertFalse(r.description().isBlank());
        }
    }
}
