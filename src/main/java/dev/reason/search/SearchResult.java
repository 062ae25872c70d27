package dev.reason.search;

import dev.reason.runtime.Chain;
import dev.reason.search.answer.AnswerExtractor;
import dev.reason.search.verify.Verifier;
import dev.reason.search.vote.VoteTally;

import java.util.List;
import java.util.Locale;

/**
 * What a search found and what it cost; printed by the CLI as text or JSON.
 *
 * @param answer      the vote's leader, or null when no chain produced an answer
 * @param confidence  the stopping rule's probability that the leader is the majority answer
 * @param active      chains still decoding (progress snapshots only)
 * @param stopReason  null while the search is running
 * @param backendSeconds time inside the engine's backend calls (ONNX Runtime's run, CUDA kernels)
 */
public record SearchResult(String answer, List<VoteTally.Candidate> ranking, int votes, double confidence,
                           String strategy, String rule, List<ChainReport> chains, int chainsStarted, int active, long tokens,
                           double seconds, String device, StopReason stopReason, String budget,
                           double backendSeconds) {

    /** Whether the vote's winner is the model's line for a question it cannot answer ({@link AnswerExtractor#DECLINE}). */
    public boolean declined() {
        return answer != null && answer.equalsIgnoreCase(AnswerExtractor.DECLINE);
    }

    /**
     * Whether the answer is unchecked: a verifier judged the chains and every chain that answered failed it, so the
     * answer is the plain vote of chains that each made a wrong step or miscopied the question.
     */
    public boolean unchecked() {
        List<ChainReport> answered = chains.stream().filter(c -> c.answer() != null).toList();
        return !answered.isEmpty() && answered.stream().allMatch(c -> c.verdict().equals("fail"));
    }

    /** Votes for the leader. */
    public int leaderVotes() {
        return ranking.isEmpty() ? 0 : ranking.get(0).votes();
    }

    public double tokensPerSecond() {
        return seconds > 0 ? tokens / seconds : 0;
    }

    /**
     * One chain as reported: its answer and the numbers needed to judge it.
     *
     * @param tokens  the tokens of its text (not those of lines it drew again)
     * @param redrawn how many times it drew a failing line again ({@link Verifier#redrawsPerLine})
     */
    public record ChainReport(int index, String answer, int tokens, double meanLogprob, double sumLogprob,
                              double minLogprob, String finish, String verdict, int redrawn, double seconds,
                              String text) {
        static ChainReport of(Chain c, String answer, Verifier.Verdict verdict, int redrawn) {
            return new ChainReport(c.index(), answer, c.tokenCount(), c.meanLogprob(), c.sumLogprob(),
                    c.minLogprob(), c.finish().name().toLowerCase(Locale.ROOT),
                    verdict.name().toLowerCase(Locale.ROOT), redrawn, c.seconds(), c.text());
        }
    }
}
