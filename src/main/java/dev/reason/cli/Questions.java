package dev.reason.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason.bench.Datasets;
import dev.reason.bench.Problem;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The questions of {@code reason --questions FILE}, read one line at a time as they are asked (so a pipe or a
 * terminal feeds a session question by question): one per line, or JSON Lines with a {@code "question"} field and an
 * optional {@code "id"}, so a benchmark's own files can be asked as they are (and graded, when a line has its
 * {@code "answer"}). Blank lines are skipped; a question's
 * id is its {@code "id"}, else its line number, so answers can be matched to questions. A line that cannot be read as
 * a question keeps its place with the problem.
 */
final class Questions implements AutoCloseable {
    /**
     * A question, or ({@code problem} not null) a line that could not be read as one.
     *
     * @param expected what a right answer is, for grading, from the line's {@code "answer"} (or, for a Game of 24
     *                 puzzle, its {@code "numbers"}); null when it has neither
     */
    record Question(String id, String text, String problem, Problem expected) {
        Question(String id, String text, String problem) {
            this(id, text, problem, null);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedReader reader;
    private final String source;
    private int line;

    private Questions(InputStream in, String source) {
        // strict UTF-8: a file in another encoding stops with an error instead of asking garbled questions
        this.reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()));
        this.source = source;
    }

    /** {@code file}: a path, or - for {@code stdin}. */
    static Questions open(String file, InputStream stdin) throws IOException {
        if (file.equals("-")) {
            return new Questions(stdin, "standard input");
        }
        try {
            return new Questions(Files.newInputStream(Path.of(file)), file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--questions " + file + ": no such file");
        }
    }

    /** What the questions come from, for messages: the file's path, or "standard input". */
    String source() {
        return source;
    }

    /** The next question, or null at the end of the input. */
    Question next() throws IOException {
        String raw;
        while ((raw = reader.readLine()) != null) {
            line++;
            String text = (line == 1 && raw.startsWith("\uFEFF") ? raw.substring(1) : raw).strip();
            if (!text.isEmpty()) {
                return parse(text, String.valueOf(line));
            }
        }
        return null;
    }

    private static Question parse(String text, String number) {
        if (!text.startsWith("{")) {
            return new Question(number, text, null);
        }
        JsonNode record;
        try {
            record = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            return new Question(number, text, "a line starting with { must be a JSON object with a \"question\" field ("
                    + e.getOriginalMessage() + ")");
        }
        JsonNode q = record.get("question");
        JsonNode id = record.get("id");
        String name = id == null || id.isNull() ? number : id.asText();
        if (q == null || !q.isTextual()) {
            return new Question(name, text, "the JSON object has no \"question\" text; write {\"question\": \"...\"} or"
                    + " the question alone on the line");
        }
        return new Question(name, q.asText().strip(), null, expected(name, q.asText(), record));
    }

    /** The line's expected answer as {@code reason bench} grades one, or null: a field it cannot read grades nothing. */
    private static Problem expected(String id, String question, JsonNode record) {
        String answer = Datasets.answerText(record.get("answer"));
        int[] puzzle = Datasets.wholeNumbers(record.get("numbers"));
        return puzzle == null && answer == null ? null : new Problem(id, question, answer, "questions", null, puzzle);
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
