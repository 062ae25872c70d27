package dev.reason.search.verify;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Game of 24: the answer must be an expression with {@code + - * /} and parentheses that uses each of the
 * question's four numbers exactly once and equals 24 exactly (rational arithmetic, so {@code 8/(3-8/3)}
 * counts). Unary minus and any other number are not allowed. An answer may end in {@code =24}.
 *
 * <p>Verdicts: {@link Verdict#UNKNOWN} when the question does not hold four numbers 1-13 or the chain has
 * no answer; {@link Verdict#PASS} for a valid solution; {@link Verdict#FAIL} for anything else, a
 * division by zero or an answer that is not an expression included. A PASS is a proof: the search may
 * stop at the first one ({@link dev.reason.search.vote.VerifiedVote#firstVerified}).
 */
public final class Game24Verifier implements Verifier {

    public static final Game24Verifier INSTANCE = new Game24Verifier();

    private static final BigInteger TARGET = BigInteger.valueOf(24);
    private static final Pattern INTEGER = Pattern.compile("\\d+");
    // What may stand between two of the puzzle's numbers: spaces, commas, semicolons, "and".
    private static final Pattern SEPARATOR = Pattern.compile("(?i)\\s*[,;]?\\s*(?:and\\s+)?");
    // The question asks for 24 (the forms of the recipe's GAME24_PHRASES, and the usual English ones).
    private static final Pattern ASKS_FOR_24 = Pattern.compile(
            "(?i)\\b(?:make|makes|making|reach|reaching|get|obtain|equal|equals|to|total)\\s+(?:exactly\\s+)?24\\b"
                    + "|\\bgame\\s+of\\s+24\\b|\\b24\\s+game\\b|=\\s*24\\b|\\b24\\s+(?:from|with|using)\\b");

    private Game24Verifier() {
    }

    @Override
    public String name() {
        return "game24";
    }

    /** Whether the question asks to make 24 from four numbers 1-13. */
    public static boolean isGame24(String question) {
        return question != null && ASKS_FOR_24.matcher(question).find() && numbers(question).isPresent();
    }

    /**
     * The puzzle's four numbers: the one run of exactly four integers 1-13 in the question separated only by
     * spaces, commas, semicolons or "and" ({@code 4 7 8 8}, {@code 4, 7, 8 and 8}); a number outside 1-13
     * (such as the 24) ends a run. Empty when there is no such run, or more than one.
     */
    public static Optional<List<Integer>> numbers(String question) {
        if (question == null) {
            return Optional.empty();
        }
        List<List<Integer>> found = new ArrayList<>();
        List<Integer> run = new ArrayList<>();
        Matcher m = INTEGER.matcher(question);
        int lastEnd = -1;
        while (m.find()) {
            int v = m.group().length() > 2 ? Integer.MAX_VALUE : Integer.parseInt(m.group());
            boolean adjacent = lastEnd >= 0 && m.start() > lastEnd
                    && SEPARATOR.matcher(question.substring(lastEnd, m.start())).matches();
            boolean glued = gluedBefore(question, m.start()) || gluedAfter(question, m.end());
            if (!adjacent) {
                close(run, found);
            }
            if (v >= 1 && v <= 13 && !glued) {
                run.add(v);
            } else {
                close(run, found);
            }
            lastEnd = m.end();
        }
        close(run, found);
        return found.size() == 1 ? Optional.of(List.copyOf(found.get(0))) : Optional.empty();
    }

    /** Whether the number starting at {@code at} is part of something else: {@code x4}, {@code 1.5}, {@code -4}, {@code 3/4}. */
    private static boolean gluedBefore(String q, int at) {
        if (at == 0) {
            return false;
        }
        char c = q.charAt(at - 1);
        return Character.isLetter(c) || c == '-' || c == '\u2212' || c == '/' || c == '^' || c == '_'
                || (c == '.' || c == ',') && at >= 2 && Character.isDigit(q.charAt(at - 2));
    }

    /** Whether the number ending before {@code at} runs on: {@code 4x}, {@code 1.5}, {@code 1,000}, {@code 4/3}, {@code 4%}. */
    private static boolean gluedAfter(String q, int at) {
        if (at >= q.length()) {
            return false;
        }
        char c = q.charAt(at);
        return Character.isLetter(c) || c == '/' || c == '^' || c == '%' || c == '_'
                || (c == '.' || c == ',') && at + 1 < q.length() && Character.isDigit(q.charAt(at + 1));
    }

    private static void close(List<Integer> run, List<List<Integer>> found) {
        if (run.size() == 4) {
            found.add(new ArrayList<>(run));
        }
        run.clear();
    }

    /** A puzzle whose numbers it can read: a chain's final expression is always checked. */
    @Override
    public boolean appliesTo(String question) {
        return numbers(question).isPresent();
    }

    @Override
    public Verdict check(String question, String chainText, String answer) {
        Optional<List<Integer>> numbers = numbers(question);
        if (numbers.isEmpty() || answer == null || answer.isBlank()) {
            return Verdict.UNKNOWN;
        }
        return solves(numbers.get(), answer) ? Verdict.PASS : Verdict.FAIL;
    }

    /**
     * The steps written so far, in the worked format of the shipped model ({@code 010-006=004, left 004 004 005}: two
     * of the numbers left, one operation, its result, and the numbers left after it): {@link Verdict#FAIL} when a step
     * uses a number that is not left, computes wrong (exactly: a division must come out whole, as every step of that
     * format does), lists the wrong numbers left, or ends on one number that is not 24. Lines in any other form are not
     * steps and are passed over, so a chain written otherwise is never failed here.
     *
     * <p>Unlike the arithmetic steps, these are the way to the answer, not the answer: the final expression alone
     * decides {@link #check}, so a chain could, rarely, write a valid expression after a wrong step. Cutting such a
     * chain ({@link dev.reason.search.vote.VerifiedVote#mayCutFailingChains}) happens only once another chain has
     * passed, that is, once the search already holds a proven solution; drawing the wrong line again is what this
     * check is for.
     */
    @Override
    public Verdict checkSteps(String question, String partialText) {
        Optional<List<Integer>> numbers = numbers(question);
        if (numbers.isEmpty()) {
            return Verdict.UNKNOWN;
        }
        List<Long> left = new ArrayList<>();
        numbers.get().forEach(n -> left.add((long) n));
        String text = ExactExpression.asciiOperators(partialText);
        int end = text.lastIndexOf('\n');  // complete lines only: the last one is still being written
        for (String line : text.substring(0, Math.max(0, end)).split("\n")) {
            Matcher m = STEP.matcher(line.strip());
            if (!m.matches()) {
                continue;
            }
            long a = Long.parseLong(m.group(1));
            long b = Long.parseLong(m.group(3));
            long result = Long.parseLong(m.group(4));
            if (!left.remove(Long.valueOf(a)) || !left.remove(Long.valueOf(b)) || !computes(a, m.group(2).charAt(0), b, result)) {
                return Verdict.FAIL;
            }
            left.add(result);
            List<Long> written = new ArrayList<>();
            for (String n : m.group(5).strip().split("\\s+")) {
                written.add(Long.parseLong(n));
            }
            List<Long> expected = new ArrayList<>(left);
            expected.sort(null);
            written.sort(null);
            if (!expected.equals(written) || left.size() == 1 && result != 24) {
                return Verdict.FAIL;
            }
        }
        return Verdict.UNKNOWN;
    }

    /**
     * None: on Game of 24, redraws cost more tokens than the samples they replace (the numbers: docs/search.md,
     * Redraws). A path that reaches two numbers that cannot make 24 fails on its last line however often that line is
     * redrawn (the model writes {@code =024} regardless), and only solving the puzzle would tell. Going back to redraw
     * the step before ({@code verified:redraw=1,backtrack=on}) mends such paths, but pays only on small budgets
     * (docs/search.md, Backtracking), so neither is on by default.
     */
    @Override
    public int redrawsPerLine() {
        return 0;
    }

    /** A step of the worked format: {@code a op b = result, left n n ...} (numbers zero-padded or not). */
    private static final Pattern STEP = Pattern.compile("(\\d{1,6})\\s*([-+*/])\\s*(\\d{1,6})\\s*=\\s*(\\d{1,6})\\s*,"
            + "\\s*left\\s+(\\d{1,6}(?:\\s+\\d{1,6})*)");

    private static boolean computes(long a, char op, long b, long result) {
        return switch (op) {
            case '+' -> a + b == result;
            case '-' -> a - b == result;
            case '*' -> a * b == result;
            default -> b != 0 && a == result * b;
        };
    }

    /** Whether {@code expression} (optionally ending in {@code =24}) is a solution for {@code numbers}. */
    public static boolean solves(List<Integer> numbers, String expression) {
        String[] sides = ExactExpression.asciiOperators(expression).split("=", -1);
        Optional<ExactExpression.Node> tree = ExactExpression.parse(sides[0], false);
        if (tree.isEmpty()) {
            return false;
        }
        for (int i = 1; i < sides.length; i++) {
            Optional<ExactExpression.Node> rhs = ExactExpression.parse(sides[i], false);
            if (rhs.isEmpty() || !ExactExpression.Rational.of(TARGET).equals(value(rhs.get()))) {
                return false;
            }
        }
        List<BigInteger> leaves = new ArrayList<>();
        ExactExpression.leaves(tree.get(), leaves);
        List<BigInteger> want = new ArrayList<>();
        for (int n : numbers) {
            want.add(BigInteger.valueOf(n));
        }
        leaves.sort(null);
        want.sort(null);
        if (!leaves.equals(want)) {
            return false;
        }
        return ExactExpression.Rational.of(TARGET).equals(value(tree.get()));
    }

    /** The value, or null on a division by zero. */
    private static ExactExpression.Rational value(ExactExpression.Node n) {
        try {
            return ExactExpression.evaluate(n);
        } catch (ArithmeticException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
