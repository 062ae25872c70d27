package dev.reason.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.reason.bench.Problem;
import dev.reason.runtime.Generator;
import dev.reason.sampling.SamplingParams;
import dev.reason.search.SearchResult;
import dev.reason.search.answer.AnswerExtractor;
import dev.reason.search.vote.VoteTally;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The answer first, then what backs it: the vote, the alternatives, and what the search cost. For one question of
 * several ({@code --questions}), a header with its id and text comes first in text, and JSON is one line per question
 * (JSON Lines) with the id; a question given alone has a null id.
 */
final class ResultPrinter {
    /** What a declined question prints instead of an answer ({@link SearchResult#declined}). */
    static final String DECLINED = "this model cannot answer that";
    private static final ObjectMapper INDENTED = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper ONE_LINE = new ObjectMapper();
    private final PrintStream out;
    private final boolean several;

    ResultPrinter(PrintStream out, boolean several) {
        this.out = out;
        this.several = several;
    }

    /** {@code expected}, {@code correct}: the question's expected answer and the grade, or null when it has none. */
    void text(String id, String question, SearchResult r, boolean showChains, boolean abstain, Problem expected,
              Boolean correct) {
        header(id, question);
        if (r.declined()) {
            out.println(DECLINED);
            out.printf(Locale.ROOT, "the model declined: %d/%d votes for its out-of-scope line (#### %s)%n",
                    r.leaderVotes(), r.votes(), AnswerExtractor.DECLINE);
        } else if (r.unchecked() && !abstain) {
            // a vote of chains that all failed the check is no answer to state as sure, whatever its share
            out.println("no checked answer: every chain that answered failed the check");
            out.printf(Locale.ROOT, "best guess: %s (the plain vote of failing chains, %d of %d)%n", r.answer(),
                    r.leaderVotes(), r.votes());
        } else {
            out.println(abstain ? "not sure" : r.answer() == null ? "(no answer)" : r.answer());
        }
        if (correct != null) {
            out.println((correct ? "right" : "wrong") + " (expected " + expectedText(expected) + ")");
        }
        if (r.answer() != null && !r.declined() && (abstain || !r.unchecked())) {
            out.printf(Locale.ROOT, "%sconfidence: %d/%d votes (%.0f%%), %s confidence %.3f%n",
                    abstain ? "best guess " + r.answer() + ", " : "", r.leaderVotes(), r.votes(),
                    100.0 * r.leaderVotes() / Math.max(1, r.votes()), r.rule(), r.confidence());
        }
        // the unchecked vote's warning comes first and its lines above already say it
        warnings(r).stream().skip(r.unchecked() && !abstain ? 1 : 0).forEach(w -> out.println("warning: " + w));
        List<String> others = new ArrayList<>();
        for (VoteTally.Candidate c : r.ranking().subList(Math.min(1, r.ranking().size()), Math.min(4, r.ranking().size()))) {
            others.add(brief(c.answer()) + " (" + c.votes() + "/" + r.votes() + ")");
        }
        if (!others.isEmpty()) {
            out.println("runner-up: " + String.join(", ", others));
        }
        long finished = r.chains().stream().filter(c -> !c.finish().equals("unfinished")).count();
        long looping = r.chains().stream().filter(c -> c.finish().equals("loop")).count();
        int redrawn = r.chains().stream().mapToInt(SearchResult.ChainReport::redrawn).sum();
        out.printf(Locale.ROOT, "chains: %d (%d finished%s%s), tokens: %,d, %.2f s, %.0f tok/s%n",
                r.chainsStarted(), finished, looping == 0 ? "" : ", " + looping + " ended looping",
                redrawn == 0 ? "" : ", " + redrawn + (redrawn == 1 ? " failing line" : " failing lines") + " redrawn",
                r.tokens(), r.seconds(), r.tokensPerSecond());
        out.println("device: " + r.device());
        out.println("stopped: " + r.stopReason().description() + " (budget " + r.budget() + ", rule " + r.rule()
                + ", strategy " + r.strategy() + ")");
        if (showChains) {
            for (SearchResult.ChainReport c : r.chains()) {
                out.printf(Locale.ROOT, "%n--- chain %d: answer %s, %d tokens, mean logprob %.3f, %s, verifier %s%s%n%s%n",
                        c.index(), c.answer() == null ? "-" : c.answer(), c.tokens(), c.meanLogprob(), c.finish(),
                        c.verdict(), c.redrawn() == 0 ? "" : ", " + c.redrawn() + " lines redrawn", c.text().strip());
            }
        }
        if (several) {
            out.println();
        }
    }

    /** The one line {@code --quiet} prints: the answer, or why there is none to give. */
    static String quiet(SearchResult r, boolean abstain) {
        if (abstain) {
            return "not sure";
        }
        if (r.declined()) {
            return DECLINED;
        }
        return r.answer() == null ? "" : r.answer();
    }

