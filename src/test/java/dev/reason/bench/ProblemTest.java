package dev.reason.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProblemTest {

    @Test
    void numbersCompareByContentAndAreCopied() {
        int[] numbers = {4, 9, 10, 13};
        Problem a = new Problem("game24-1", "Use 4 9 10 13 to make 24.", null, "game24", null, numbers);
        Problem b = new Problem("game24-1", "Use 4 9 10 13 to make 24.", null, "game24", null, new int[] {4, 9, 10, 13});
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        numbers[0] = 99;
        assertArrayEquals(new int[] {4, 9, 10, 13}, a.numbers());
        a.numbers()[0] = 99;
        assertArrayEquals(new int[] {4, 9, 10, 13}, a.numbers());
        assertNotEquals(a, new Problem("game24-1", "Use 4 9 10 13 to make 24.", null, "game24", null, new int[] {4, 9, 10, 12}));
        assertTrue(a.toString().contains("[4, 9, 10, 13]"));
    }

    @Test
    void optionalFieldsMayBeNullButNotTheRequiredOnes() {
        Problem p = new Problem("gsm8k-1", "q", "18", "gsm8k", null, null);
        assertNull(p.numbers());
        assertNull(p.difficulty());
        assertEquals(p, new Problem("gsm8k-1", "q", "18", "gsm8k", null, null));
        assertNotEquals(p, new Problem("gsm8k-1", "q", "19", "gsm8k", null, null));
        assertThrows(NullPointerException.class, () -> new Problem(null, "q", "1", "d", null, null));
        assertThrows(NullPointerException.class, () -> new Problem("i", null, "1", "d", null, null));
        assertThrows(NullPointerException.class, () -> new Problem("i", "q", "1", null, null, null));
    }
}
