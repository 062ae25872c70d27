package dev.reason.search.vote;

import java.util.List;

/** One vote of weight 1 per chain with an answer; ties as {@link VoteTally} breaks them. */
public final class MajorityVote implements Strategy {

    public static final MajorityVote INSTANCE = new MajorityVote();

    private MajorityVote() {
    }

    @Override
    public String name() {
        return "majority";
    }

    @Override
    public VoteTally tally(List<ScoredChain> chains) {
        VoteTally t = new VoteTally();
        for (ScoredChain c : chains) {
            if (c.answer() != null) {
                t.add(c.answer(), c.sumLogprob());
            }
        }
        return t;
    }

    @Override
    public String toString() {
        return name();
    }
}
