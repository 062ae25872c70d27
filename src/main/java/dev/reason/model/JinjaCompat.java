package dev.reason.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites what jinjava reads differently from Jinja in transformers' chat templates, into forms it reads as Jinja
 * means them. Inside {@code {{ }}} and {@code {% %}} tags (never in string literals):
 * <ul>
 *   <li>{@code x[::-1]} becomes {@code x|reverse}: jinjava has no slice steps (Qwen3 walks its messages backwards).
 *   Filters bind as tightly as the subscript did, so the operand is the same unless a subscript or call follows.</li>
 *   <li>A keyword argument's value is parenthesized, {@code f(n=a - 1)} becoming {@code f(n=(a - 1))}: jinjava reads
 *   {@code n=a - 1} as {@code (n=a) - 1} (Qwen3: {@code namespace(last_query_index=messages|length - 1)}). Macro
 *   definitions keep theirs: jinjava parses their defaults itself, and parenthesized ones break it.</li>
 *   <li>A prefix {@code not} gets its operand parenthesized up to the next {@code and}, {@code or}, {@code if},
 *   {@code else}, comma or closing bracket: Jinja's {@code not} takes a whole comparison ({@code not 'q' in s} is
 *   {@code not ('q' in s)}), jinjava's only the next operand ({@code (not 'q') in s}, and {@code not n|length > 1}
 *   fails).</li>
 *   <li>A filtered operand of an {@code is} test is parenthesized, {@code x|length is number} becoming
 *   {@code (x|length) is number}: Jinja's filters bind tighter than its tests, and jinjava cannot parse the
 *   unparenthesized form.</li>
 * </ul>
 * The text of a {@code {% raw %}} block is left as written. One trailing newline of the template goes, as Jinja's
 * lexer drops it (a {@code chat_template.jinja} file usually ends with one; jinjava would print it after the
 * generation prompt).
 */
final class JinjaCompat {
    private static final Pattern END_RAW = Pattern.compile("\\{%[-+]?\\s*endraw\\b");
    /** Characters of Jinja's binary operators: an operand starts after each. */
    private static final String OPERATORS = "+-*/%~<>=!";

    private JinjaCompat() {
    }

    static String rewrite(String source) {
        String template = source.endsWith("\r\n") ? source.substring(0, source.length() - 2)
                : source.endsWith("\n") || source.endsWith("\r") ? source.substring(0, source.length() - 1) : source;
        StringBuilder out = new StringBuilder(template.length() + 16);
        int i = 0;
        while (i < template.length()) {
            int open = nextTag(template, i);
            if (open < 0) {
                out.append(template, i, template.length());
                break;
            }
            out.append(template, i, open + 2);
            boolean statement = template.charAt(open + 1) == '%';
            String close = statement ? "%}" : "}}";
            int end = tagEnd(template, open + 2, close);
            // Whitespace control ({%- ... -%}) is the delimiters', not the expression's.
            String body = template.substring(open + 2, end);
            int from = body.startsWith("-") || body.startsWith("+") ? 1 : 0;
            int to = body.length() > from && (body.endsWith("-") || body.endsWith("+")) ? body.length() - 1
                    : body.length();
            String inner = body.substring(from, to);
            out.append(body, 0, from)
                    .append(statement && inner.strip().startsWith("macro ") ? inner.replace("[::-1]", "|reverse")
                            : expression(inner))
                    .append(body, to, body.length());
            i = end;
            if (statement && inner.strip().equals("raw")) {  // {% raw %} text is printed as written: copy it through
                Matcher endRaw = END_RAW.matcher(template);
                int stop = endRaw.find(end) ? endRaw.start() : template.length();
                out.append(template, end, stop);
                i = stop;
            }
        }
        return out.toString();
    }

    /** The next {@code {{} or {@code {%} at or after from, skipping comments; -1 if none. */
    private static int nextTag(String t, int from) {
        for (int i = from; i + 1 < t.length(); i++) {
            if (t.charAt(i) != '{') {
                continue;
            }
            char c = t.charAt(i + 1);
            if (c == '{' || c == '%') {
                return i;
            }
            if (c == '#') {
                int end = t.indexOf("#}", i + 2);
                if (end < 0) {
                    return -1;
                }
                i = end + 1;
            }
        }
        return -1;
    }

    /** Where the tag's closing delimiter starts, past string literals; the text's end if it never closes. */
    private static int tagEnd(String t, int from, String close) {
        int i = from;
        while (i < t.length()) {
            char c = t.charAt(i);
            if (c == '\'' || c == '"') {
                i = literalEnd(t, i);
            } else if (t.startsWith(close, i)) {
                return i;
            } else {
                i++;
            }
        }
        return t.length();
    }

    /** The index after the string literal that starts at {@code at}. */
    private static int literalEnd(CharSequence t, int at) {
        char quote = t.charAt(at);
        int i = at + 1;
        while (i < t.length() && t.charAt(i) != quote) {
            i += t.charAt(i) == '\\' ? 2 : 1;
        }
        return Math.min(i + 1, t.length());
    }

