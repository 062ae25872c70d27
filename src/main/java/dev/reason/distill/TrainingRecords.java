package dev.reason.distill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON Lines records of one question's kept chains, in the chat format fine-tuning tools read ({@code messages}
 * of {@code user} and {@code assistant}), with the vote and the run they came from beside it.
 *
 * @param model    the model directory's name
 * @param strategy {@code --strategy} as given
 * @param stop     {@code --stop} as given
 * @param budget   the budget as {@code Budget} prints it
 * @param system   the system message the model was given ({@code --system}), or null
 */
public record TrainingRecords(String model, String strategy, String stop, String budget, long seed, String system) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One line per kept chain, each ending in a newline; empty when the selection kept none. */
    public byte[] lines(String id, String question, Selection selection, Filter filter) {
        StringBuilder out = new StringBuilder();
        for (Selection.Kept k : selection.kept()) {
            List<Map<String, Object>> messages = new ArrayList<>();
            if (system != null) {
                messages.add(message("system", system));
            }
            messages.add(message("user", question));
            messages.add(message("assistant", k.chain().text()));
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("messages", messages);
            o.put("id", id);
            o.put("answer", k.chain().answer());
            o.put("share", selection.share());
            o.put("votes", selection.votes());
            o.put("voters", selection.voters());
            o.put("verdict", k.verdict().name().toLowerCase(Locale.ROOT));
            o.put("filter", filter.id());
            Map<String, Object> source = new LinkedHashMap<>();
            source.put("model", model);
            source.put("strategy", strategy);
            source.put("stop", stop);
            source.put("budget", budget);
            source.put("seed", seed);
            o.put("source", source);
            try {
                out.append(JSON.writeValueAsString(o)).append('\n');
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot write the record of question " + id, e);
            }
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }
}
