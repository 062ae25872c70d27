package dev.reason.search.answer;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the final answer out of a chain of thought. Tries, in order, and takes the last acceptable
 * occurrence of the first kind found:
 * <ol>
 *   <li>a marker line {@code #### X} (what GSM8K-style models are trained to write);</li>
 *   <li>{@code The answer is X} / {@code answer: X}, X up to the end of the sentence;</li>
 *   <li>{@code \boxed{X}} with balanced braces;</li>
 *   <li>the last number in the text.</li>
 * </ol>
 * Values are {@link #normalize normalized} so that equal answers written differently vote together. A reasoning
 * model's chain (DeepSeek-R1 distills, Qwen3, QwQ) thinks inside {@code <think>...</think>} and then answers: the
 * text after the last {@code </think>} is read first ({@link FinalPart}), so a value tried and dropped while
 * thinking does not outvote the final one; the whole text only when the answer part gives none.
 * Stateless and thread-safe.
 */
public final class AnswerExtractor {

    /**
     * The final answer read from one chain.
     *
     * @param value  the answer, already {@link #normalize normalized}, ready to vote on
     * @param source which pattern found it (a marker is more trustworthy than the last number in the text)
     */
    public record Answer(String value, Source source) {

        /** Where the answer came from, in the order the extractor tries them. */
        public enum Source { MARKER, ANSWER_IS, BOXED, LAST_NUMBER }

        public Answer {
            Objects.requireNonNull(value, "value");
            Objects.requireNonNull(source, "source");
            if (value.isEmpty()) {
                throw new IllegalArgumentException("answer value must not be empty");
            }
        }
    }

    // Exactly four hashes at the start of a line; "#####" is a markdown heading, not a marker.
    private static final Pattern MARKER = Pattern.compile("(?m)^[ \\t]*####(?!#)[ \\t]*(.*)$");
    private static final Pattern ANSWER_IS =
            Pattern.compile("(?i)\\banswer\\s*(?:is\\b\\s*:?|:)\\s*");
    // A sentence ends at a newline or at . ! ? followed by whitespace or the end (so 3.5 stays whole).
    private static final Pattern SENTENCE_END = Pattern.compile("\\n|[.!?](?=\\s|$)");
    private static final String BOXED = "\\boxed{";
    // Thousands groups must be exactly three digits, so "1, 2, 3" is read as a list, not 123.
    private static final Pattern NUMBER = Pattern.compile("(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?|\\.\\d+");
    // "18 dollars" / "$18 per hour" -> the number; units and trailing words are not part of the answer.
    private static final Pattern NUMBER_THEN_WORDS =
            Pattern.compile("(\\$?[-+\\u2212]?\\$?(?:\\d[\\d,]*(?:\\.\\d+)?|\\.\\d+))\\s+\\p{L}.*", Pattern.DOTALL);
    private static final Pattern WORD = Pattern.compile("(?<![\\\\\\p{L}])\\p{L}{2,}");
    private static final Pattern DIGIT = Pattern.compile("\\d");
    private static final Pattern NUMERIC = Pattern.compile("-?(?:\\d+(?:\\.\\d*)?|\\.\\d+)");
    private static final Pattern THOUSANDS_COMMA = Pattern.compile("(?<=\\d),(?=\\d{3}(?!\\d))");
    private static final Pattern LATEX_TIMES = Pattern.compile("\\\\(?:times|cdot)(?![a-zA-Z])");
    private static final Pattern LATEX_DIV = Pattern.compile("\\\\div(?![a-zA-Z])");
    private static final Pattern LATEX_SIZING = Pattern.compile("\\\\(?:left|right)(?![a-zA-Z])");
    private static final Pattern SPACES = Pattern.compile("[\\s\\u00A0\\u2009\\u202F]+");

    /**
     * The answer a model trained for {@code reason} writes ({@code #### unanswerable}) to a question outside what it
     * can do: general knowledge, chit-chat, requests. The shipped model's card documents it.
     */
    public static final String DECLINE = "unanswerable";

    private AnswerExtractor() {
    }

    /** The chain's answer, or empty when none of the patterns matches. */
    public static Optional<Answer> extract(String chainText) {
        if (chainText == null || chainText.isBlank()) {
            return Optional.empty();
        }
        return FinalPart.of(chainText).flatMap(AnswerExtractor::extractFrom).or(() -> extractFrom(chainText));
    }

    private static Optional<Answer> extractFrom(String chainText) {
        if (chainText.isBlank()) {
            return Optional.empty();
        }
        Optional<Answer> found = marker(chainText);
        if (found.isEmpty()) {
            found = answerIs(chainText);
        }
        if (found.isEmpty()) {
            found = boxed(chainText);
        }
        if (found.isEmpty()) {
            found = lastNumber(chainText);
        }
        return found;
    }

    private static Optional<Answer> marker(String text) {
        List<String> values = new ArrayList<>();
        Matcher m = MARKER.matcher(text);
        while (m.find()) {
            values.add(m.group(1));
        }
        for (int i = values.size() - 1; i >= 0; i--) {
            String v = clean(values.get(i));
            // Marker answers are numbers or arithmetic expressions, or the declining word; else a heading.
            if (v != null && (DIGIT.matcher(v).find() || v.equalsIgnoreCase(DECLINE))) {
                return Optional.of(new Answer(v, Answer.Source.MARKER));
            }
        }
        return Optional.empty();
    }

    private static Optional<Answer> answerIs(String text) {
        List<Integer> starts = new ArrayList<>();
        Matcher m = ANSWER_IS.matcher(text);
        while (m.find()) {
            starts.add(m.end());
        }
        for (int i = starts.size() - 1; i >= 0; i--) {
            int start = starts.get(i);
            String rest = text.substring(start);
            String sentence = rest;
            // A boxed value may contain sentence punctuation, so take it whole.
            if (!rest.startsWith(BOXED) && !rest.startsWith("$" + BOXED)) {
                Matcher end = SENTENCE_END.matcher(rest);
                sentence = end.find() ? rest.substring(0, end.start()) : rest;
            }
            String v = clean(sentence);
            if (v != null) {
                return Optional.of(new Answer(v, Answer.Source.ANSWER_IS));
            }
        }
        return Optional.empty();
    }

    private static Optional<Answer> boxed(String text) {
        for (int at = text.lastIndexOf(BOXED); at >= 0; at = text.lastIndexOf(BOXED, at - 1)) {
            String content = balanced(text, at + BOXED.length());
            String v = content == null ? null : clean(content);
            if (v != null) {
                return Optional.of(new Answer(v, Answer.Source.BOXED));
            }
        }
        return Optional.empty();
    }

    private static Optional<Answer> lastNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        int start = -1;
        int end = -1;
        while (m.find()) {
            start = m.start();
            end = m.end();
        }
        if (start < 0) {
            return Optional.empty();
        }
        String number = text.substring(start, end);
        // A minus directly before the number is a sign only if it does not follow an operand ("10-3").
        if (start >= 1 && isMinus(text.charAt(start - 1))
                && (start < 2 || !isOperandEnd(text.charAt(start - 2)))) {
            number = "-" + number;
        }
        return Optional.of(new Answer(normalize(number), Answer.Source.LAST_NUMBER));
    }

    /** The text inside braces opened just before {@code from}, or null when they never close. */
    private static String balanced(String text, int from) {
        int depth = 1;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return text.substring(from, i);
            }
        }
        return null;
    }

    /**
     * Turns a raw candidate into a normalized answer, or null when it is empty or reads as prose
     * (two or more words), which means the pattern matched ordinary text rather than an answer.
     */
    private static String clean(String raw) {
        String v = raw.strip();
        int box = v.indexOf(BOXED);
        if (box >= 0) {
            String inner = balanced(v, box + BOXED.length());
            if (inner != null) {
                v = inner.strip();
            }
        }
        v = stripStars(v);
        Matcher nw = NUMBER_THEN_WORDS.matcher(v);
        if (nw.matches()) {
            v = nw.group(1);
        }
        Matcher words = WORD.matcher(v);
        int count = 0;
        while (words.find()) {
            count++;
        }
        if (count >= 2) {
            return null;
        }
        String n = normalize(v);
        return n.isEmpty() ? null : n;
    }

    /**
     * Canonical form of an answer for voting: unicode minus and dashes become {@code -}, {@code ×} and
     * LaTeX {@code \times}/{@code \cdot} become {@code *}; whitespace is removed; surrounding {@code $}
     * and markdown {@code *} and trailing {@code .}/{@code ,} are stripped; a comma followed by exactly
     * three digits is a thousands separator and is dropped; a leading {@code +} is dropped; plain
     * decimal numbers are written without redundant zeros ({@code 7.00 -> 7}, {@code -0 -> 0},
     * {@code 0.50 -> 0.5}, {@code .5 -> 0.5}). Other expressions keep their form. Idempotent.
     */
    public static String normalize(String answer) {
        String t = answer;
        t = t.replace('\u2212', '-').replace('\u2013', '-').replace('\u2014', '-')
                .replace('\u2012', '-').replace('\uFE63', '-').replace('\uFF0D', '-');
        t = t.replace('\u00D7', '*').replace('\u22C5', '*').replace('\u2217', '*').replace('\u00F7', '/');
        t = t.replace("\\$", "$").replace("\\%", "%")
                .replace("\\,", "").replace("\\!", "").replace("\\;", "").replace("\\ ", "");
        t = LATEX_TIMES.matcher(t).replaceAll("*");
        t = LATEX_DIV.matcher(t).replaceAll("/");
        t = LATEX_SIZING.matcher(t).replaceAll("");
        t = SPACES.matcher(t).replaceAll("");
        String before;
        do {
            before = t;
            while (t.endsWith(".") || t.endsWith(",")) {
                t = t.substring(0, t.length() - 1);
            }
            while (t.startsWith("$")) {
                t = t.substring(1);
            }
            while (t.endsWith("$")) {
                t = t.substring(0, t.length() - 1);
            }
            t = stripStars(t);
        } while (!t.equals(before));
        if (t.startsWith("+")) {
            t = t.substring(1);
        }
        t = THOUSANDS_COMMA.matcher(t).replaceAll("");
        String noDollar = t.replace("$", "");
        if (NUMERIC.matcher(noDollar).matches()) {
            return new BigDecimal(noDollar).stripTrailingZeros().toPlainString();
        }
        return t;
    }

    private static String stripStars(String s) {
        int a = 0;
        int b = s.length();
        while (a < b && s.charAt(a) == '*') {
            a++;
        }
        while (b > a && s.charAt(b - 1) == '*') {
            b--;
        }
        return s.substring(a, b).strip();
    }

    private static boolean isMinus(char c) {
        return c == '-' || c == '\u2212' || c == '\u2013';
    }

    private static boolean isOperandEnd(char c) {
        return Character.isLetterOrDigit(c) || c == ')' || c == ']' || c == '}' || c == '.' || c == '_';
    }
}
