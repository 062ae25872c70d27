package dev.reason.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.List;

/**
 * The questions of {@code reason --questions FILE}: one per line, or JSON Lines with a {@code "question"} field (and
 * an optional {@code "id"}), so a benchmark's own files can be asked as they are. Blank lines are skipped; a
 * question's id is its {@code "id"}, else its line number, so answers can be matched to questions.
 */
final class Questions {
    record Question(String id, String text) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private Questions() {
    }

    /** {@code source} names the input in error messages (the file, or standard input). */
    static List<Question> parse(String content, String source) {
        List<Question> out = new ArrayList<>();
        List<String> lines = (content.startsWith("\uFEFF") ? content.substring(1) : content).lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String number = String.valueOf(i + 1);
            if (!line.startsWith("{")) {
                out.add(new Question(number, line));
                continue;
            }
            JsonNode record;
            try {
                record = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException(source + " line " + number + ": a line starting with { must be a JSON"
                        + " object with a \"question\" field (" + e.getOriginalMessage() + ")");
            }
            JsonNode q = record.get("question");
            if (q == null || !q.isTextual()) {
                throw new IllegalArgumentException(source + " line " + number + ": the JSON object has no \"question\""
                        + " text; write {\"question\": \"...\"} or the question alone on the line");
            }
            JsonNode id = record.get("id");
            out.add(new Question(id == null || id.isNull() ? number : id.asText(), q.asText().strip()));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(source + " holds no question: write one per line");
        }
        return out;
    }
}
