package dev.reason.distill;

import dev.reason.search.SearchResult;
import dev.reason.search.verify.Verifier;

import java.util.List;

/**
 * The chains kept of one question, or why none was, with the vote they came from.
 *
 * @param dropped null when {@code kept} is not empty
 * @param share   the winner's votes over all votes, 0 when nothing voted
 * @param votes   the winner's votes
 * @param voters  all votes
 */
public record Selection(List<Kept> kept, Drop dropped, double share, int votes, int voters) {

    /** A kept chain with the verifier's verdict on it: PASS, or UNKNOWN where the verifier does not apply. */
    public record Kept(SearchResult.ChainReport chain, Verifier.Verdict verdict) {
    }

    public Selection {
        kept = List.copyOf(kept);
        if (kept.isEmpty() == (dropped == null)) {
            throw new IllegalArgumentException("a selection keeps chains or says why it does not, not both");
        }
    }
}
