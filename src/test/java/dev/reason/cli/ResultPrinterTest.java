package dev.reason.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ResultPrinterTest {
    @Test
    void longRunnerUpsKeepTheirHeadTailAndLength() {
        assertEquals("123", ResultPrinter.brief("123"));
        String forty = "1234567890".repeat(4);
        assertEquals(forty, ResultPrinter.brief(forty));
        String runaway = "9".repeat(30) + "1".repeat(370);
        assertEquals("99999999999999999999...1111111111 [400 chars]", ResultPrinter.brief(runaway));
    }
}
