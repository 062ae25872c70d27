package dev.reason.shard;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Shard {@code index} of {@code count}: the problems whose position in the run's list, counted from 0 after
 * --offset and --limit, is {@code index} modulo {@code count}. Every shard of a run gets about as many problems,
 * of every part of the set, and each problem exactly one shard.
 */
public record Shard(int index, int count) {
    /** The whole run, as one shard: what a run without --shard is. */
    public static final Shard WHOLE = new Shard(0, 1);

    private static final Pattern FORM = Pattern.compile("\\s*(\\d{1,9})\\s*/\\s*(\\d{1,9})\\s*");

    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException(describe(index + "/" + count));
        }
    }

    /** {@code I/N}, such as {@code 0/4}; anything else is refused with one line that says what it takes. */
    public static Shard parse(String text) {
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(describe(text));
        }
        int index = Integer.parseInt(m.group(1));
        int count = Integer.parseInt(m.group(2));
        if (count < 1 || index >= count) {
            throw new IllegalArgumentException(describe(text));
        }
        return new Shard(index, count);
    }

    private static String describe(String given) {
        return "--shard takes I/N, shard I of N counted from 0 (0 <= I < N), such as 0/4; not " + given;
    }

    /** Whether this is the whole run. */
    public boolean whole() {
        return count == 1;
    }

    /** This shard's items of {@code all}, in their order. */
    public <T> List<T> select(List<T> all) {
        List<T> mine = new ArrayList<>();
        for (int i = index; i < all.size(); i += count) {
            mine.add(all.get(i));
        }
        return mine;
    }

    /** The position in the whole run of this shard's {@code n}th item. */
    public int position(int n) {
        return index + n * count;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
