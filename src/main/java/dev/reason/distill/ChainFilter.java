package dev.reason.distill;

import dev.reason.bench.Equivalence;
import dev.reason.bench.Problem;
import dev.reason.runtime.FinishReason;
import dev.reason.search.SearchResult;
import dev.reason.search.answer.AnswerExtractor;
import dev.reason.search.verify.Verifier;
import dev.reason.search.vote.VoteTally;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Picks the chains of one search worth training on: those with the answer wanted (the vote's winner, or one graded
 * right), that ended on their own, and that the question's verifier does not fail, at most {@code keep} distinct
 * texts, by chain index. Stateless.
 *
 * @param minShare the winner's least share of the votes, 0-1, for {@link Filter#VOTE}
 * @param keep     the most chains kept of one question, at least 1
 */
public record ChainFilter(Filter filter, double minShare, int keep) {

    public ChainFilter {
        if (!(minShare >= 0 && minShare <= 1)) {
            throw new IllegalArgumentException("--min-share must be between 0 and 1, got " + minShare);
        }
        if (keep < 1) {
            throw new IllegalArgumentException("--keep must be at least 1, got " + keep);
        }
    }

    /**
     * @param question the question as asked, which the verifier reads
     * @param expected the reference answer; needed by {@link Filter#LABEL}, unused by {@link Filter#VOTE}
     * @param verifier the question's verifier: a chain it fails is dropped, and one it finds nothing to check in
     *                 is dropped too where it {@link Verifier#appliesTo applies} to the question
     */
    public Selection select(String question, SearchResult result, Problem expected, Verifier verifier) {
        int voters = result.votes();
        int votes = result.leaderVotes();
        double share = voters == 0 ? 0 : (double) votes / voters;
        List<SearchResult.ChainReport> answered = result.chains().stream().filter(c -> c.answer() != null)
                .sorted(Comparator.comparingInt(SearchResult.ChainReport::index)).toList();
        if (answered.isEmpty() || filter == Filter.VOTE && result.answer() == null) {
            return dropped(Drop.NO_ANSWER, share, votes, voters);
        }
        List<SearchResult.ChainReport> wanted;
        if (filter == Filter.VOTE) {
            if (share < minShare) {
                return dropped(Drop.NO_WINNER, share, votes, voters);
            }
            String winner = VoteTally.group(result.answer());
            wanted = only(answered, c -> VoteTally.group(c.answer()).equals(winner));
        } else {
            if (expected == null) {
                throw new IllegalArgumentException("the label filter needs the question's answer");
            }
            wanted = only(answered, c -> Equivalence.correct(expected, c.answer()));
            if (wanted.isEmpty()) {
                return dropped(Drop.WRONG, share, votes, voters);
            }
        }
        List<SearchResult.ChainReport> finished = only(wanted, c -> endedOnItsOwn(c) && statesItsAnswer(c));
        if (finished.isEmpty()) {
            return dropped(Drop.UNFINISHED, share, votes, voters);
        }
        boolean passRequired = verifier.appliesTo(question);
        List<Selection.Kept> kept = new ArrayList<>();
        Set<String> texts = new HashSet<>();
        for (SearchResult.ChainReport c : finished) {
            Verifier.Verdict v = verifier.check(question, c.text(), c.answer());
            boolean vouched = v == Verifier.Verdict.PASS || v == Verifier.Verdict.UNKNOWN && !passRequired;
            if (vouched && kept.size() < keep && texts.add(normalized(c.text()))) {
                kept.add(new Selection.Kept(c, v));
            }
        }
        return kept.isEmpty() ? dropped(Drop.FAILED_CHECK, share, votes, voters)
                : new Selection(kept, null, share, votes, voters);
    }

    /** An end-of-sequence token or the answer line; not the token limit, a loop, a cut or the search's stop. */
    private static boolean endedOnItsOwn(SearchResult.ChainReport c) {
        String finish = c.finish().toUpperCase(Locale.ROOT);
        return finish.equals(FinishReason.EOS.name()) || finish.equals(FinishReason.ANSWER_LINE.name());
    }

    /**
     * Whether the chain writes its answer out (a {@code ####} line, "the answer is", {@code \\boxed{}}): a chain whose
     * answer is only the last number in its text has not answered, and teaches nothing worth keeping.
     */
    private static boolean statesItsAnswer(SearchResult.ChainReport c) {
        return AnswerExtractor.extract(c.text()).filter(a -> a.source() != AnswerExtractor.Answer.Source.LAST_NUMBER)
                .isPresent();
    }

    /** What makes two texts copies: the same words with any run of whitespace read as one space. */
    static String normalized(String text) {
        return text.strip().replaceAll("\\s+", " ");
    }

    private static List<SearchResult.ChainReport> only(List<SearchResult.ChainReport> chains,
                                                      Predicate<SearchResult.ChainReport> keep) {
        return chains.stream().filter(keep).toList();
    }

    private static Selection dropped(Drop why, double share, int votes, int voters) {
        return new Selection(List.of(), why, share, votes, voters);
    }
}
