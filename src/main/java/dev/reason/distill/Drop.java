package dev.reason.distill;

/** Why a question gave no chain, in the order the filters test it. */
public enum Drop {
    /** Not searched: the line could not be read, was too long, or had no answer to grade against. */
    SKIPPED("skipped", "skipped"),
    /** No chain gave an answer. */
    NO_ANSWER("no_answer", "no answer"),
    /** The winner's share of the votes is under {@code --min-share}. */
    NO_WINNER("no_winner", "no winner above --min-share"),
    /** No chain's answer was graded right. */
    WRONG("wrong", "wrong (label)"),
    /**
     * The chains with the answer wanted all stopped before their end (token limit, loop, cut, budget), or never wrote
     * their answer out (it was only their last number).
     */
    UNFINISHED("unfinished", "unfinished"),
    /** The finished chains with the answer wanted all failed the verifier, or gave it nothing to check where it applies. */
    FAILED_CHECK("failed_check", "failed the check");

    private final String id;
    private final String description;

    Drop(String id, String description) {
        this.id = id;
        this.description = description;
    }

    /** The name in the progress file. */
    public String id() {
        return id;
    }

    /** The words of the closing summary. */
    public String description() {
        return description;
    }

    /** The reason of that {@link #id}, or null for none. */
    static Drop byId(String id) {
        for (Drop d : values()) {
            if (d.id.equals(id)) {
                return d;
            }
        }
        return null;
    }
}
