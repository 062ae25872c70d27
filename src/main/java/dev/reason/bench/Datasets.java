package dev.reason.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason.search.answer.AnswerExtractor;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Loads benchmark sets into {@link Problem}s. Every failure is an {@link IllegalArgumentException} whose message is one
 * line naming the file and what is wrong with it ({@code data.jsonl: line 7: no "question" field}), because users
 * see it as the command's error, never a stack trace. Formats are those of the files under
 * {@code shared/datasets/} (see their README.md files).
 */
public final class Datasets {

    /** The Tree of Thoughts test subset of Game of 24: the 100 puzzles ranked 901 to 1000. */
    public static final int GAME24_TEST_FROM = 901;
    public static final int GAME24_TEST_TO = 1000;

    // Decimals stay exact (0.1 is not 0.1000000000000000055...).
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    /** The public sets {@link #byName} reads from the shared datasets folder. */
    public static final List<String> NAMES = List.of("gsm8k", "svamp", "math500", "aqua", "game24");

    private Datasets() {
    }

    /** The error for a dataset that is neither a file nor a known name ({@code ownSets}: the model's, if any). */
    public static String unknown(String nameOrPath, List<String> ownSets) {
        return nameOrPath + ": no such file, and not a dataset name (" + String.join(", ", NAMES) + ")"
                + (ownSets.isEmpty() ? "" : " nor one of the model's own (" + String.join(", ", ownSets) + ")");
    }

    /**
     * A public set by name ({@code gsm8k}, {@code svamp}, {@code math500}, {@code aqua}, {@code game24}; the last
     * gives the standard test ranks 901-1000) read from {@code sharedDatasets}, or else a file path loaded by
     * {@link #load(Path)}.
     */
    public static List<Problem> byName(String nameOrPath, Path sharedDatasets) {
        if (nameOrPath == null || nameOrPath.isBlank()) {
            throw new IllegalArgumentException("no dataset given: name one of " + String.join(", ", NAMES) + " or a file");
        }
        switch (nameOrPath.strip().toLowerCase(Locale.ROOT)) {
            case "gsm8k":
                return gsm8k(sharedDatasets.resolve("gsm8k").resolve("test.jsonl"));
            case "svamp":
                return svamp(sharedDatasets.resolve("svamp").resolve("SVAMP.json"));
            case "math500":
                return math500(sharedDatasets.resolve("math500").resolve("test.jsonl"));
            case "aqua":
                return aqua(sharedDatasets.resolve("aqua").resolve("test.json"));
            case "game24":
                return game24(sharedDatasets.resolve("game24").resolve("24.csv"), GAME24_TEST_FROM, GAME24_TEST_TO);
            default:
                Path path = Path.of(nameOrPath);
                if (!Files.isRegularFile(path)) {
                    throw new IllegalArgumentException(unknown(nameOrPath, List.of()));
                }
                return load(path);
        }
    }

    /**
     * A file in any of the supported formats, told apart by extension and content: {@code .csv} is the Game of 24
     * table (all ranks); a JSON array is SVAMP (or an array of {@link #jsonl} objects); JSON Lines are AQuA when
     * the first record has {@code options} and {@code correct}, MATH when it has {@code problem}, GSM8K when its
     * {@code answer} holds a {@code ####} line, and {@link #jsonl} otherwise.
     */
    public static List<Problem> load(Path file) {
        if (file.getFileName() != null && file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return game24(file);
        }
        List<String> lines = lines(file);
        String first = null;
        int firstLine = 0;
        for (int i = 0; i < lines.size() && first == null; i++) {
            if (!lines.get(i).isBlank()) {
                first = lines.get(i).strip();
                firstLine = i + 1;
            }
        }
        if (first == null) {
            throw new IllegalArgumentException(file + ": the file is empty");
        }
        if (first.startsWith("[")) {
            JsonNode array = parseWhole(file, String.join("\n", lines));
            if (array.size() > 0 && array.get(0).has("Body")) {
                return svamp(file, array);
            }
            List<Problem> out = new ArrayList<>();
            for (int i = 0; i < array.size(); i++) {
                out.add(generic(file, "record " + (i + 1), i + 1, array.get(i)));
            }
            return nonEmpty(file, out);
        }
        if (!first.startsWith("{")) {
            throw new IllegalArgumentException(file + ": not a known dataset format (expected .csv, a JSON array or JSON Lines)");
        }
        JsonNode record = parseLine(file, firstLine, first);
        if (record.has("options") && record.has("correct")) {
            return aqua(file);
        }
        if (record.has("problem") && record.has("answer")) {
            return math500(file);
        }
        JsonNode answer = record.get("answer");
        if (answer != null && answer.isTextual() && answer.asText().contains("####")) {
            return gsm8k(file);
        }
        return jsonl(file);
    }

