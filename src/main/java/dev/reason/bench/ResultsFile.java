package dev.reason.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code results.jsonl}: one {@link ProblemResult} per line, appended as each problem finishes and forced to disk,
 * so a killed run loses at most the problem in flight and {@code --resume} can skip the finished ones. A line is
 * complete only with its newline; a last line without one was torn by a crash and is ignored (and cut off before
 * the next append, so it never glues onto a good record).
 */
public final class ResultsFile {

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private ResultsFile() {
    }

    /**
     * Appends one line and forces it to the device before returning. Creates the file and its folder if needed.
     * Serialized within the process, so problems finishing on several threads never interleave their lines.
     */
    public static synchronized void append(Path file, ProblemResult result) {
        byte[] line;
        try {
            line = (JSON.writeValueAsString(result) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the result of " + result.id(), e);
        }
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE)) {
                long end = completeEnd(ch);
                if (end < ch.size()) {
                    ch.truncate(end);
                }
                ByteBuffer buf = ByteBuffer.wrap(line);
                long pos = end;
                while (buf.hasRemaining()) {
                    pos += ch.write(buf, pos);
                }
                ch.force(true);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot write (" + e.getMessage() + ")");
        }
    }

    /**
     * Every complete line, in file order; an empty list when the file does not exist yet. A torn last line is
     * skipped; a malformed line elsewhere is an error naming its line number.
     */
    public static List<ProblemResult> read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read (" + e.getMessage() + ")");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        int lastNewline = text.lastIndexOf('\n');
        List<ProblemResult> out = new ArrayList<>();
        if (lastNewline < 0) {
            return out;
        }
        String[] lines = text.substring(0, lastNewline).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            try {
                ProblemResult r = JSON.readValue(lines[i], ProblemResult.class);
                if (r == null) {
                    throw new IllegalArgumentException(file + ": line " + (i + 1) + ": not a result");
                }
                out.add(r);
            } catch (JsonProcessingException e) {
                String why = e.getOriginalMessage();
                throw new IllegalArgumentException(file + ": line " + (i + 1) + ": malformed result ("
                        + (why == null ? "" : why.lines().findFirst().orElse("")) + ")");
            }
        }
        return out;
    }

    /** The ids of the problems already in the file, for {@code --resume}. */
    public static Set<String> finishedIds(Path file) {
        Set<String> ids = new LinkedHashSet<>();
        for (ProblemResult r : read(file)) {
            ids.add(r.id());
        }
        return ids;
    }

    /** The length of the file up to and including its last newline (0 when it has none). */
    private static long completeEnd(FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer buf = ByteBuffer.allocate(8192);
        long end = size;
        while (end > 0) {
            long start = Math.max(0, end - buf.capacity());
            buf.clear().limit((int) (end - start));
            long pos = start;
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos);
                if (n < 0) {
                    throw new IOException("file shrank while reading");
                }
                pos += n;
            }
            for (int i = (int) (end - start) - 1; i >= 0; i--) {
                if (buf.get(i) == '\n') {
                    return start + i + 1;
                }
            }
            end = start;
        }
        return 0;
    }
}
