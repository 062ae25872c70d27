package dev.reason.search.answer;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When two final answers are the same math: the vote counts {@code 0.5}, {@code 1/2}, {@code \frac{1}{2}} and
 * {@code \dfrac12} as one answer, as benchmark grading does. {@link #key} is the comparable form: after
 * {@link AnswerExtractor#normalize} and the LaTeX spellings that mean the same, a number (units, {@code \%} and
 * degrees dropped: {@code 5\text{ cm}}, {@code 50\%}, {@code 10^\circ}) becomes its exact value, a tuple or interval
 * the keys of its elements inside its own brackets, anything else its canonical LaTeX. Stateless.
 */
public final class MathAnswers {

    private static final String NUM = "-?(?:\\d+(?:\\.\\d*)?|\\.\\d+)";
    private static final Pattern DECIMAL = Pattern.compile(NUM);
    private static final Pattern FRAC = Pattern.compile("(-?)\\\\frac\\{(" + NUM + ")\\}\\{(" + NUM + ")\\}");
    private static final Pattern SLASH = Pattern.compile("(" + NUM + ")/(" + NUM + ")");
    private static final Pattern TEXT_WRAPPER =
            Pattern.compile("\\\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname)\\{([^{}]*)\\}");
    // \sqrt2, \frac12, \frac\pi2: one-token arguments without braces.
    private static final String TOKEN = "(\\\\[a-zA-Z]+|[0-9a-zA-Z])";
    private static final Pattern SQRT_SHORT = Pattern.compile("\\\\sqrt" + TOKEN);
    private static final Pattern FRAC_SHORT_BOTH = Pattern.compile("\\\\frac" + TOKEN + TOKEN);
    private static final Pattern FRAC_SHORT_DEN = Pattern.compile("\\\\frac(\\{[^{}]*\\})" + TOKEN);
    private static final Pattern FRAC_SHORT_NUM = Pattern.compile("\\\\frac" + TOKEN + "\\{");
    // "x=5" -> "5": a single-letter variable named in front of the value.
    private static final Pattern ASSIGNMENT = Pattern.compile("[a-zA-Z]=([^=]+)");
    // Units after a number, read before spaces are removed: "5\text{ cm}^2", "18 dollars per hour" (one-letter
    // words are kept: "5 i" and "2 x" are not units).
    private static final Pattern UNIT_TEXT = Pattern.compile(
            "(.*?)(?:\\s*\\\\(?:text|textrm|mbox|mathrm)\\{[^{}]*\\}(?:\\s*\\^\\s*\\{?\\d+\\}?)?)+\\s*\\.?\\s*", Pattern.DOTALL);
    private static final Pattern UNIT_WORDS =
            Pattern.compile("(.*?[0-9}.])\\s+\\p{L}{2,}(?:\\s+\\p{L}+)*(?:\\^\\{?\\d+\\}?)?\\s*\\.?\\s*", Pattern.DOTALL);
    // Keys are asked for the same few answers many times over (a tally per k-subset in the benchmark estimators).
    private static final Map<String, String> KEYS = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 8192;
        }
    });

    private MathAnswers() {
    }

    /** Whether two answers are the same math: equal, non-empty {@link #key keys}. */
    public static boolean equivalent(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        String x = key(a);
        return !x.isEmpty() && x.equals(key(b));
    }

    /** The comparable form of an answer; empty when nothing is left of it. */
    public static String key(String answer) {
        String cached = KEYS.get(answer);
        if (cached != null) {
            return cached;
        }
        String c = canonical(answer);
        BigDecimal[] n = c.isEmpty() ? null : numberWithUnits(answer, c);
        String key = n != null ? exact(n) : elementsKey(c);
        KEYS.put(answer, key);
        return key;
    }

    /** A tuple, interval or list: the same brackets around its elements' keys; else the canonical text itself. */
    private static String elementsKey(String c) {
        boolean wrapped = wrapped(c);
        String inner = wrapped ? c.substring(1, c.length() - 1) : c;
        List<String> parts = splitTopLevel(inner);
        if (parts.size() < 2 && !wrapped) {
            return c;
        }
        List<String> keys = new ArrayList<>();
        for (String p : parts) {
            BigDecimal[] n = number(p);
            keys.add(n != null ? exact(n) : p.isEmpty() ? p : elementsKey(p));
        }
        String joined = String.join(",", keys);
        return wrapped ? c.charAt(0) + joined + c.charAt(c.length() - 1) : joined;
    }

    /** p / q exactly: a plain decimal when it terminates, else the reduced fraction. */
    private static String exact(BigDecimal[] n) {
        try {
            return n[0].divide(n[1]).stripTrailingZeros().toPlainString();
        } catch (ArithmeticException repeating) {
            int scale = Math.max(0, Math.max(n[0].scale(), n[1].scale()));
            return fraction(n[0].movePointRight(scale).toBigIntegerExact(),
                    n[1].movePointRight(scale).toBigIntegerExact());
        }
    }

    /** p / q in lowest terms with the sign on top, as {@code 7/2} or {@code -1/3}; q is not 0. */
    private static String fraction(BigInteger p, BigInteger q) {
        if (q.signum() < 0) {
            p = p.negate();
            q = q.negate();
        }
        BigInteger g = p.gcd(q);
        p = p.divide(g);
        q = q.divide(g);
        return q.equals(BigInteger.ONE) ? p.toString() : p + "/" + q;
    }

    /** Whether the text is one bracket group: opens at the first character and closes at the last. */
    private static boolean wrapped(String s) {
        if (s.length() < 2 || "([".indexOf(s.charAt(0)) < 0 || ")]".indexOf(s.charAt(s.length() - 1)) < 0) {
            return false;
        }
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && --depth == 0 && i < s.length() - 1) {
                return false;
            }
        }
        return depth == 0;
    }

    private static List<String> splitTopLevel(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    /**
     * The comparable form: {@link AnswerExtractor#normalize} (spaces, unicode minus, {@code \left}/{@code \right},
     * {@code \!}, {@code \,}, {@code $}, thousands commas) plus the LaTeX spellings that mean the same.
     */
    private static String canonical(String raw) {
        String t = unwrapBoxed(raw.strip());
        t = AnswerExtractor.normalize(t);
        t = t.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\displaystyle", "");
        t = t.replace("^{\\circ}", "").replace("^\\circ", "").replace("\u00B0", "");
        t = t.replace("%", "");
        String before;
        do {
            before = t;
            t = TEXT_WRAPPER.matcher(t).replaceAll("$1");
        } while (!t.equals(before));
        t = SQRT_SHORT.matcher(t).replaceAll("\\\\sqrt{$1}");
        t = FRAC_SHORT_BOTH.matcher(t).replaceAll("\\\\frac{$1}{$2}");
        t = FRAC_SHORT_DEN.matcher(t).replaceAll("\\\\frac$1{$2}");
        t = FRAC_SHORT_NUM.matcher(t).replaceAll("\\\\frac{$1}{");
        Matcher assignment = ASSIGNMENT.matcher(t);
        if (assignment.matches()) {
            t = assignment.group(1);
        }
        // Normalize once more: removing wrappers may have exposed "$", "." or a plain number such as "5.0".
        return t.isEmpty() ? t : AnswerExtractor.normalize(t);
    }

    /** The answer inside {@code \boxed{...}} or {@code \fbox{...}}, nested or not. */
    public static String unwrapBoxed(String s) {
        String t = s;
        for (String box : new String[] {"\\boxed{", "\\fbox{"}) {
            while (t.startsWith(box) && t.endsWith("}")) {
                t = t.substring(box.length(), t.length() - 1).strip();
            }
        }
        return t;
    }

    /** The value of {@code canonical}, or of {@code raw} without its trailing units; null when not a number. */
    private static BigDecimal[] numberWithUnits(String raw, String canonical) {
        BigDecimal[] value = number(canonical);
        for (Pattern unit : new Pattern[] {UNIT_TEXT, UNIT_WORDS}) {
            Matcher m = unit.matcher(unwrapBoxed(raw.strip()));
            if (value == null && m.matches() && !m.group(1).isBlank()) {
                value = number(canonical(m.group(1)));
            }
        }
        return value;
    }

    private static BigDecimal[] number(String s) {
        try {
            if (DECIMAL.matcher(s).matches()) {
                return new BigDecimal[] {new BigDecimal(s), BigDecimal.ONE};
            }
            Matcher frac = FRAC.matcher(s);
            Matcher slash = SLASH.matcher(s);
            BigDecimal p;
            BigDecimal q;
            if (frac.matches()) {
                p = new BigDecimal(frac.group(2));
                q = new BigDecimal(frac.group(3));
                if (!frac.group(1).isEmpty()) {
                    p = p.negate();
                }
            } else if (slash.matches()) {
                p = new BigDecimal(slash.group(1));
                q = new BigDecimal(slash.group(2));
            } else {
                return null;
            }
            return q.signum() == 0 ? null : new BigDecimal[] {p, q};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@code \text{x}}, {@code \mathrm{x}} and the like replaced by x, once. */
    public static String unwrapText(String s) {
        return TEXT_WRAPPER.matcher(s).replaceAll("$1");
    }
}