    /** One tag's expression text, rewritten. */
    private static String expression(String e) {
        StringBuilder out = new StringBuilder(e.length() + 8);
        // Per bracket depth (0: the tag itself): the open bracket, whether a keyword argument's value is open, how
        // many prefix nots wait for their closing parenthesis, and where in out the operand being written starts.
        char[] brackets = new char[e.length() + 2];
        boolean[] valueOpen = new boolean[e.length() + 2];
        int[] nots = new int[e.length() + 2];
        int[] operand = new int[e.length() + 2];
        int depth = 0;
        String lastWord = "";
        int i = 0;
        while (i < e.length()) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                int end = literalEnd(e, i);
                out.append(e, i, end);
                i = end;
                lastWord = "";
            } else if (e.startsWith("[::-1]", i)) {
                out.append("|reverse");
                i += 6;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
                brackets[depth] = c;
                valueOpen[depth] = false;
                nots[depth] = 0;
                out.append(c);
                operand[depth] = out.length();
                i++;
                lastWord = "";
            } else if (c == ')' || c == ']' || c == '}' || c == ',') {
                closeNots(out, nots, depth);
                if (valueOpen[depth]) {
                    closeBefore(out, 1);
                    valueOpen[depth] = false;
                }
                if (c != ',' && depth > 0) {
                    depth--;
                }
                out.append(c);
                if (c == ',') {
                    operand[depth] = out.length();
                }
                i++;
                lastWord = "";
            } else if (Character.isJavaIdentifierStart(c)
                    && (i == 0 || !(Character.isJavaIdentifierPart(e.charAt(i - 1)) || e.charAt(i - 1) == '.'))) {
                int j = i;
                while (j < e.length() && Character.isJavaIdentifierPart(e.charAt(j))) {
                    j++;
                }
                String word = e.substring(i, j);
                int k = j;
                while (k < e.length() && e.charAt(k) == ' ') {
                    k++;
                }
                boolean notIn = e.startsWith("in", k)   // the operator "x not in y"
                        && (k + 2 == e.length() || !Character.isJavaIdentifierPart(e.charAt(k + 2)));
                if (word.equals("not") && !lastWord.equals("is") && !notIn) {  // not "x is not y" either
                    out.append("not (");
                    nots[depth]++;
                    operand[depth] = out.length();
                    i = k;
                } else if (word.equals("and") || word.equals("or") || word.equals("if") || word.equals("else")) {
                    closeNots(out, nots, depth);
                    out.append(word);
                    operand[depth] = out.length();
                    i = j;
                } else if (word.equals("is") || word.equals("in") || word.equals("not")) {
                    if (word.equals("is") && filtered(out, operand[depth])) {
                        parenthesize(out, operand[depth]);  // jinjava cannot parse "x|f is t": Jinja's "(x|f) is t"
                    }
                    out.append(word);
                    operand[depth] = out.length();
                    i = j;
                } else if (depth > 0 && brackets[depth] == '(' && !valueOpen[depth] && startsArgument(out)
                        && k < e.length() && e.charAt(k) == '=' && (k + 1 == e.length() || e.charAt(k + 1) != '=')) {
                    out.append(e, i, k + 1).append('(');
                    valueOpen[depth] = true;
                    operand[depth] = out.length();
                    i = k + 1;
                } else {
                    out.append(word);
                    i = j;
                }
                lastWord = word;
            } else {
                out.append(c);
                if (OPERATORS.indexOf(c) >= 0) {
                    operand[depth] = out.length();
                }
                i++;
                if (!Character.isWhitespace(c)) {
                    lastWord = "";
                }
            }
        }
        closeNots(out, nots, depth);
        return out.toString();
    }

    /** Whether out[from..] holds a filter ({@code |}) outside brackets and string literals. */
    private static boolean filtered(StringBuilder out, int from) {
        int nesting = 0;
        for (int i = from; i < out.length(); i++) {
            char c = out.charAt(i);
            if (c == '\'' || c == '"') {
                i = literalEnd(out, i) - 1;
            } else if (c == '(' || c == '[' || c == '{') {
                nesting++;
            } else if (c == ')' || c == ']' || c == '}') {
                nesting--;
            } else if (c == '|' && nesting == 0) {
                return true;
            }
        }
        return false;
    }

    /** Wraps out[from..] in parentheses, leading and trailing whitespace outside them. */
    private static void parenthesize(StringBuilder out, int from) {
        int start = from;
        while (start < out.length() && Character.isWhitespace(out.charAt(start))) {
            start++;
        }
        out.insert(start, '(');
        closeBefore(out, 1);
    }

    /** Closes the prefix nots open at this depth: their operand ends here. */
    private static void closeNots(StringBuilder out, int[] nots, int depth) {
        closeBefore(out, nots[depth]);
        nots[depth] = 0;
    }

    /** Appends {@code count} closing parentheses before the whitespace the output ends with. */
    private static void closeBefore(StringBuilder out, int count) {
        int at = out.length();
        while (at > 0 && Character.isWhitespace(out.charAt(at - 1))) {
            at--;
        }
        out.insert(at, ")".repeat(count));
    }

    /** Whether what was written so far ends an argument list's opening or a comma (spaces aside). */
    private static boolean startsArgument(StringBuilder out) {
        int i = out.length() - 1;
        while (i >= 0 && Character.isWhitespace(out.charAt(i))) {
            i--;
        }
        return i >= 0 && (out.charAt(i) == '(' || out.charAt(i) == ',');
    }
}
