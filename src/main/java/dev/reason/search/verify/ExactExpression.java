package dev.reason.search.verify;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Exact arithmetic on integer expressions with {@code + - * /} and parentheses, for the verifiers: values
 * are rationals (BigInteger numerator and denominator), so {@code 7/2} is 7/2, not 3, and nothing
 * overflows. Numbers are digit runs of any length, leading zeros allowed ({@code 047} is 47); where the caller
 * asks for them, decimals too ({@code 2.50} is 5/2). Stateless.
 */
final class ExactExpression {

    /** Deepest parenthesis / unary-minus nesting accepted (keeps the recursion bounded on hostile text). */
    private static final int MAX_DEPTH = 200;

    private ExactExpression() {
    }

    /** A rational p/q in lowest terms with q &gt; 0, so equal values are equal records. */
    record Rational(BigInteger num, BigInteger den) {
        static final Rational ZERO = new Rational(BigInteger.ZERO, BigInteger.ONE);

        Rational {
            Objects.requireNonNull(num, "num");
            Objects.requireNonNull(den, "den");
            if (den.signum() == 0) {
                throw new ArithmeticException("division by zero");
            }
            if (den.signum() < 0) {
                num = num.negate();
                den = den.negate();
            }
            BigInteger g = num.gcd(den);
            if (!g.equals(BigInteger.ONE) && g.signum() != 0) {
                num = num.divide(g);
                den = den.divide(g);
            }
            if (num.signum() == 0) {
                den = BigInteger.ONE;
            }
        }

        static Rational of(long v) {
            return new Rational(BigInteger.valueOf(v), BigInteger.ONE);
        }

        static Rational of(BigInteger v) {
            return new Rational(v, BigInteger.ONE);
        }

        Rational plus(Rational o) {
            return new Rational(num.multiply(o.den).add(o.num.multiply(den)), den.multiply(o.den));
        }

        Rational minus(Rational o) {
            return new Rational(num.multiply(o.den).subtract(o.num.multiply(den)), den.multiply(o.den));
        }

        Rational times(Rational o) {
            return new Rational(num.multiply(o.num), den.multiply(o.den));
        }

        /** @throws ArithmeticException when {@code o} is zero */
        Rational dividedBy(Rational o) {
            if (o.num.signum() == 0) {
                throw new ArithmeticException("division by zero");
            }
            return new Rational(num.multiply(o.den), den.multiply(o.num));
        }

        boolean isInteger() {
            return den.equals(BigInteger.ONE);
        }

        @Override
        public String toString() {
            return isInteger() ? num.toString() : num + "/" + den;
        }
    }

    /** A parsed expression. */
    sealed interface Node permits Num, Dec, Neg, Bin {
    }

    record Num(BigInteger value) implements Node {
    }

    /** A decimal as written ({@code 2.50}: its digits after the point count, for rounding). */
    record Dec(BigDecimal value) implements Node {
    }

    record Neg(Node operand) implements Node {
    }

    /** @param op one of {@code + - * /} */
    record Bin(char op, Node left, Node right) implements Node {
    }

