package dev.reason.search.vote;

import dev.reason.search.verify.Verifier;

import java.util.List;

/**
 * How the chains' answers become a decision: a vote with some weight per chain. Pure and stateless: the
 * live search calls it on the chains finished so far, an offline replay on a stored pool, and both get the
 * same {@link VoteTally} (whose ranking names the winner) from the same chains. Chains without an answer
 * never vote.
 */
public interface Strategy {

    /** Short stable name for output, e.g. {@code majority}, {@code weighted-deepconf-lowest-group-top10}. */
    String name();

    /** The vote over {@code chains}, in any order (the tally's ranking does not depend on it). */
    VoteTally tally(List<ScoredChain> chains);

    /**
     * The vote a stopping rule may trust: by default the same as {@link #tally}. A strategy that keeps a
     * fallback answer from discredited chains (so that a search never ends with nothing) leaves those out here,
     * so that a rule never stops on them.
     */
    default VoteTally evidence(List<ScoredChain> chains) {
        return tally(chains);
    }

    /** Whether the vote reads the chains' verdicts, so that the search must check them (by default not). */
    default boolean usesVerifier() {
        return false;
    }

    /**
     * How many times the search draws a line whose step fails again before the line counts as failed (0, the default:
     * never); a strategy that gives failing chains no full vote may spend tokens on mending their lines.
     */
    default int redrawsPerLine(Verifier verifier) {
        return 0;
    }

    /** Whether a line whose redraws ran out sends the chain back to redraw an earlier line (by default not). */
    default boolean backtracks(Verifier verifier) {
        return false;
    }

    /**
     * Whether the search may cut a chain at its first failing step, given the chains scored so far: only when the
     * chain's vote would be dropped whatever it writes next (by default never).
     */
    default boolean mayCutFailingChains(List<ScoredChain> scored) {
        return false;
    }

    /** One vote per chain: plain self-consistency. */
    static Strategy majority() {
        return MajorityVote.INSTANCE;
    }

    /** Confidence-weighted votes, no filtering, DeepConf's 2048-token window. */
    static Strategy weighted(WeightedVote.Mode mode) {
        return new WeightedVote(mode);
    }

    /**
     * @param window      DeepConf's group window (and tail length) in tokens
     * @param keepPercent the share of chains, by score, that vote: 100 keeps all, DeepConf uses 10 and 90
     */
    static Strategy weighted(WeightedVote.Mode mode, int window, double keepPercent) {
        return new WeightedVote(mode, window, keepPercent);
    }

    /**
     * Votes by {@link ScoredChain#verdict()}: failing chains dropped or down-weighted (0.1); its {@code with...}
     * methods change the other settings.
     */
    static VerifiedVote verified(VerifiedVote.Mode mode) {
        return new VerifiedVote(mode);
    }
}