    /** GSM8K JSON Lines: {@code question}, and {@code answer} whose last line is {@code #### <number>}. */
    public static List<Problem> gsm8k(Path file) {
        List<Problem> out = new ArrayList<>();
        forEachRecord(file, (line, n, record) -> {
            String question = requiredText(file, line, record, "question");
            String solution = requiredText(file, line, record, "answer");
            int marker = solution.lastIndexOf("####");
            if (marker < 0 || solution.indexOf('\n', marker) >= 0) {
                throw bad(file, line, "\"answer\" does not end with a '#### <number>' line");
            }
            String value = solution.substring(marker + 4).strip().replace(",", "");
            if (value.isEmpty()) {
                throw bad(file, line, "\"answer\" has an empty '####' line");
            }
            out.add(new Problem("gsm8k-" + n, question, AnswerExtractor.normalize(value), "gsm8k", null, null));
        });
        return nonEmpty(file, out);
    }

    /** SVAMP: one JSON array of {@code {ID, Body, Question, Answer}}; the prompt is Body then Question. */
    public static List<Problem> svamp(Path file) {
        return svamp(file, parseWhole(file, String.join("\n", lines(file))));
    }

    private static List<Problem> svamp(Path file, JsonNode array) {
        if (!array.isArray()) {
            throw new IllegalArgumentException(file + ": expected a JSON array of SVAMP records");
        }
        List<Problem> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String where = "record " + (i + 1);
            JsonNode r = array.get(i);
            String body = requiredText(file, where, r, "Body");
            String question = requiredText(file, where, r, "Question");
            JsonNode id = r.get("ID");
            String text = (body.strip() + " " + question.strip()).replaceAll("\\s+", " ").strip();
            out.add(new Problem(id == null || id.isNull() ? "svamp-" + (i + 1) : id.asText(), text,
                    requiredAnswer(file, where, r, "Answer"), "svamp", null, null));
        }
        return nonEmpty(file, out);
    }

    /** MATH-500 JSON Lines: {@code problem}, {@code answer} (LaTeX), {@code level} 1-5, {@code unique_id}. */
    public static List<Problem> math500(Path file) {
        List<Problem> out = new ArrayList<>();
        forEachRecord(file, (line, n, record) -> {
            String problem = requiredText(file, line, record, "problem");
            String answer = requiredText(file, line, record, "answer");
            JsonNode level = record.get("level");
            JsonNode id = record.get("unique_id");
            out.add(new Problem(id == null || id.isNull() ? "math500-" + n : id.asText(), problem, answer, "math500",
                    level == null || level.isNull() ? null : "level " + level.asText(), null));
        });
        return nonEmpty(file, out);
    }

    /**
     * AQuA-RAT JSON Lines: {@code question}, five {@code options} like {@code A)21}, and the {@code correct} letter,
     * which is the answer. The options are part of the prompt, one a line, since the model must pick one.
     */
    public static List<Problem> aqua(Path file) {
        List<Problem> out = new ArrayList<>();
        forEachRecord(file, (line, n, record) -> {
            String question = requiredText(file, line, record, "question");
            JsonNode options = record.get("options");
            if (options == null || !options.isArray() || options.isEmpty()) {
                throw bad(file, line, "no \"options\" list");
            }
            StringBuilder text = new StringBuilder(question.strip());
            for (JsonNode option : options) {
                text.append('\n').append(option.asText().strip());
            }
            String correct = requiredText(file, line, record, "correct").strip().toUpperCase(Locale.ROOT);
            if (!correct.matches("[A-E]")) {
                throw bad(file, line, "\"correct\" is not a letter A-E: " + correct);
            }
            out.add(new Problem("aqua-" + n, text.toString(), correct, "aqua", null, null));
        });
        return nonEmpty(file, out);
    }

    /** Every puzzle of the Game of 24 table. */
    public static List<Problem> game24(Path file) {
        return game24(file, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /**
     * The Game of 24 table ({@code Rank,Puzzles,...}), only the puzzles whose rank is in {@code [fromRank, toRank]}.
     * There is no stored answer: a response is checked with {@link Equivalence#game24}.
     */
    public static List<Problem> game24(Path file, int fromRank, int toRank) {
        if (fromRank > toRank) {
            throw new IllegalArgumentException("game24 rank range is empty: " + fromRank + ".." + toRank);
        }
        List<String> lines = lines(file);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(file + ": the file is empty");
        }
        List<String> header = List.of(lines.get(0).replace("\uFEFF", "").split(",", -1));
        int rankCol = header.indexOf("Rank");
        int puzzleCol = header.indexOf("Puzzles");
        if (rankCol < 0 || puzzleCol < 0) {
            throw bad(file, 1, "the header has no Rank and Puzzles columns");
        }
        List<Problem> out = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] cells = lines.get(i).split(",", -1);
            if (cells.length <= Math.max(rankCol, puzzleCol)) {
                throw bad(file, i + 1, "too few columns");
            }
            int rank;
            int[] numbers;
            try {
                rank = Integer.parseInt(cells[rankCol].strip());
                String[] parts = cells[puzzleCol].strip().split("\\s+");
                numbers = new int[parts.length];
                for (int j = 0; j < parts.length; j++) {
                    numbers[j] = Integer.parseInt(parts[j]);
                }
            } catch (NumberFormatException e) {
                throw bad(file, i + 1, "Rank or Puzzles is not a whole number");
            }
            if (rank < fromRank || rank > toRank) {
                continue;
            }
            String joined = cells[puzzleCol].strip().replaceAll("\\s+", " ");
            out.add(new Problem("game24-" + rank, "Use " + joined + " to make 24.", null, "game24", null, numbers));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(file + ": no puzzles"
                    + (fromRank == Integer.MIN_VALUE ? "" : " with rank " + fromRank + ".." + toRank));
        }
        return out;
    }

    /**
     * Any JSON Lines file of {@code {question, answer}} records; {@code answer} may be a number or a string and may be
     * left out when {@code numbers} (a Game of 24 puzzle) is given. Optional: {@code id} (else
     * {@code <family>-<record number>}), {@code family} (else the file name without extension), {@code difficulty}
     * (a number or a string).
     */
    public static List<Problem> jsonl(Path file) {
        List<Problem> out = new ArrayList<>();
        forEachRecord(file, (line, n, record) -> out.add(generic(file, "line " + line, n, record)));
        return nonEmpty(file, out);
    }

    private static Problem generic(Path file, String where, int n, JsonNode record) {
        String question = requiredText(file, where, record, "question");
        JsonNode familyNode = record.get("family");
        String family = familyNode == null || familyNode.isNull() ? stem(file) : familyNode.asText();
        JsonNode numbersNode = record.get("numbers");
        int[] numbers = wholeNumbers(numbersNode);
        if (numbers == null && numbersNode != null && !numbersNode.isNull()) {
            throw bad(file, where, "\"numbers\" is not a list of whole numbers");
        }
        JsonNode answerNode = record.get("answer");
        String answer = numbers != null && (answerNode == null || answerNode.isNull())
                ? null : requiredAnswer(file, where, record, "answer");
        JsonNode difficultyNode = record.get("difficulty");
        String difficulty = difficultyNode == null || difficultyNode.isNull() ? null
                : difficultyNode.isNumber() ? plain(difficultyNode) : difficultyNode.asText();
        JsonNode idNode = record.get("id");
        String id = idNode == null || idNode.isNull() ? family + "-" + n
                : idNode.isNumber() ? plain(idNode) : idNode.asText();
        return new Problem(id, question, answer, family, difficulty, numbers);
    }

    // ---- reading helpers ----

    @FunctionalInterface
    private interface RecordConsumer {
        /** {@code line}: physical line number; {@code n}: 1-based record number (blank lines skipped). */
        void accept(int line, int n, JsonNode record);
    }

    private static void forEachRecord(Path file, RecordConsumer consumer) {
        List<String> lines = lines(file);
        int n = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            JsonNode record = parseLine(file, i + 1, line);
            if (!record.isObject()) {
                throw bad(file, i + 1, "not a JSON object");
            }
            consumer.accept(i + 1, ++n, record);
        }
    }

    private static List<String> lines(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (!lines.isEmpty() && lines.get(0).startsWith("\uFEFF")) {
                lines.set(0, lines.get(0).substring(1));
            }
            return lines;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + oneLine(e.getMessage()) + ")");
        }
    }

    private static JsonNode parseLine(Path file, int line, String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw bad(file, line, "malformed JSON (" + oneLine(e.getOriginalMessage()) + ")");
        }
    }

    private static JsonNode parseWhole(Path file, String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            String what = "malformed JSON (" + oneLine(e.getOriginalMessage()) + ")";
            throw line > 0 ? bad(file, line, what) : new IllegalArgumentException(file + ": " + what);
        }
    }

    private static String requiredText(Path file, Object where, JsonNode record, String field) {
        JsonNode node = record.get(field);
        if (node == null || node.isNull()) {
            throw bad(file, where, "no \"" + field + "\" field");
        }
        if (!node.isTextual()) {
            throw bad(file, where, "\"" + field + "\" is not a string");
        }
        return node.asText();
    }

    /** A number ({@code 8.0 -> "8"}) or a non-empty string. */
    private static String requiredAnswer(Path file, Object where, JsonNode record, String field) {
        JsonNode node = record.get(field);
        if (node == null || node.isNull()) {
            throw bad(file, where, "no \"" + field + "\" field");
        }
        String answer = answerText(node);
        if (answer == null) {
            throw bad(file, where, "\"" + field + "\" is neither a number nor a non-empty string");
        }
        return answer;
    }

    /** A puzzle's {@code "numbers"}: a non-empty list of whole numbers, else (absent, or anything else) null. */
    public static int[] wholeNumbers(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            return null;
        }
        int[] numbers = new int[node.size()];
        for (int i = 0; i < numbers.length; i++) {
            JsonNode x = node.get(i);
            if (!x.canConvertToInt() || !x.isIntegralNumber()) {
                return null;
            }
            numbers[i] = x.intValue();
        }
        return numbers;
    }

    /** A reference answer as graded: a number ({@code 8.0 -> "8"}) or a non-empty string, stripped; else null. */
    public static String answerText(JsonNode node) {
        if (node != null && node.isNumber()) {
            return AnswerExtractor.normalize(plain(node));
        }
        if (node != null && node.isTextual() && !node.asText().isBlank()) {
            return node.asText().strip();
        }
        return null;
    }

    private static String plain(JsonNode number) {
        return number.decimalValue().stripTrailingZeros().toPlainString();
    }

    private static String stem(Path file) {
        String name = file.getFileName() == null ? "custom" : file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static List<Problem> nonEmpty(Path file, List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException(file + ": no problems in the file");
        }
        return List.copyOf(problems);
    }

    private static IllegalArgumentException bad(Path file, Object where, String what) {
        String place = where instanceof Integer ? "line " + where : String.valueOf(where);
        return new IllegalArgumentException(file + ": " + place + ": " + what);
    }

    private static String oneLine(String message) {
        if (message == null) {
            return "unknown error";
        }
        return message.lines().findFirst().orElse("").strip();
    }
}