    /**
     * Writes the usual non-ASCII operators as ASCII, one character for one so that positions stay valid:
     * {@code × · ⋅ ∗ ✕} become {@code *}, the minus sign {@code −} and the en dash become {@code -},
     * {@code ÷ ∕} become {@code /}.
     */
    static String asciiOperators(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\u00D7', '\u00B7', '\u22C5', '\u2217', '\u2715' -> b.append('*');
                case '\u2212', '\u2013' -> b.append('-');
                case '\u00F7', '\u2215' -> b.append('/');
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * Parses the whole of {@code s} (ASCII operators; spaces and tabs allowed between tokens) with the
     * usual precedence, {@code * /} before {@code + -}, left to right.
     *
     * @param unaryMinus whether a leading {@code -} may negate an operand ({@code -3+5}, {@code 5*-3})
     * @return the expression, or empty when {@code s} is not exactly one well-formed expression
     */
    static Optional<Node> parse(String s, boolean unaryMinus) {
        return parse(s, unaryMinus, false);
    }

    /** The same, reading {@code 2.5} as a {@link Dec} where {@code decimals}, else refusing it. */
    static Optional<Node> parse(String s, boolean unaryMinus, boolean decimals) {
        Parser p = new Parser(s, unaryMinus, decimals);
        try {
            Node n = p.expr(0);
            p.skipSpaces();
            return p.pos == s.length() ? Optional.of(n) : Optional.empty();
        } catch (SyntaxError e) {
            return Optional.empty();
        }
    }

    /** @throws ArithmeticException on a division by zero */
    static Rational evaluate(Node n) {
        if (n instanceof Num num) {
            return Rational.of(num.value());
        }
        if (n instanceof Dec dec) {
            return new Rational(dec.value().unscaledValue(), BigInteger.TEN.pow(dec.value().scale()));
        }
        if (n instanceof Neg neg) {
            return Rational.ZERO.minus(evaluate(neg.operand()));
        }
        Bin b = (Bin) n;
        Rational l = evaluate(b.left());
        Rational r = evaluate(b.right());
        return switch (b.op()) {
            case '+' -> l.plus(r);
            case '-' -> l.minus(r);
            case '*' -> l.times(r);
            case '/' -> l.dividedBy(r);
            default -> throw new IllegalStateException("operator " + b.op());
        };
    }

    /** Appends the numbers of {@code n}, left to right. */
    static void leaves(Node n, List<BigInteger> out) {
        if (n instanceof Num num) {
            out.add(num.value());
        } else if (n instanceof Dec) {
            throw new IllegalArgumentException("leaves of an expression with decimals");
        } else if (n instanceof Neg neg) {
            leaves(neg.operand(), out);
        } else {
            Bin b = (Bin) n;
            leaves(b.left(), out);
            leaves(b.right(), out);
        }
    }

    /** How many binary operations {@code n} has. */
    static int binaryOps(Node n) {
        if (n instanceof Num || n instanceof Dec) {
            return 0;
        }
        if (n instanceof Neg neg) {
            return binaryOps(neg.operand());
        }
        Bin b = (Bin) n;
        return 1 + binaryOps(b.left()) + binaryOps(b.right());
    }

    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static final class SyntaxError extends Exception {
        SyntaxError() {
            super(null, null, false, false);
        }
    }

    /** Recursive descent: expr := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*. */
    private static final class Parser {
        final String s;
        final boolean unaryMinus;
        final boolean decimals;
        int pos;

        Parser(String s, boolean unaryMinus, boolean decimals) {
            this.s = s;
            this.unaryMinus = unaryMinus;
            this.decimals = decimals;
        }

        void skipSpaces() {
            while (pos < s.length() && (s.charAt(pos) == ' ' || s.charAt(pos) == '\t')) {
                pos++;
            }
        }

        char peek() {
            skipSpaces();
            return pos < s.length() ? s.charAt(pos) : '\0';
        }

        Node expr(int depth) throws SyntaxError {
            if (depth > MAX_DEPTH) {
                throw new SyntaxError();
            }
            Node node = term(depth);
            for (char c = peek(); c == '+' || c == '-'; c = peek()) {
                pos++;
                node = new Bin(c, node, term(depth));
            }
            return node;
        }

        Node term(int depth) throws SyntaxError {
            Node node = unary(depth);
            for (char c = peek(); c == '*' || c == '/'; c = peek()) {
                pos++;
                node = new Bin(c, node, unary(depth));
            }
            return node;
        }

        Node unary(int depth) throws SyntaxError {
            if (unaryMinus && peek() == '-') {
                if (depth > MAX_DEPTH) {
                    throw new SyntaxError();
                }
                pos++;
                return new Neg(unary(depth + 1));
            }
            return atom(depth);
        }

        Node atom(int depth) throws SyntaxError {
            char c = peek();
            if (c == '(') {
                pos++;
                Node n = expr(depth + 1);
                if (peek() != ')') {
                    throw new SyntaxError();
                }
                pos++;
                return n;
            }
            int start = pos;
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                pos++;
            }
            if (start == pos) {
                throw new SyntaxError();
            }
            if (decimals && pos + 1 < s.length() && s.charAt(pos) == '.' && isDigit(s.charAt(pos + 1))) {
                pos++;
                while (pos < s.length() && isDigit(s.charAt(pos))) {
                    pos++;
                }
                return new Dec(new BigDecimal(s.substring(start, pos)));
            }
            return new Num(new BigInteger(s.substring(start, pos)));
        }
    }
}
