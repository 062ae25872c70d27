package dev.reason.shard;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A shard is I/N; the N shards of a list take each item once, by position modulo N. */
class ShardTest {
    @Test
    void parsesIOverN() {
        assertEquals(new Shard(2, 4), Shard.parse("2/4"));
        assertEquals(new Shard(0, 1), Shard.parse(" 0 / 1 "));
        assertTrue(Shard.parse("0/1").whole());
        assertEquals("3/16", Shard.parse("3/16").toString());
    }

    @Test
    void refusesAnythingElseWithOneLineThatSaysWhatItTakes() {
        for (String bad : List.of("0/0", "3/2", "2/2", "x", "", "-1/2", "1/2/3", "1", "a/b", "99999999999/2")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shard.parse(bad), bad);
            assertTrue(e.getMessage().startsWith("--shard takes I/N"), e.getMessage());
            assertTrue(e.getMessage().endsWith("not " + bad), e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
    }

    @Test
    void theShardsOfAListTakeEachItemOnceByPositionModuloN() {
        List<Integer> all = IntStream.range(0, 13).boxed().toList();
        List<Integer> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Shard s = new Shard(i, 4);
            List<Integer> mine = s.select(all);
            for (int n = 0; n < mine.size(); n++) {
                assertEquals(i, mine.get(n) % 4);
                assertEquals(mine.get(n), s.position(n), "position in the whole list");
            }
            seen.addAll(mine);
        }
        assertEquals(all, seen.stream().sorted().toList());
        assertEquals(List.of(1, 5, 9), new Shard(1, 4).select(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)));
        assertEquals(List.of(), new Shard(3, 4).select(List.of(0, 1)), "more shards than items: some are empty");
        assertEquals(all, Shard.WHOLE.select(all));
    }
}
