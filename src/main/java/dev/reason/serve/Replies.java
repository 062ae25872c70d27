package dev.reason.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reason.search.SearchResult;
import dev.reason.search.answer.MathAnswers;
import dev.reason.search.vote.VoteTally;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The JSON of the replies: a {@code chat.completion} and the {@code chat.completion.chunk}s of its stream, or a
 * {@code text_completion} and its chunks for a raw prompt, and the {@code reason} extension object both carry (the
 * answer, the vote, the confidence, why the search stopped, and on request every chain).
 */
final class Replies {
    static final ObjectMapper JSON = new ObjectMapper();

    private final boolean chat;
    private final String id;
    private final long created = System.currentTimeMillis() / 1000;
    private final String model;

    /** @param chat a chat completion's replies, else a raw prompt's */
    Replies(boolean chat, String model) {
        this.chat = chat;
        this.id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        this.model = model;
    }

    /**
     * The chains whose texts are the reply's {@code n} choices, best first: those that reached the winning answer,
     * then the rest that wrote anything; among those, checked chains first, then the likeliest. Fewer when the search
     * made fewer; none when no chain wrote anything.
     */
    static List<SearchResult.ChainReport> answerChains(SearchResult r, int n) {
        String key = r.answer() == null ? null : MathAnswers.key(r.answer());
        Comparator<SearchResult.ChainReport> best = Comparator
                .comparing((SearchResult.ChainReport c) -> !(key != null && c.answer() != null
                        && MathAnswers.key(c.answer()).equals(key)))
                .thenComparing(c -> !c.verdict().equals("pass"))
                .thenComparing(Comparator.comparingDouble(SearchResult.ChainReport::meanLogprob).reversed());
        return r.chains().stream().filter(c -> !c.text().isEmpty()).sorted(best).limit(n).toList();
    }

    /** The reply's choices: a chain each, at least one (empty when no chain wrote anything). */
    private static List<Optional<SearchResult.ChainReport>> choices(CompletionRequest request, SearchResult r) {
        List<Optional<SearchResult.ChainReport>> out = new ArrayList<>();
        answerChains(r, request.n()).forEach(c -> out.add(Optional.of(c)));
        if (out.isEmpty()) {
            out.add(Optional.empty());
        }
        return out;
    }

    /** A choice's text: its chain's, cut before the first stop text it wrote. */
    private static String content(Optional<SearchResult.ChainReport> chain, List<String> stops) {
        String text = chain.map(SearchResult.ChainReport::text).orElse("");
        for (String stop : stops) {
            int at = text.indexOf(stop);
            text = at >= 0 ? text.substring(0, at) : text;
        }
        return text.strip();
    }

    /** OpenAI's finish_reason: "length" when the choice's chain ran into its token limit, else "stop". */
    private static String finishReason(Optional<SearchResult.ChainReport> chain) {
        return chain.map(c -> c.finish().equals("max_tokens") ? "length" : "stop").orElse("stop");
    }

    /** The whole reply: a choice per answer chain, the usage and the {@code reason} object. */
    ObjectNode completion(CompletionRequest request, SearchResult r, int promptTokens) {
        List<Optional<SearchResult.ChainReport>> chains = choices(request, r);
        ObjectNode o = head(chat ? "chat.completion" : "text_completion");
        ArrayNode choices = o.putArray("choices");
        for (int i = 0; i < chains.size(); i++) {
            String text = content(chains.get(i), request.knobs().stops());
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            if (chat) {
                ObjectNode message = choice.putObject("message");
                message.put("role", "assistant");
                message.put("content", text);
                message.putNull("refusal");
            } else {
                choice.put("text", text);
            }
            choice.putNull("logprobs");
            choice.put("finish_reason", finishReason(chains.get(i)));
        }
        o.set("usage", usage(r, chains, promptTokens));
        o.set("reason", extension(r, request.showChains()));
        return o;
    }

