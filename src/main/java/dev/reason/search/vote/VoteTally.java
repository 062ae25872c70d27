package dev.reason.search.vote;

import dev.reason.search.answer.MathAnswers;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Votes of the finished chains, one per chain, grouped by answer: answers that are the same math ({@link MathAnswers}:
 * {@code 0.5}, {@code 1/2} and {@code \frac{1}{2}}) vote together, under the form the first of them had. The ranking is total and
 * deterministic, so the same chains give the same winner on every run: by weight (= votes when
 * unweighted), then vote count, then the higher summed chain log-probability (chains the model was
 * surer of), then the answer string. Not thread-safe; the search loop owns it.
 */
public final class VoteTally {

    /**
     * One answer's standing.
     *
     * @param answer     the normalized answer, as the group's first vote wrote it
     * @param votes      how many chains gave it
     * @param weight     the summed vote weights (equals {@code votes} when every vote weighs 1)
     * @param logprobSum the summed log-probabilities of those chains
     */
    public record Candidate(String answer, int votes, double weight, double logprobSum) {
    }

    static final Comparator<Candidate> RANKING = Comparator
            .comparingDouble(Candidate::weight).reversed()
            .thenComparing(Comparator.comparingInt(Candidate::votes).reversed())
            .thenComparing(Comparator.comparingDouble(Candidate::logprobSum).reversed())
            .thenComparing(Candidate::answer);

    private final Map<String, Candidate> byKey = new HashMap<>();  // MathAnswers.key -> the group's standing
    private int totalVotes;
    private double totalWeight;

    /** One vote of weight 1. */
    public void add(String answer, double chainLogprob) {
        add(answer, chainLogprob, 1.0);
    }

    /**
     * One vote of the given weight.
     *
     * @param answer       the already normalized answer
     * @param chainLogprob the chain's summed token log-probability (may be -infinity, not NaN)
     * @param weight       the vote's weight, finite and &gt; 0
     */
    public void add(String answer, double chainLogprob, double weight) {
        Objects.requireNonNull(answer, "answer");
        if (answer.isEmpty()) {
            throw new IllegalArgumentException("answer must not be empty");
        }
        if (Double.isNaN(chainLogprob)) {
            throw new IllegalArgumentException("chain log-probability is NaN");
        }
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("vote weight must be finite and > 0, got " + weight);
        }
        byKey.merge(group(answer), new Candidate(answer, 1, weight, chainLogprob), (a, b) ->
                new Candidate(a.answer(), a.votes() + 1, a.weight() + weight, a.logprobSum() + chainLogprob));
        totalVotes++;
        totalWeight += weight;
    }

    /** What answers vote together on: their {@link MathAnswers#key}, or the answer itself when that is empty. */
    public static String group(String answer) {
        String key = MathAnswers.key(answer);
        return key.isEmpty() ? answer : key;
    }

    /** All answers, best first. */
    public List<Candidate> ranking() {
        List<Candidate> list = new ArrayList<>(byKey.values());
        list.sort(RANKING);
        return list;
    }

    public Optional<Candidate> leader() {
        return byKey.values().stream().min(RANKING);
    }

    public Optional<Candidate> runnerUp() {
        List<Candidate> r = ranking();
        return r.size() < 2 ? Optional.empty() : Optional.of(r.get(1));
    }

    /** The leader's votes, 0 when empty. */
    public int leaderVotes() {
        return leader().map(Candidate::votes).orElse(0);
    }

    /** The runner-up's votes, 0 when fewer than two answers. */
    public int runnerUpVotes() {
        return runnerUp().map(Candidate::votes).orElse(0);
    }

    public int totalVotes() {
        return totalVotes;
    }

    public double totalWeight() {
        return totalWeight;
    }

    /** The leader's votes over all votes, e.g. {@code 11/16}; {@code 0/0} when empty. */
    public String share() {
        return leaderVotes() + "/" + totalVotes;
    }

    /** The leader's fraction of the total weight, 0 when empty. */
    public double leaderShare() {
        return leader().map(c -> c.weight() / totalWeight).orElse(0.0);
    }
}
