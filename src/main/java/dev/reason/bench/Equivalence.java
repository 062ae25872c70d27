package dev.reason.bench;

import dev.reason.search.AnswerExtractor;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Grading: is a predicted answer right? Math answers are compared after normalization, numerically when both sides
 * are numbers ({@code 0.5 = \frac{1}{2} = 1/2}, {@code 50\% = 50}, {@code 10^\circ = 10}, {@code 5\text{ cm} = 5}),
 * otherwise as canonical LaTeX strings; tuples and intervals element by element. Game of 24 answers are evaluated
 * exactly; AQuA answers are option letters. Stateless.
 */
public final class Equivalence {

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
    private static final Pattern INNER_FRAC = Pattern.compile("\\\\frac\\{([^{}]*)\\}\\{([^{}]*)\\}");
    private static final Pattern LETTER_ALONE = Pattern.compile("\\(?([A-E])\\)?[.:]?");
    private static final Pattern LETTER_OPTION = Pattern.compile("\\(?([A-E])\\).*", Pattern.DOTALL);
    private static final Pattern LETTER_AFTER_ANSWER = Pattern.compile(
            "(?i:answer(?:\\s+is)?\\s*[:=]?\\s*(?:option|choice)?\\s*)\\(?([A-E])(?![A-Za-z])");
    private static final Pattern LETTER_PARENS = Pattern.compile("\\(([A-E])\\)");
    private static final BigInteger TWENTY_FOUR = BigInteger.valueOf(24);

    private Equivalence() {
    }

    /**
     * Whether {@code predicted} answers {@code problem}: by {@link #game24} when the problem has numbers, by option
     * letter for AQuA, else by {@link #equivalent}. False for a null prediction.
     */
    public static boolean correct(Problem problem, String predicted) {
        if (predicted == null) {
            return false;
        }
        if (problem.numbers() != null) {
            return game24(problem.numbers(), predicted);
        }
        if (problem.answer() == null) {
            return false;
        }
        if ("aqua".equals(problem.dataset())) {
            String letter = letter(predicted);
            return letter != null && letter.equals(problem.answer().strip().toUpperCase(Locale.ROOT));
        }
        return equivalent(predicted, problem.answer());
    }

    /** Whether two math answers are the same, numerically where both are numbers, else as canonical LaTeX. */
    public static boolean equivalent(String predicted, String reference) {
        if (predicted == null || reference == null) {
            return false;
        }
        String a = canonical(predicted);
        String b = canonical(reference);
        if (a.isEmpty() || b.isEmpty()) {
            return false;
        }
        BigDecimal[] x = numberWithUnits(predicted, a);
        BigDecimal[] y = numberWithUnits(reference, b);
        if (x != null && y != null) {
            return sameNumber(x, y);
        }
        return same(a, b);
    }

    private static boolean same(String a, String b) {
        BigDecimal[] x = number(a);
        BigDecimal[] y = number(b);
        if (x != null && y != null) {
            return sameNumber(x, y);
        }
        return a.equals(b) || sameElements(a, b);
    }

    // p/q == r/s  <=>  p*s == r*q, exact in BigDecimal.
    private static boolean sameNumber(BigDecimal[] x, BigDecimal[] y) {
        return x[0].multiply(y[1]).compareTo(y[0].multiply(x[1])) == 0;
    }