    /** A stream's first chunks: in a chat one a choice, naming the assistant's role; a raw prompt's has none. */
    List<ObjectNode> opening(int n) {
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; chat && i < n; i++) {
            out.add(chunk(i, JSON.createObjectNode().put("role", "assistant").put("content", ""), null));
        }
        return out;
    }

    /**
     * The chunk for chains that finished since {@code shown}: in a chat their lines as {@code
     * delta.reasoning_content}; with the {@code reason} object of {@link #progress} either way.
     */
    ObjectNode progressChunk(SearchResult snapshot, int shown) {
        StringBuilder lines = new StringBuilder();
        for (int i = shown; i < snapshot.chains().size(); i++) {
            lines.append(chainLine(snapshot.chains().get(i), snapshot));
        }
        ObjectNode o = chat ? chunk(0, JSON.createObjectNode().put("reasoning_content", lines.toString()), null)
                : chunk(0, JSON.createObjectNode().put("text", ""), null);
        o.set("reason", progress(snapshot, shown));
        return o;
    }

    /**
     * A stream's last chunks once the search ended: each choice's text, then each choice's finish_reason, the last of
     * them with the {@code reason} object, then the usage when the request asked for it.
     */
    List<ObjectNode> closing(CompletionRequest request, SearchResult r, int promptTokens) {
        List<Optional<SearchResult.ChainReport>> chains = choices(request, r);
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < chains.size(); i++) {
            String text = content(chains.get(i), request.knobs().stops());
            out.add(chunk(i, JSON.createObjectNode().put(chat ? "content" : "text", text), null));
        }
        for (int i = 0; i < chains.size(); i++) {
            out.add(chunk(i, chat ? JSON.createObjectNode() : JSON.createObjectNode().put("text", ""),
                    finishReason(chains.get(i))));
        }
        out.get(out.size() - 1).set("reason", extension(r, request.showChains()));
        if (request.includeUsage()) {
            ObjectNode usage = head(chunkObject());
            usage.putArray("choices");
            usage.set("usage", usage(r, chains, promptTokens));
            out.add(usage);
        }
        return out;
    }

    /**
     * One chunk with choice {@code index}: a chat's carries {@code delta}, a raw prompt's the fields of {@code
     * content} (its text) directly; and last, the finish_reason.
     */
    private ObjectNode chunk(int index, ObjectNode content, String finishReason) {
        ObjectNode o = head(chunkObject());
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", index);
        if (chat) {
            choice.set("delta", content);
        } else {
            choice.setAll(content);
        }
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return o;
    }

    private String chunkObject() {
        return chat ? "chat.completion.chunk" : "text_completion";
    }

    /**
     * What one finished chain adds to a stream's reasoning: its answer and verdict, and the vote so far, as in
     * {@code chain 3: 5 (pass); vote: 5 ×3, 4 ×1}.
     */
    private static String chainLine(SearchResult.ChainReport c, SearchResult snapshot) {
        StringBuilder s = new StringBuilder("chain ").append(c.index() + 1).append(": ");
        s.append(c.answer() != null ? c.answer() : "no answer").append(" (");
        s.append(c.verdict().equals("unknown") ? c.finish() : c.verdict()).append(", ").append(c.tokens())
                .append(" tokens); vote: ");
        List<VoteTally.Candidate> ranking = snapshot.ranking();
        if (ranking.isEmpty()) {
            s.append("none yet");
        }
        for (int i = 0; i < ranking.size(); i++) {
            s.append(i == 0 ? "" : ", ").append(ranking.get(i).answer()).append(" ×").append(ranking.get(i).votes());
        }
        return s.append('\n').toString();
    }

    /** The usage: every chain's tokens are completion tokens; all but the choices' chains' count as reasoning. */
    private static ObjectNode usage(SearchResult r, List<Optional<SearchResult.ChainReport>> choices,
                                    int promptTokens) {
        long completion = r.tokens();
        long answers = choices.stream().mapToLong(c -> c.map(SearchResult.ChainReport::tokens).orElse(0)).sum();
        long reasoning = Math.max(0, completion - answers);
        ObjectNode u = JSON.createObjectNode();
        u.put("prompt_tokens", promptTokens);
        u.put("completion_tokens", completion);
        u.put("total_tokens", promptTokens + completion);
        u.putObject("completion_tokens_details").put("reasoning_tokens", reasoning);
        return u;
    }

    /** The {@code reason} object: what the search found, and how. */
    private static ObjectNode extension(SearchResult r, boolean withChains) {
        ObjectNode o = JSON.createObjectNode();
        o.put("answer", r.answer());
        o.put("declined", r.declined());
        o.put("checked", !r.unchecked());
        o.put("confidence", r.confidence());
        votes(o, r);
        o.put("stop_reason", r.stopReason() == null ? null : r.stopReason().name().toLowerCase(Locale.ROOT));
        o.put("stop_description", r.stopReason() == null ? null : r.stopReason().description());
        o.put("strategy", r.strategy());
        o.put("stop_rule", r.rule());
        o.put("budget", r.budget());
        cost(o, r);
        if (withChains) {
            ArrayNode chains = o.putArray("chains");
            r.chains().forEach(c -> chain(chains.addObject(), c).put("text", c.text()));
        }
        return o;
    }

    /** A stream's {@code reason} object while the search runs: the chains finished since {@code from}, the vote. */
    private static ObjectNode progress(SearchResult snapshot, int from) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode chains = o.putArray("chains");
        snapshot.chains().subList(from, snapshot.chains().size()).forEach(c -> chain(chains.addObject(), c));
        votes(o, snapshot);
        cost(o, snapshot);
        return o;
    }

    private static void votes(ObjectNode o, SearchResult r) {
        o.put("voted_chains", r.votes());
        ArrayNode votes = o.putArray("votes");
        for (VoteTally.Candidate c : r.ranking()) {
            votes.addObject().put("answer", c.answer()).put("votes", c.votes()).put("weight", c.weight());
        }
    }

    private static void cost(ObjectNode o, SearchResult r) {
        o.put("chains_started", r.chainsStarted());
        o.put("tokens", r.tokens());
        o.put("seconds", r.seconds());
    }

    private static ObjectNode chain(ObjectNode o, SearchResult.ChainReport c) {
        return o.put("index", c.index()).put("answer", c.answer()).put("tokens", c.tokens())
                .put("mean_logprob", c.meanLogprob()).put("finish", c.finish()).put("verdict", c.verdict())
                .put("redrawn_lines", c.redrawn()).put("seconds", c.seconds());
    }

    private ObjectNode head(String object) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("object", object);
        o.put("created", created);
        o.put("model", model);
        return o;
    }
}
