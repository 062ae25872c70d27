package dev.reason.bench;

import dev.reason.search.answer.AnswerExtractor;
import dev.reason.search.answer.MathAnswers;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Grading: is a predicted answer right? Math answers are compared as the vote compares them ({@link MathAnswers}:
 * {@code 0.5 = \frac{1}{2} = 1/2}, {@code 50\% = 50}, {@code 10^\circ = 10}, {@code 5\text{ cm} = 5}, tuples and
 * intervals element by element). Game of 24 answers are evaluated exactly; AQuA answers are option letters. Stateless.
 */
public final class Equivalence {

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

    /** Whether two math answers are the same ({@link MathAnswers#equivalent}, as the vote groups them). */
    public static boolean equivalent(String predicted, String reference) {
        return MathAnswers.equivalent(predicted, reference);
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
            s = MathAnswers.unwrapBoxed(s);
            s = MathAnswers.unwrapText(s).replace("$", "").replace("*", "").strip();
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
        String e = AnswerExtractor.normalize(MathAnswers.unwrapBoxed(expression.strip()));
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
