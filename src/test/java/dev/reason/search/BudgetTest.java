package dev.reason.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class BudgetTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "30s          | 30000000000   | 0    | 0",
        "2m           | 120000000000  | 0    | 0",
        "500ms        | 500000000     | 0    | 0",
        "1.5s         | 1500000000    | 0    | 0",
        "1h           | 3600000000000 | 0    | 0",
        "0.5ms        | 500000        | 0    | 0",
        "4000tok      | -1            | 4000 | 0",
        "4000tokens   | -1            | 4000 | 0",
        "4ktok        | -1            | 4000 | 0",
        "1.5ktok      | -1            | 1500 | 0",
        "'4k tok'     | -1            | 4000 | 0",
        "16x          | -1            | 0    | 16",
        "30S          | 30000000000   | 0    | 0",
    })
    void parsesSingleLimits(String spec, long nanos, long tokens, int samples) {
        Budget b = Budget.parse(spec);
        if (nanos < 0) {
            assertNull(b.time());
        } else {
            assertEquals(Duration.ofNanos(nanos), b.time());
        }
        assertEquals(tokens, b.tokens());
        assertEquals(samples, b.samples());
    }

    @Test
    void parsesCombinationsWithWhitespaceInAnyOrder() {
        Budget b = Budget.parse(" 16x , 30s,4000 tok ");
        assertEquals(new Budget(Duration.ofSeconds(30), 4000, 16), b);
        assertEquals("30s,4000tok,16x", b.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"30s", "90s", "2m", "1h", "500ms", "1.5s", "0.5ms", "1ms", "4000tok", "16x",
        "30s,4000tok,16x", "1h,1x", "4000tok,16x", "2m,4000tok"})
    void toStringRoundTrips(String spec) {
        Budget b = Budget.parse(spec);
        assertEquals(b, Budget.parse(b.toString()));
    }

    @Test
    void toStringUsesTheLargestExactUnit() {
        assertEquals("1m", Budget.parse("60s").toString());
        assertEquals("90s", Budget.parse("90s").toString());
        assertEquals("1500ms", Budget.parse("1.5s").toString());
        assertEquals("2h", Budget.parse("120m").toString());
        assertEquals("4000tok", Budget.parse("4ktok").toString());
        assertEquals("1m,32x", Budget.DEFAULT.toString());
    }

    @Test
    void defaultIsSixtySecondsAndThirtyTwoSamples() {
        assertEquals(Duration.ofSeconds(60), Budget.DEFAULT.time());
        assertEquals(0, Budget.DEFAULT.tokens());
        assertEquals(32, Budget.DEFAULT.samples());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "4x              | 1m,64x      | 1m,4x",
        "500x            | 1m,64x      | 1m,64x",
        "2h              | 1m,64x      | 1m,64x",
        "10s,8x          | 1m,64x      | 10s,8x",
        "4000tok         | 1m,64x      | 1m,4000tok,64x",
        "30s,9000tok,16x | 1m,5000tok  | 30s,5000tok,16x",
        "16x             | 2000tok     | 2000tok,16x",
    })
    void withinACapEachLimitIsTheSmallerAndTheCapsOthersAreAdded(String asked, String cap, String held) {
        assertEquals(held, Budget.parse(asked).within(Budget.parse(cap)).toString());
    }

    private static String error(String spec) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Budget.parse(spec));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void unknownUnitNamesTheEntryAndTheUnits() {
        assertEquals("unknown budget unit \"30q\" in --budget: use ms, s, m, h, tok or x (e.g. 30s,4000tok,16x)",
                error("30q"));
        assertTrue(error("30s,5kx").contains("unknown budget unit \"5kx\""));
    }

    @Test
    void rejectsBadSpecsWithAHelpfulLine() {
        assertTrue(error("").contains("--budget is empty"));
        assertTrue(error("   ").contains("--budget is empty"));
        assertTrue(error(null).contains("--budget is empty"));
        assertTrue(error("30").contains("has no unit"));
        assertTrue(error("0s").contains("must be greater than zero"));
        assertTrue(error("-5s").contains("must be greater than zero"));
        assertTrue(error("0x").contains("must be greater than zero"));
        assertTrue(error("30s,,16x").contains("empty entry"));
        assertTrue(error("30s,").contains("empty entry"));
        assertTrue(error("s").contains("cannot read budget \"s\""));
        assertTrue(error("30s 16x").contains("joined by commas"));
        assertTrue(error("1e3s").contains("cannot read"));
        assertTrue(error("1.5x").contains("whole number"));
        assertTrue(error("1.5tok").contains("whole number"));
        assertTrue(error("99999999999999999999tok").contains("too large"));
        assertTrue(error("3000000000x").contains("too large"));
        assertTrue(error("999999999h").contains("too large"));
        assertTrue(error("0.0000000001s").contains("below a nanosecond"));
    }

    @Test
    void sameUnitTwiceIsAnError() {
        assertTrue(error("30s,1m").startsWith("time limit given twice"));
        assertTrue(error("100tok,2ktok").startsWith("token limit given twice"));
        assertTrue(error("4x,8x").startsWith("sample limit given twice"));
    }

    @Test
    void constructorChecksLimits() {
        assertThrows(IllegalArgumentException.class, () -> new Budget(null, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Budget(Duration.ZERO, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Budget(Duration.ofSeconds(-1), 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new Budget(null, -1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Budget(null, 1, -1));
        assertEquals("5tok", new Budget(null, 5, 0).toString());
    }
}
