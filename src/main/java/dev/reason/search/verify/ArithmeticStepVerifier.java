package dev.reason.search.verify;

import dev.reason.search.answer.FinalPart;

import java.math.BigInteger;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recomputes every equation a chain writes, exactly. An equation is any {@code =} with an integer
 * expression on each side ({@code + - * /}, {@code × − ÷}, parentheses, spaces; zero-padded numbers such
 * as {@code 047}; negative numbers): the worked lines {@code 038*002=076, 047+076-019} (the part after the
 * comma has no {@code =} and is not an equation), {@code 123-456=-333}, GSM8K calculator annotations
 * {@code <<48/2=24>>} (several operations evaluated with precedence), and chained rewrites
 * {@code 47 + 38*2 - 19 = 47 + 76 - 19 = 104}, where each side is compared with the next. Values are
 * rationals, so a division must come out exact: {@code 7/2=3} is wrong.
 *
 * <p>What chat models write is read too: LaTeX's {@code \times}, {@code \cdot}, {@code \div}, {@code \frac{a}{b}},
 * {@code \left(} and {@code \right)} ({@code $12 \times 7 = 84$}), thousands separators ({@code 1,200 + 300 = 1,500}, {@code 1\,200};
 * a comma followed by a space, as in the worked lines below, is not one), and decimals ({@code $2.50 \times 4 =
 * $10.00}), exactly; a side that is one decimal may be the other's value rounded or cut to the digits written
 * ({@code 10/3 = 3.33} holds, {@code 10/3 = 3.43} does not), never an integer ({@code 7/2 = 3} is wrong).
 *
 * <p>Each side is the longest well-formed expression next to the {@code =}, on the same line. An equation
 * is skipped (neither right nor wrong) when neither side has an operation ({@code x = 5}), or when a side
 * runs into something that makes it more than a number expression: a letter ({@code 2x}), {@code %},
 * {@code ^}, {@code _} or another backslash ({@code \sqrt}).
 * {@code $} is ignored ({@code $5 + $3 = $8} is checked). {@code ==}, {@code <=}, {@code >=},
 * {@code !=} and {@code :=} are not equations.
 *
 * <p>Worked-expression chains (the shipped model's format: the question's expression restated on the first
 * line, then lines {@code a op b = c, REST} where REST is the expression rewritten with the step done) get three
 * more checks, each of something the chain wrote: the first line must be the question's expression (the same
 * tree: numbers by value, so {@code 047} is 47, and redundant parentheses do not count), each REST must keep the
 * value of the expression it rewrites (the rewrite is an equation the chain asserts across lines, like the
 * chained rewrites above), and the final answer must be the last expression's value. These catch a copied
 * question with an invented or dropped operand and a step result written back wrong, which every single
 * equation of such a chain survives.
 *
 * <p>A reasoning model's chain is held only to what it writes after its thinking ({@link FinalPart}): the
 * thinking's equations are trials, often wrong and then corrected ("12*7 = 74? no, 84").
 *
 * <p>Verdict: {@link Verdict#FAIL} if any check fails (a division by zero included), {@link Verdict#PASS} if at
 * least one was made and all held, {@link Verdict#UNKNOWN} if none applied. The verifier never computes an
 * answer the chain did not write; it only holds the chain to its own lines and to the question's wording.
 */
public final class ArithmeticStepVerifier implements Verifier {

    public static final ArithmeticStepVerifier INSTANCE = new ArithmeticStepVerifier();

    private ArithmeticStepVerifier() {
    }

    @Override
    public String name() {
        return "arithmetic-steps";
    }

    /** The counts behind a verdict: checks made and how many failed. */
    public record Report(int checked, int wrong) {
        public Verdict verdict() {
            return wrong > 0 ? Verdict.FAIL : checked > 0 ? Verdict.PASS : Verdict.UNKNOWN;
        }

        Report plus(Report o) {
            return new Report(checked + o.checked, wrong + o.wrong);
        }
    }

    @Override
    public Verdict check(String question, String chainText, String answer) {
        // A reasoning model's thinking tries and corrects equations; it is held to the part it answers with.
        String asserted = chainText == null ? null : FinalPart.of(chainText).orElse(chainText);
        return report(asserted).plus(workedExpression(question, asserted, answer)).verdict();
    }

    /**
     * Every equation written so far, and the worked expression's rewrites (its answer is not written yet): what fails
     * here fails in {@link #check} too, since the chain keeps these lines. A chain that thinks in tags is held to the
     * part after its thinking, as check holds it.
     */
    @Override
    public Verdict checkSteps(String question, String partialText) {
        String asserted = FinalPart.of(partialText).orElse(partialText);
        Report r = report(asserted).plus(workedExpression(question, asserted, null));
        return r.wrong() > 0 ? Verdict.FAIL : Verdict.UNKNOWN;
    }

    /**
     * 16, chosen on the development set of arithmetic problems: every count tried pays for its tokens, and past 16 a
     * point costs about as many tokens as sampling more chains would (the numbers: docs/search.md, Redraws).
     */
    @Override
    public int redrawsPerLine() {
        return 16;
    }

    /**
     * The worked-expression checks (class comment): nothing to check unless the chain's first line is an
     * expression with an operation.
     */
    public static Report workedExpression(String question, String text, String answer) {
        if (text == null) {
            return new Report(0, 0);
        }
        String[] lines = ExactExpression.asciiOperators(text).split("\n");
        Optional<ExactExpression.Node> first = ExactExpression.parse(lines[0].strip(), true);
        Optional<ExactExpression.Node> asked = question == null ? Optional.empty() : questionExpression(question);
        if (first.isEmpty() && asked.isPresent() && malformed(lines[0])) {
            return new Report(1, 1);  // the question's expression, restated with a stray parenthesis or operator
        }
        if (first.isEmpty() || ExactExpression.binaryOps(first.get()) == 0) {
            return new Report(0, 0);
        }
        int checked = 0;
        int wrong = 0;
        if (asked.isPresent()) {
            checked++;
            wrong += asked.get().equals(first.get()) ? 0 : 1;
        } else if (question != null) {
            // a word question: the expression set up from it may use only numbers the question gives (none: no expression)
            checked++;
            wrong += questionNumbers(question).containsAll(operands(first.get())) ? 0 : 1;
        }
        ExactExpression.Node current = first.get();
        for (int i = 1; i < lines.length; i++) {
            int comma = lines[i].indexOf(", ");
            String restText = comma < 0 ? "" : lines[i].substring(comma + 2);
            Optional<ExactExpression.Node> rest = ExactExpression.parse(restText.strip(), true);
            if (rest.isPresent()) {
                checked++;
                wrong += sameValue(current, rest.get()) ? 0 : 1;
                current = rest.get();
            } else if (malformed(restText)) {  // a rewrite that is no expression cannot keep the value
                checked++;
                wrong++;
            }
        }
        Optional<ExactExpression.Node> given = answer == null ? Optional.empty() : ExactExpression.parse(answer, true);
        if (given.isPresent() && checked > (asked.isPresent() ? 1 : 0)) { // the answer ends a worked rewrite
            checked++;
            wrong += sameValue(current, given.get()) ? 0 : 1;
        }
        return new Report(checked, wrong);
    }

    private static final Pattern NUMBER = Pattern.compile("\\d+(?:,\\d{3})*(?:\\.\\d+)?");

    /** The numbers a question writes in digits ({@code 1,200} is one number), as exact values. */
    static Set<ExactExpression.Rational> questionNumbers(String question) {
        Set<ExactExpression.Rational> out = new HashSet<>();
        Matcher m = NUMBER.matcher(question);
        while (m.find()) {
            ExactExpression.parse(m.group().replace(",", ""), true).ifPresent(n -> out.add(ExactExpression.evaluate(n)));
        }
        return out;
    }

    /** The values of an expression's numbers, a negative one by its magnitude. */
    private static Set<ExactExpression.Rational> operands(ExactExpression.Node n) {
        Set<ExactExpression.Rational> out = new HashSet<>();
        if (n instanceof ExactExpression.Neg neg) {
            out.addAll(operands(neg.operand()));
        } else if (n instanceof ExactExpression.Bin bin) {
            out.addAll(operands(bin.left()));
            out.addAll(operands(bin.right()));
        } else {
            out.add(ExactExpression.evaluate(n));
        }
        return out;
    }

    /** A question with an expression: a worked chain must restate it on its first line, which is checked. */
    @Override
    public boolean appliesTo(String question) {
        return questionExpression(question).isPresent();
    }

    /**
     * The question's expression: among its runs of expression characters, the well-formed one with most operations.
     * Thousands separators are dropped first, so that 1,200 is one number and a chain that reads it as 1 fails.
     */
    static Optional<ExactExpression.Node> questionExpression(String question) {
        String q = ExactExpression.asciiOperators(withoutThousands(question));
        Optional<ExactExpression.Node> best = Optional.empty();
        int i = 0;
        while (i < q.length()) {
            if (!isExpressionChar(q.charAt(i))) {
                i++;
                continue;
            }
            int end = i;
            while (end < q.length() && isExpressionChar(q.charAt(end))) {
                end++;
            }
            Optional<ExactExpression.Node> n = ExactExpression.parse(q.substring(i, end).strip(), true);
            if (n.isPresent() && ExactExpression.binaryOps(n.get()) > 0
                    && (best.isEmpty() || ExactExpression.binaryOps(n.get()) > ExactExpression.binaryOps(best.get()))) {
                best = n;
            }
            i = end;
        }
        return best;
    }

    private static boolean sameValue(ExactExpression.Node a, ExactExpression.Node b) {
        try {
            return ExactExpression.evaluate(a).equals(ExactExpression.evaluate(b));
        } catch (ArithmeticException divisionByZero) {
            return false;
        }
    }

    /**
     * Whether {@code written} is a bare decimal within one unit of its last digit of {@code exact}: {@code 10/3 = 3.33}
     * and {@code = 3.3} hold (rounded or cut), {@code = 3.43} does not. An integer result is never a rounding:
     * {@code 7/2 = 3} is wrong.
     */
    private static boolean roundedTo(ExactExpression.Node written, ExactExpression.Rational exact) {
        ExactExpression.Node n = written instanceof ExactExpression.Neg neg ? neg.operand() : written;
        if (!(n instanceof ExactExpression.Dec dec)) {
            return false;
        }
        ExactExpression.Rational diff = exact.minus(ExactExpression.evaluate(written));
        // |diff| < 10^-scale  <=>  |num| * 10^scale < den
        return diff.num().abs().multiply(BigInteger.TEN.pow(dec.value().scale())).compareTo(diff.den()) < 0;
    }

    /** Checks every equation of {@code text}. */
    public static Report report(String text) {
        if (text == null || text.isEmpty()) {
            return new Report(0, 0);
        }
        String t = plainOperators(ExactExpression.asciiOperators(text)).replace('$', ' ');
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
                ExactExpression.Rational l = ExactExpression.evaluate(left.get());
                ExactExpression.Rational r = ExactExpression.evaluate(right.get());
                if (!l.equals(r) && !roundedTo(right.get(), l) && !roundedTo(left.get(), r)) {
                    wrong++;
                }
            } catch (ArithmeticException divisionByZero) {
                wrong++;
            }
        }
        return new Report(checked, wrong);
    }

    private static final Pattern LATEX_TIMES = Pattern.compile("\\\\(?:times|cdot|ast)(?![A-Za-z])");
    private static final Pattern LATEX_DIV = Pattern.compile("\\\\div(?![A-Za-z])");
    private static final Pattern LATEX_PARENS = Pattern.compile("\\\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)(?=[()])");
    // 1,200 and 1\,200 (not part of a longer run of digits and commas, and not "084, 047": a space follows that comma)
    private static final Pattern THOUSANDS = Pattern.compile("(?<![\\d.,])\\d{1,3}(?:(?:,|\\\\,)\\d{3})+(?![\\d,])");

    // \frac{a}{b} (and \dfrac, \tfrac) with no braces inside: innermost first, so nested ones unwrap in turns
    private static final Pattern LATEX_FRAC = Pattern.compile("\\\\[dt]?frac\\{([^{}]*)\\}\\{([^{}]*)\\}");

    /** LaTeX's operators, fractions and parentheses as ASCII, thousands separators dropped. */
    private static String plainOperators(String t) {
        String s = t;
        for (String before = null; !s.equals(before); ) {
            before = s;
            s = LATEX_FRAC.matcher(s).replaceAll("(($1)/($2))");
        }
        s = LATEX_TIMES.matcher(s).replaceAll(" * ");
        s = LATEX_DIV.matcher(s).replaceAll(" / ");
        s = LATEX_PARENS.matcher(s).replaceAll("");
        return withoutThousands(s);
    }

    /** 1,200 and LaTeX's 1\,200 as 1200; a list such as 3,4,6 stays as it is. */
    private static String withoutThousands(String s) {
        return THOUSANDS.matcher(s).replaceAll(m -> m.group().replace("\\,", "").replace(",", ""));
    }

    /** What an equation's sides are made of: expression characters and the point of a decimal. */
    private static boolean isEquationChar(char c) {
        return isExpressionChar(c) || c == '.';
    }

    /**
     * Written as an expression (digits, operators, parentheses only, with an operation) that does not parse: a worked
     * line gone wrong. Prose and equations never count here, so a chat model's sentences are not held to it.
     */
    private static boolean malformed(String text) {
        String t = text.strip();
        return t.chars().allMatch(c -> isExpressionChar((char) c)) && t.chars().anyMatch(Character::isDigit)
                && t.chars().anyMatch(c -> "+-*/".indexOf(c) >= 0) && ExactExpression.parse(t, true).isEmpty();
    }

    private static boolean isExpressionChar(char c) {
        return c >= '0' && c <= '9' || c == '+' || c == '-' || c == '*' || c == '/' || c == '(' || c == ')'
                || c == ' ' || c == '\t';
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
        while (s > 0 && isEquationChar(t.charAt(s - 1))) {
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
            Optional<ExactExpression.Node> n = ExactExpression.parse(t.substring(p, eq), true, true);
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
        while (e < t.length() && isEquationChar(t.charAt(e))) {
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
            if (q == last ? gluedAfter(t, q, e) : !(isSpace(t.charAt(q)) || t.charAt(q) == ')' || sentenceEnd(t, q))) {
                continue;
            }
            Optional<ExactExpression.Node> n = ExactExpression.parse(t.substring(eq + 1, q), true, true);
            if (n.isPresent()) {
                return n;
            }
        }
        return Optional.empty();
    }

    /** A point at {@code q} that ends a sentence rather than starting a decimal's digits. */
    private static boolean sentenceEnd(String t, int q) {
        return t.charAt(q) == '.' && (q + 1 >= t.length() || !ExactExpression.isDigit(t.charAt(q + 1)));
    }

    /** Whether the expression starting at {@code p} is glued to what comes before: {@code x5}, {@code 1.5}, {@code 1,000}. */
    private static boolean gluedBefore(String t, int p) {
        if (p == 0) {
            return false;
        }
        char c = t.charAt(p - 1);
        return Character.isLetter(c) || c == '_' || c == '^' || c == '\\' || c == '%'
                || (c == '.' || c == ',') && ExactExpression.isDigit(t.charAt(p)) && p >= 2
                && ExactExpression.isDigit(t.charAt(p - 2));
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
                || (c == '.' || c == ',') && ExactExpression.isDigit(t.charAt(q - 1)) && q + 1 < t.length()
                && ExactExpression.isDigit(t.charAt(q + 1));
    }

    @Override
    public String toString() {
        return name();
    }
}
