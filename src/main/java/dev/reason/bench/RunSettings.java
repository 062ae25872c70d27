package dev.reason.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code run.json}: the settings a bench run was made with, written when it starts. {@code --resume} and
 * {@code bench merge} compare them, so that two runs are never mixed.
 */
public final class RunSettings {
    public static final String FILE = "run.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunSettings() {
    }

    /** The settings in {@code dir}'s run.json; empty when it has none. */
    public static Map<String, Object> read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            return Map.of();
        }
        try {
            return JSON.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not a run's settings (" + e.getMessage().lines().findFirst()
                    .orElse("") + ")");
        }
    }

    /** Writes {@code settings} as {@code dir}'s run.json, making the folder if needed. */
    public static void write(Path dir, Map<String, Object> settings) throws IOException {
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve(FILE).toFile(), settings);
    }

    /** The settings as they read back from run.json: numbers and lists in JSON's types, for comparing. */
    public static Map<String, Object> asRead(Map<String, Object> settings) {
        try {
            return JSON.readValue(JSON.writeValueAsString(settings), new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a run's settings", e);
        }
    }

    /** The first setting that differs, as {@code name A, now B}; null when they are the same. */
    public static String firstDifference(Map<String, Object> before, Map<String, Object> now) {
        Set<String> names = new LinkedHashSet<>(before.keySet());
        names.addAll(now.keySet());
        for (String name : names) {
            if (!Objects.equals(before.get(name), now.get(name))) {
                return name + " " + shown(before, name) + ", now " + shown(now, name);
            }
        }
        return null;
    }

    private static String shown(Map<String, Object> settings, String name) {
        return settings.containsKey(name) ? String.valueOf(settings.get(name)) : "unset";
    }
}
