package dev.reason.distill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A distill run's two files: OUT, the records, and beside it {@code OUT.progress}, JSON Lines of the run's settings,
 * then one line per finished question (its id, what it kept or why not, and OUT's length after it), then a summary
 * at the end of each run. A question's records go to OUT in one write, forced to disk, before its progress line; so
 * on resume the progress lines whose OUT length is still there are the finished questions, and OUT is cut back to
 * the last of them, which removes a torn line and the records of a question whose progress line was never written.
 */
public final class RunFiles {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One finished question as the progress file records it.
     *
     * @param dropped null when it kept chains
     * @param why     what made a {@link Drop#SKIPPED} question unusable, else null
     * @param end     OUT's length once its records were written
     */
    public record Entry(String id, int kept, Drop dropped, String why, long end, long tokens, double seconds) {
    }

    private final Path out;
    private final Path progress;
    private final List<Entry> finished;
    private long end;

    private RunFiles(Path out, List<Entry> finished) {
        this.out = out;
        this.progress = progressFile(out);
        this.finished = finished;
        this.end = finished.isEmpty() ? 0 : finished.get(finished.size() - 1).end();
    }

    /** The progress file beside OUT. */
    public static Path progressFile(Path out) {
        return out.resolveSibling(out.getFileName() + ".progress");
    }

    /**
     * Starts a run, or with {@code resume} goes on with the one in OUT. Refuses an existing OUT without
     * {@code resume}, and with it an OUT without a progress file or one made with other settings.
     */
    public static RunFiles open(Path out, Map<String, Object> settings, boolean resume) throws IOException {
        Path progress = progressFile(out);
        if (Files.exists(out) && !resume) {
            throw new IllegalArgumentException(out + " exists: pass --resume to continue that run, or choose another --out");
        }
        List<Entry> finished = new ArrayList<>();
        if (resume && Files.exists(out) && !Files.exists(progress)) {
            throw new IllegalArgumentException("--resume: " + out + " has no " + progress.getFileName() + " beside it,"
                    + " so what it holds is unknown; choose another --out");
        }
        if (resume && Files.exists(progress)) {
            JsonNode before = readSettings(progress);
            String changed = firstDifference(before, JSON.readTree(JSON.writeValueAsString(settings)));
            if (changed != null) {
                throw new IllegalArgumentException("--resume: " + out + " was made with other settings (" + changed
                        + "); use the same options or another --out");
            }
            long size = Files.exists(out) ? Files.size(out) : 0;
            for (Entry e : readEntries(progress)) {
                long last = finished.isEmpty() ? 0 : finished.get(finished.size() - 1).end();
                if (e.end() > size || e.end() < last) {
                    break;
                }
                finished.add(e);
            }
        }
        RunFiles files = new RunFiles(out, finished);
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.truncate(files.end);
            ch.force(true);
        }
        StringBuilder lines = new StringBuilder(line(Map.of("settings", settings)));
        finished.forEach(e -> lines.append(line(entry(e))));
        Path fresh = progress.resolveSibling(progress.getFileName() + ".new");
        Files.writeString(fresh, lines, StandardCharsets.UTF_8);
        Files.move(fresh, progress, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return files;
    }

    /** The questions a run before this one finished, in order. */
    public List<Entry> finished() {
        return List.copyOf(finished);
    }

    /**
     * A finished question: its records appended to OUT, then its progress line; both forced to disk.
     *
     * @param records its lines ({@link TrainingRecords#lines}), empty when it kept none
     */
    public Entry add(String id, byte[] records, int kept, Drop dropped, String why, long tokens, double seconds)
            throws IOException {
        if (records.length > 0) {
            write(out, end, records);
        }
        Entry e = new Entry(id, kept, dropped, why, end + records.length, tokens, seconds);
        byte[] line = line(entry(e)).getBytes(StandardCharsets.UTF_8);
        write(progress, Files.size(progress), line);
        end = e.end();
        finished.add(e);
        return e;
    }

    /** The run's closing summary, last in the progress file. */
    public void summary(Map<String, Object> summary) throws IOException {
        write(progress, Files.size(progress), line(Map.of("summary", summary)).getBytes(StandardCharsets.UTF_8));
    }

    private static void write(Path file, long at, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            long pos = at;
            while (buf.hasRemaining()) {
                pos += ch.write(buf, pos);
            }
            ch.force(true);
        }
    }

    private static Map<String, Object> entry(Entry e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", e.id());
        m.put("kept", e.kept());
        if (e.dropped() != null) {
            m.put("dropped", e.dropped().id());
        }
        if (e.why() != null) {
            m.put("why", e.why());
        }
        m.put("end", e.end());
        m.put("tokens", e.tokens());
        m.put("seconds", e.seconds());
        return m;
    }

    private static String line(Object o) {
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a progress line", e);
        }
    }

    /** The complete lines of the progress file, parsed; a last line without its newline was torn and is left out. */
    private static List<JsonNode> lines(Path progress) throws IOException {
        String text = Files.readString(progress, StandardCharsets.UTF_8);
        List<JsonNode> nodes = new ArrayList<>();
        String[] lines = text.substring(0, text.lastIndexOf('\n') + 1).split("\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            try {
                nodes.add(JSON.readTree(lines[i]));
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("--resume: " + progress + ": line " + (i + 1) + " is not JSON;"
                        + " choose another --out");
            }
        }
        return nodes;
    }

    private static JsonNode readSettings(Path progress) throws IOException {
        List<JsonNode> lines = lines(progress);
        if (lines.isEmpty() || !lines.get(0).has("settings")) {
            throw new IllegalArgumentException("--resume: " + progress + " does not start with the run's settings;"
                    + " choose another --out");
        }
        return lines.get(0).get("settings");
    }

    private static List<Entry> readEntries(Path progress) throws IOException {
        List<Entry> entries = new ArrayList<>();
        for (JsonNode n : lines(progress)) {
            if (!n.has("id")) {
                continue;  // the settings, a summary
            }
            JsonNode dropped = n.get("dropped");
            JsonNode why = n.get("why");
            Drop reason = null;
            if (dropped != null) {
                reason = Drop.byId(dropped.asText());
                if (reason == null) {
                    throw new IllegalArgumentException("--resume: " + progress + ": question " + n.get("id").asText()
                            + " was dropped for an unknown reason \"" + dropped.asText() + "\"; choose another --out");
                }
            }
            entries.add(new Entry(n.get("id").asText(), n.path("kept").asInt(), reason, why == null ? null : why.asText(),
                    n.path("end").asLong(), n.path("tokens").asLong(), n.path("seconds").asDouble()));
        }
        return entries;
    }

    /** The first setting that differs, as {@code name X, now Y}; null when they are the same. */
    private static String firstDifference(JsonNode before, JsonNode now) {
        Set<String> names = new LinkedHashSet<>();
        now.fieldNames().forEachRemaining(names::add);
        before.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            JsonNode a = before.get(name);
            JsonNode b = now.get(name);
            if (!Objects.equals(a, b)) {
                return name + " " + (a == null ? "unset" : a) + ", now " + (b == null ? "unset" : b);
            }
        }
        return null;
    }
}
