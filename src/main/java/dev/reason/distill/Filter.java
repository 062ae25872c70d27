package dev.reason.distill;

import java.util.Locale;

/** Which chains of a question count as right: those that agree with the vote's winner, or those graded right. */
public enum Filter {
    /** Label-free: the chain's answer is the winner's, and the winner holds enough of the votes. */
    VOTE,
    /** The chain's answer is graded right against the question's reference answer. */
    LABEL;

    /** {@code vote} or {@code label}, as {@code --filter} takes it. */
    public static Filter parse(String name) {
        for (Filter f : values()) {
            if (f.id().equals(name.strip().toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException("--filter is vote or label, got " + name);
    }

    /** The name in options and records. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
