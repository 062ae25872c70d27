package dev.reason.runtime;

import dev.reason.model.ThinkTags;

/**
 * Watches one chain's text for its final-answer line, {@code #### <answer>}, which ends the chain as soon as the
 * line does. The line must start with exactly four {@code #} ({@code #####}, or {@code ####} mid-line, is not one),
 * and what follows must hold a digit and not start with a letter: instruct models write markdown headings such as
 * {@code #### Step 1: Add}, and ending a chain there would cut it short (a missed stop only costs tokens: the
 * extractor still reads the line). Lines written while the chain thinks (inside an open {@code <think>}) never end
 * it.
 */
final class AnswerLine {
    static final String MARK = "####";

    private final StringBuilder text;
    private int lineStart;     // where the line being written starts
    private boolean thinking;  // whether that line starts inside an open <think>: kept per line, not searched for

    /** @param text the chain's text, which the caller appends to before each {@link #completed} */
    AnswerLine(StringBuilder text) {
        this.text = text;
    }

    /** Whether a line completed since the last call is an answer line (given outside the thinking). */
    boolean completed() {
        int newline;
        while ((newline = text.indexOf("\n", lineStart)) >= 0) {
            String line = text.substring(lineStart, newline);
            boolean answer = !thinking && isAnswer(line);
            int open = line.lastIndexOf(ThinkTags.START);
            int close = line.lastIndexOf(ThinkTags.END);
            thinking = open > close || (thinking && close < 0);  // the line's last tag decides; none: unchanged
            lineStart = newline + 1;
            if (answer) {
                return true;
            }
        }
        return false;
    }

    static boolean isAnswer(String line) {
        String s = line.stripLeading();
        if (!s.startsWith(MARK) || s.startsWith(MARK + "#")) {
            return false;
        }
        String answer = s.substring(MARK.length()).strip();
        return !answer.isEmpty() && !Character.isLetter(answer.charAt(0))
                && answer.chars().anyMatch(Character::isDigit);
    }
}