    /** Tuples, lists and intervals: the same brackets and equal elements in order. */
    private static boolean sameElements(String a, String b) {
        boolean wa = wrapped(a);
        boolean wb = wrapped(b);
        if (wa != wb) {
            return false;
        }
        String ia = a;
        String ib = b;
        if (wa) {
            if (a.charAt(0) != b.charAt(0) || a.charAt(a.length() - 1) != b.charAt(b.length() - 1)) {
                return false;
            }
            ia = a.substring(1, a.length() - 1);
            ib = b.substring(1, b.length() - 1);
        }
        List<String> pa = splitTopLevel(ia);
        List<String> pb = splitTopLevel(ib);
        if (pa.size() != pb.size() || (pa.size() < 2 && !wa)) {
            return false;
        }
        for (int i = 0; i < pa.size(); i++) {
            if (pa.get(i).isEmpty() || pb.get(i).isEmpty() || !same(pa.get(i), pb.get(i))) {
                return false;
            }
        }
        return true;
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

    private static String unwrapBoxed(String s) {
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

    /**
     * The option letter A-E a multiple-choice answer names: {@code C}, {@code (C)}, {@code C)21},
     * {@code The answer is C}, {@code ... so (C)}; null when there is none.
     */
    public static String letter(String predicted) {
        if (predicted == null) {
            return null;
        }
        String s = predicted.strip();
        String before;
        do {
            before = s;
            s = unwrapBoxed(s);
            s = TEXT_WRAPPER.matcher(s).replaceAll("$1").replace("$", "").replace("*", "").strip();
        } while (!s.equals(before));
        Matcher m = LETTER_ALONE.matcher(s);
        if (m.matches()) {
            return m.group(1);
        }
        m = LETTER_OPTION.matcher(s);
        if (m.matches()) {
            return m.group(1);
        }
        String found = null;
        m = LETTER_AFTER_ANSWER.matcher(s);
        while (m.find()) {
            found = m.group(1);
        }
        if (found != null) {
            return found;
        }
        m = LETTER_PARENS.matcher(s);
        while (m.find()) {
            found = m.group(1);
        }
        return found;
    }

    /**
     * Whether {@code expression} solves the Game of 24 for {@code numbers}: it uses each number exactly once (as a
     * multiset), only {@code + - * /} (also {@code × ÷ x \times \div \cdot}) and parentheses, no unary minus, and
     * equals 24 in exact rational arithmetic. A trailing {@code = 24} is allowed. Division by zero is false.
     */
    public static boolean game24(int[] numbers, String expression) {
        if (numbers == null || expression == null) {
            return false;
        }
        String e = AnswerExtractor.normalize(unwrapBoxed(expression.strip()));
        String before;
        do {
            before = e;
            e = INNER_FRAC.matcher(e).replaceAll("(($1)/($2))");
        } while (!e.equals(before));
        e = e.replace('[', '(').replace(']', ')').replace('{', '(').replace('}', ')');
        String[] sides = e.split("=", -1);
        if (sides.length > 1) {
            if (sides[sides.length - 1].equals("24")) {
                e = sides[0];
            } else if (sides.length == 2 && sides[0].equals("24")) {
                e = sides[1];
            } else {
                return false;
            }
        }
        try {
            Game24Parser parser = new Game24Parser(e);
            BigInteger[] value = parser.parse();
            int[] used = parser.used.stream().mapToInt(Integer::intValue).toArray();
            int[] given = numbers.clone();
            Arrays.sort(used);
            Arrays.sort(given);
            return Arrays.equals(used, given) && value[1].signum() != 0
                    && value[0].equals(value[1].multiply(TWENTY_FOUR));
        } catch (ParseFailure | ArithmeticException ex) {
            return false;
        }
    }

    private static final class ParseFailure extends RuntimeException {
        ParseFailure() {
            super(null, null, false, false);
        }
    }

    /** expr := term (('+'|'-') term)*; term := factor (('*'|'/'|'x') factor)*; factor := integer | '(' expr ')'. */
    private static final class Game24Parser {
        private final String s;
        private int at;
        final List<Integer> used = new ArrayList<>();

        Game24Parser(String s) {
            this.s = s;
        }

        BigInteger[] parse() {
            BigInteger[] v = expr();
            if (at != s.length()) {
                throw new ParseFailure();
            }
            return v;
        }

        private BigInteger[] expr() {
            BigInteger[] v = term();
            while (at < s.length() && (s.charAt(at) == '+' || s.charAt(at) == '-')) {
                char op = s.charAt(at++);
                BigInteger[] w = term();
                BigInteger num = op == '+'
                        ? v[0].multiply(w[1]).add(w[0].multiply(v[1]))
                        : v[0].multiply(w[1]).subtract(w[0].multiply(v[1]));
                v = reduce(num, v[1].multiply(w[1]));
            }
            return v;
        }

        private BigInteger[] term() {
            BigInteger[] v = factor();
            while (at < s.length() && "*/xX".indexOf(s.charAt(at)) >= 0) {
                char op = s.charAt(at++);
                BigInteger[] w = factor();
                if (op == '/') {
                    if (w[0].signum() == 0) {
                        throw new ParseFailure();
                    }
                    v = reduce(v[0].multiply(w[1]), v[1].multiply(w[0]));
                } else {
                    v = reduce(v[0].multiply(w[0]), v[1].multiply(w[1]));
                }
            }
            return v;
        }

        private BigInteger[] factor() {
            if (at >= s.length()) {
                throw new ParseFailure();
            }
            char c = s.charAt(at);
            if (c == '(') {
                at++;
                BigInteger[] v = expr();
                if (at >= s.length() || s.charAt(at) != ')') {
                    throw new ParseFailure();
                }
                at++;
                return v;
            }
            int start = at;
            while (at < s.length() && Character.isDigit(s.charAt(at)) && s.charAt(at) < 128) {
                at++;
            }
            if (at == start || at - start > 9) {
                throw new ParseFailure();
            }
            int n = Integer.parseInt(s.substring(start, at));
            used.add(n);
            return new BigInteger[] {BigInteger.valueOf(n), BigInteger.ONE};
        }

        private static BigInteger[] reduce(BigInteger num, BigInteger den) {
            if (den.signum() < 0) {
                num = num.negate();
                den = den.negate();
            }
            BigInteger g = num.gcd(den);
            return g.signum() == 0 ? new BigInteger[] {num, den} : new BigInteger[] {num.divide(g), den.divide(g)};
        }
    }
}
