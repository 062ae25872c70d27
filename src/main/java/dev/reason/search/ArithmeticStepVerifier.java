package dev.reason.search;

import java.util.Optional;

/**
 * Recomputes every equation a chain writes, exactly. An equation is any {@code =} with an integer
 * expression on each side ({@code + - * /}, {@code × − ÷}, parentheses, spaces; zero-padded numbers such
 * as {@code 047}; negative numbers): the worked lines {@code 038*002=076, 047+076-019} (the part after the
 * comma has no {@code =} and is not an equation), {@code 123-456=-333}, GSM8K calculator annotations
 * {@code <<48/2=24>>} (several operations evaluated with precedence), and chained rewrites
 * {@code 47 + 38*2 - 19 = 47 + 76 - 19 = 104}, where each side is compared with the next. Values are
 * rationals, so a division must come out exact: {@code 7/2=3} is wrong.
 *
 * <p>Each side is the longest well-formed expression next to the {@code =}, on the same line. An equation
 * is skipped (neither right nor wrong) when neither side has an operation ({@code x = 5}), or when a side
 * runs into something that makes it more than an integer expression: a letter ({@code 2x}), a decimal
 * point or thousands comma ({@code 1.5}, {@code 1,000}), {@code %}, {@code ^}, {@code _} or a backslash.
 * {@code $} is ignored ({@code $5 + $3 = $8} is checked). {@code ==}, {@code <=}, {@code >=},
 * {@code !=} and {@code :=} are not equations.
 *
 * <p>Verdict: {@link Verdict#FAIL} if any equation is wrong (a division by zero included),
 * {@link Verdict#PASS} if at least one was checked and all were right, {@link Verdict#UNKNOWN} if none
 * was found. Only the chain's own steps are checked: the question is not solved, so a chain that copied
 * the question wrong and then computed correctly still passes.
 */
public final class ArithmeticStepVerifier implements Verifier {

    public static final ArithmeticStepVerifier INSTANCE = new ArithmeticStepVerifier();

    private ArithmeticStepVerifier() {
    }

    @Override
    public String name() {
        return "arithmetic-steps";
    }

    /** The counts behind a verdict: equations checked and how many were wrong. */
    public record Report(int checked, int wrong) {
        public Verdict verdict() {
            return wrong > 0 ? Verdict.FAIL : checked > 0 ? Verdict.PASS : Verdict.UNKNOWN;
        }
    }

    @Override
    public Verdict check(String question, String chainText, String answer) {
        return report(chainText).verdict();
    }

    /** Checks every equation of {@code text}. */
    public static Report report(String text) {
        if (text == null || text.isEmpty()) {
            return new Report(0, 0);
        }
        String t = ExactExpression.asciiOperators(text).replace('$', ' ');
        int checked = 0;
        int wrong = 0;
        for (int i = t.indexOf('='); i >= 0; i = t.indexOf('=', i + 1)) {
            if (i > 0 && "=<>!:".indexOf(t.charAt(i - 1)) >= 0 || i + 1 < t.length() && t.charAt(i + 1) == '=') {
                continue;
            }
            Optional<ExactExpression.Node> left = leftSide(t, i);
            Optional<ExactExpression.Node> right = rightSide(t, i);
            if (left.isEmpty() || right.isEmpty()
                    || ExactExpression.binaryOps(left.get()) + ExactExpression.binaryOps(right.get()) == 0) {
                continue;
            }
            checked++;
            try {
                if (!ExactExpression.evaluate(left.get()).equals(ExactExpression.evaluate(right.get()))) {
                    wrong++;
                }
            } catch (ArithmeticException divisionByZero) {
                wrong++;
            }
        }
        return new Report(checked, wrong);
    }

    private static boolean isExpressionChar(char c) {
        return c >= '0' && c <= '9' || c == '+' || c == '-' || c == '*' || c == '/' || c == '(' || c == ')'
                || c == ' ' || c == '\t';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t';
    }

    /**
     * The expression ending at the {@code =} at {@code eq}: the longest well-formed suffix of the run of
     * expression characters before it that starts at the run's first non-space character, after a space or
     * after a {@code (}.
     */
    private static Optional<ExactExpression.Node> leftSide(String t, int eq) {
        int s = eq;
        while (s > 0 && isExpressionChar(t.charAt(s - 1))) {
            s--;
        }
        int first = s;
        while (first < eq && isSpace(t.charAt(first))) {
            first++;
        }
        for (int p = first; p < eq; p++) {
            char c = t.charAt(p);
            if (isSpace(c)) {
                continue;
            }
            if (p == first ? gluedBefore(t, p) : !(isSpace(t.charAt(p - 1)) || t.charAt(p - 1) == '(')) {
                continue;
            }
            Optional<ExactExpression.Node> n = ExactExpression.parse(t.substring(p, eq), true);
            if (n.isPresent()) {
                return n;
            }
        }
        return Optional.empty();
    }

    /**
     * The expression starting after the {@code =} at {@code eq}: the longest well-formed prefix of the run
     * of expression characters after it that ends at the run's last non-space character, before a space or
     * before a {@code )}.
     */
    private static Optional<ExactExpression.Node> rightSide(String t, int eq) {
        int e = eq + 1;
        while (e < t.length() && isExpressionChar(t.charAt(e))) {
            e++;
        }
        int last = e;
        while (last > eq + 1 && isSpace(t.charAt(last - 1))) {
            last--;
        }
        for (int q = last; q > eq + 1; q--) {
            if (isSpace(t.charAt(q - 1))) {
                continue;
            }
            if (q == last ? gluedAfter(t, q, e) : !(isSpace(t.charAt(q)) || t.charAt(q) == ')')) {
                continue;
            }
            Optional<ExactExpression.Node> n = ExactExpression.parse(t.substring(eq + 1, q), true);
            if (n.isPresent()) {
                return n;
            }
        }
        return Optional.empty();
    }

    /** Whether the expression starting at {@code p} is glued to what comes before: {@code x5}, {@code 1.5}, {@code 1,000}. */
    private static boolean gluedBefore(String t, int p) {
        if (p == 0) {
            return false;
        }
        char c = t.charAt(p - 1);
        return Character.isLetter(c) || c == '_' || c == '^' || c == '\\' || c == '%'
                || (c == '.' || c == ',') && isDigit(t.charAt(p)) && p >= 2 && isDigit(t.charAt(p - 2));
    }

    /**
     * Whether the expression ending at {@code q} runs on into what follows: {@code 2x}, {@code 1.5},
     * {@code 1,000}, {@code 50%}. Spaces between the expression and the next character end it.
     */
    private static boolean gluedAfter(String t, int q, int runEnd) {
        if (q < runEnd || q >= t.length()) {
            return false;
        }
        char c = t.charAt(q);
        return Character.isLetter(c) || c == '_' || c == '^' || c == '\\' || c == '%'
                || (c == '.' || c == ',') && isDigit(t.charAt(q - 1)) && q + 1 < t.length()
                && isDigit(t.charAt(q + 1));
    }

    @Override
    public String toString() {
        return name();
    }
}
