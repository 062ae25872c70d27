package dev.reason.search;

/**
 * A {@link StopRule} that needs more than the tally: the order in which chains finish ({@link Esc}) or
 * their confidences ({@link DeepConfOnline}). The search calls {@link #chainFinished} once per finished
 * chain, in finishing order, answer or not, before it calls {@link StopRule#check} for that chain.
 */
public interface ChainObserver {

    void chainFinished(ScoredChain chain);
}
