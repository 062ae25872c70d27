package dev.reason.search;

/** Why a search stopped; {@link #description()} is the short phrase shown to users. */
public enum StopReason {
    SAMPLES("sample budget reached"),
    TOKENS("token budget reached"),
    TIME("time budget reached"),
    DECIDED("stopping rule met"),
    INTERRUPTED("interrupted"),
    NO_MORE_CHAINS("no more chains to run"),
    GREEDY("greedy decoding (temperature 0) runs one chain: every other would be the same; a temperature above 0 samples");

    private final String description;

    StopReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
