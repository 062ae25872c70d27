package dev.reason.search;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Locale;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Limits on one search. Any combination may be set; the first limit reached stops the search.
 *
 * @param time    wall-clock limit including prefill, or {@code null} for none
 * @param tokens  generated-token limit over all chains, 0 = none
 * @param samples limit on chains started, 0 = none
 */
public record Budget(Duration time, long tokens, int samples) {

    /** Used when the user gives no {@code --budget}. */
    public static final Budget DEFAULT = new Budget(Duration.ofSeconds(60), 0, 32);

    private static final String EXAMPLE = "e.g. 30s,4000tok,16x";
    private static final String UNITS = "use ms, s, m, h, tok or x (" + EXAMPLE + ")";
    // A number and letters; whitespace is removed before matching so "4 k tok" reads as "4ktok".
    private static final Pattern PART = Pattern.compile("([+-]?[0-9]*\\.?[0-9]*)([a-z]*)");
    private static final BigDecimal NANOS_PER_MS = BigDecimal.valueOf(1_000_000L);
    private static final BigDecimal NANOS_PER_S = BigDecimal.valueOf(1_000_000_000L);
    private static final BigDecimal NANOS_PER_M = NANOS_PER_S.multiply(BigDecimal.valueOf(60));
    private static final BigDecimal NANOS_PER_H = NANOS_PER_M.multiply(BigDecimal.valueOf(60));
    private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

    public Budget {
        if (time != null && (time.isZero() || time.isNegative())) {
            throw new IllegalArgumentException("time budget must be positive, got " + time);
        }
        if (time != null && time.compareTo(Duration.ofNanos(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("time budget is too large: " + time);
        }
        if (tokens < 0) {
            throw new IllegalArgumentException("token budget must be >= 0 (0 = no limit), got " + tokens);
        }
        if (samples < 0) {
            throw new IllegalArgumentException("sample budget must be >= 0 (0 = no limit), got " + samples);
        }
        if (time == null && tokens == 0 && samples == 0) {
            // A search with no limit at all could run forever.
            throw new IllegalArgumentException("a budget needs at least one limit: time, tokens or samples");
        }
    }

    /**
     * Reads a {@code --budget} spec such as {@code 30s}, {@code 1.5s}, {@code 500ms}, {@code 2m}, {@code 1h},
     * {@code 4000tok}, {@code 4000tokens}, {@code 4ktok}, {@code 16x}, or several joined by commas
     * ({@code 30s,4000tok,16x}). Whitespace is ignored, units are case-insensitive.
     *
     * @throws IllegalArgumentException with a one-line message naming the problem and the fix
     */
    public static Budget parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--budget is empty: give limits like 30s,4000tok,16x");
        }
        Duration time = null;
        long tokens = 0;
        int samples = 0;
        for (String raw : spec.split(",", -1)) {
            String shown = raw.strip();
            if (shown.isEmpty()) {
                throw new IllegalArgumentException("empty entry in --budget \"" + spec.strip()
                        + "\": join limits with single commas, " + EXAMPLE);
            }
            String part = shown.replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
            Matcher m = PART.matcher(part);
            if (!m.matches() || m.group(1).replaceAll("[+-]", "").replace(".", "").isEmpty()) {
                throw new IllegalArgumentException("cannot read budget \"" + shown
                        + "\" in --budget: write a number and a unit, joined by commas, " + EXAMPLE);
            }
            String unit = m.group(2);
            if (unit.isEmpty()) {
                throw new IllegalArgumentException("budget \"" + shown + "\" in --budget has no unit: " + UNITS);
            }
            BigDecimal value = new BigDecimal(m.group(1));
            if (value.signum() <= 0) {
                throw new IllegalArgumentException("budget \"" + shown
                        + "\" in --budget must be greater than zero: " + EXAMPLE);
            }
            switch (unit) {
                case "ms", "s", "m", "h" -> {
                    if (time != null) {
                        throw twice("time", spec);
                    }
                    time = parseTime(value, unit, shown);
                }
                case "tok", "tokens", "ktok", "ktokens" -> {
                    if (tokens != 0) {
                        throw twice("token", spec);
                    }
                    BigDecimal n = unit.startsWith("k") ? value.multiply(BigDecimal.valueOf(1000)) : value;
                    tokens = wholeNumber(n, shown, "token", LONG_MAX).longValueExact();
                }
                case "x" -> {
                    if (samples != 0) {
                        throw twice("sample", spec);
                    }
                    samples = wholeNumber(value, shown, "sample", BigDecimal.valueOf(Integer.MAX_VALUE))
                            .intValueExact();
                }
                default -> throw new IllegalArgumentException("unknown budget unit \"" + shown
                        + "\" in --budget: " + UNITS);
            }
        }
        return new Budget(time, tokens, samples);
    }