    /**
     * What makes the answer weaker than its vote share says: every chain that answered failed the verifier, or none
     * of them ended (the budget ran out first: their answers are the last numbers they wrote), or all of them ran
     * into the token limit.
     */
    static List<String> warnings(SearchResult r) {
        List<SearchResult.ChainReport> answered = r.chains().stream().filter(c -> c.answer() != null).toList();
        List<String> out = new ArrayList<>();
        if (answered.isEmpty()) {
            return out;
        }
        if (r.unchecked()) {
            out.add("every answered chain failed the verifier's check (a miscopied question or a wrong step); this is"
                    + " their plain vote");
        }
        if (answered.stream().allMatch(c -> c.finish().equals("unfinished"))) {
            out.add("no chain finished within the budget; this is the vote of the unfinished chains' last numbers:"
                    + " give a larger --budget");
        } else if (answered.stream().allMatch(c -> c.finish().equals("max_tokens"))) {
            out.add("every answered chain reached its token limit before it ended; its answer is the last number it"
                    + " wrote: raise --max-tokens");
        }
        return out;
    }

    /** The answer graded against: the reference, or for a Game of 24 puzzle what an expression must do. */
    private static String expectedText(Problem expected) {
        return expected.numbers() != null ? "an expression of " + Arrays.toString(expected.numbers())
                + " that makes 24" : expected.answer();
    }

    /** A question of several that was not asked, in its place. */
    void skippedText(String id, String question, String problem) {
        header(id, question);
        out.println("(not asked: " + problem + ")");
        out.println();
    }

    void skippedJson(String id, String question, String problem) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", id);
        o.put("question", question);
        o.put("error", problem);
        write(o);
    }

    private void header(String id, String question) {
        if (several) {
            out.println("[" + id + "] " + question);
        }
    }

    /**
     * A runner-up as the line shows it: a chain that runs away writes answers of hundreds of digits, which would
     * bury the summary; the head and tail stay, and the length ({@code --json} keeps them whole).
     */
    static String brief(String answer) {
        if (answer.length() <= 40) {
            return answer;
        }
        return answer.substring(0, 20) + "..." + answer.substring(answer.length() - 10) + " [" + answer.length()
                + " chars]";
    }

    /**
     * @param system       the system message given, or null
     * @param promptTokens the prompt's length as the model read it
     * @param notices      the engine's notices since the previous result (device fallback, fewer chains for memory)
     * @param expected     the question's expected answer, or null when it has none
     * @param correct      the grade, or null when there is no expected answer
     */
    void json(String id, String question, String system, int promptTokens, SearchResult r, Generator.Params params,
              boolean abstain, List<String> notices, Problem expected, Boolean correct) {
        SamplingParams sampling = params.sampling();
        Map<String, Object> o = new LinkedHashMap<>();
        if (several) {
            o.put("id", id);
        }
        o.put("question", question);
        o.put("system", system);
        o.put("prompt_tokens", promptTokens);
        o.put("answer", r.declined() ? null : r.answer());
        o.put("declined", r.declined());
        o.put("checked", !r.unchecked());
        o.put("abstained", abstain);
        if (correct != null) {
            o.put("expected", expectedText(expected));
            o.put("correct", correct);
        }
        o.put("votes", r.leaderVotes());
        o.put("voted_chains", r.votes());
        o.put("vote_share", r.votes() == 0 ? 0.0 : (double) r.leaderVotes() / r.votes());
        o.put("confidence", r.confidence());
        o.put("strategy", r.strategy());
        o.put("stop_rule", r.rule());
        o.put("stop_reason", r.stopReason().name().toLowerCase(Locale.ROOT));
        o.put("stop_description", r.stopReason().description());
        o.put("warnings", warnings(r));
        List<Map<String, Object>> ranking = new ArrayList<>();
        for (VoteTally.Candidate c : r.ranking()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("answer", c.answer());
            m.put("votes", c.votes());
            m.put("weight", c.weight());
            m.put("logprob_sum", c.logprobSum());
            ranking.add(m);
        }
        o.put("ranking", ranking);
        o.put("chains_started", r.chainsStarted());
        o.put("tokens", r.tokens());
        o.put("seconds", r.seconds());
        o.put("tokens_per_second", r.tokensPerSecond());
        o.put("device", r.device());
        o.put("notices", notices);
        o.put("budget", r.budget());
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("temperature", sampling.temperature());
        s.put("top_p", sampling.topP());
        s.put("top_k", sampling.topK());
        s.put("min_p", sampling.minP());
        s.put("repetition_penalty", sampling.repetitionPenalty());
        s.put("presence_penalty", sampling.presencePenalty());
        s.put("frequency_penalty", sampling.frequencyPenalty());
        s.put("no_repeat_ngram_size", sampling.noRepeatNgramSize());
        s.put("max_tokens", params.maxNewTokens());
        s.put("parallel", params.parallel());
        s.put("seed", params.seed());
        o.put("sampling", s);
        List<Map<String, Object>> chains = new ArrayList<>();
        for (SearchResult.ChainReport c : r.chains()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", c.index());
            m.put("answer", c.answer());
            m.put("tokens", c.tokens());
            m.put("mean_logprob", c.meanLogprob());
            m.put("min_logprob", c.minLogprob());
            m.put("finish", c.finish());
            m.put("verdict", c.verdict());
            m.put("redrawn_lines", c.redrawn());
            m.put("seconds", c.seconds());
            m.put("text", c.text());
            chains.add(m);
        }
        o.put("chains", chains);
        write(o);
    }

    private void write(Map<String, Object> o) {
        try {
            out.println((several ? ONE_LINE : INDENTED).writeValueAsString(o));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the result as JSON", e);
        }
    }
}