    /**
     * This budget held within {@code cap} (an operator's limit on every request): each limit the smaller of the two,
     * and a limit only the cap sets is added.
     */
    public Budget within(Budget cap) {
        Duration t = time == null || cap.time != null && cap.time.compareTo(time) < 0 ? cap.time : time;
        return new Budget(t, smaller(tokens, cap.tokens), (int) smaller(samples, cap.samples));
    }

    /** The smaller of two limits where 0 means none. */
    private static long smaller(long a, long b) {
        return a == 0 || b != 0 && b < a ? b : a;
    }

    /** The canonical spec, e.g. {@code 1m,4000tok,16x}; {@code parse(b.toString())} equals {@code b}. */
    @Override
    public String toString() {
        StringJoiner out = new StringJoiner(",");
        if (time != null) {
            out.add(formatTime(time));
        }
        if (tokens > 0) {
            out.add(tokens + "tok");
        }
        if (samples > 0) {
            out.add(samples + "x");
        }
        return out.toString();
    }

    private static Duration parseTime(BigDecimal value, String unit, String shown) {
        BigDecimal perUnit = switch (unit) {
            case "ms" -> NANOS_PER_MS;
            case "s" -> NANOS_PER_S;
            case "m" -> NANOS_PER_M;
            default -> NANOS_PER_H;
        };
        BigDecimal nanos = value.multiply(perUnit).setScale(0, RoundingMode.HALF_UP);
        if (nanos.compareTo(LONG_MAX) > 0) {
            throw new IllegalArgumentException("time budget \"" + shown
                    + "\" in --budget is too large: give at most a few years, " + EXAMPLE);
        }
        if (nanos.signum() == 0) {
            throw new IllegalArgumentException("time budget \"" + shown
                    + "\" in --budget is below a nanosecond: " + EXAMPLE);
        }
        return Duration.ofNanos(nanos.longValueExact());
    }

    private static BigDecimal wholeNumber(BigDecimal n, String shown, String what, BigDecimal max) {
        BigDecimal stripped = n.stripTrailingZeros();
        if (stripped.scale() > 0) {
            throw new IllegalArgumentException(what + " budget \"" + shown
                    + "\" in --budget must be a whole number: " + EXAMPLE);
        }
        if (stripped.compareTo(max) > 0) {
            throw new IllegalArgumentException(what + " budget \"" + shown
                    + "\" in --budget is too large: the most is " + max.toPlainString());
        }
        return stripped.setScale(0);
    }

    private static IllegalArgumentException twice(String what, String spec) {
        return new IllegalArgumentException(what + " limit given twice in --budget \"" + spec.strip()
                + "\": give each of time, tokens and samples at most once, " + EXAMPLE);
    }

    // Largest unit that represents the duration exactly, so that formatting never loses precision.
    private static String formatTime(Duration d) {
        BigDecimal n = BigDecimal.valueOf(d.toNanos());
        if (n.remainder(NANOS_PER_H).signum() == 0) {
            return n.divide(NANOS_PER_H).toPlainString() + "h";
        }
        if (n.remainder(NANOS_PER_M).signum() == 0) {
            return n.divide(NANOS_PER_M).toPlainString() + "m";
        }
        if (n.remainder(NANOS_PER_S).signum() == 0) {
            return n.divide(NANOS_PER_S).toPlainString() + "s";
        }
        return n.divide(NANOS_PER_MS).stripTrailingZeros().toPlainString() + "ms";
    }
}
