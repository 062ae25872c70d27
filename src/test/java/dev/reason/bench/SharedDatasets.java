package dev.reason.bench;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the public sets ({@code shared/datasets}): {@code -Dreason.datasets=DIR} or {@code REASON_DATASETS} if set,
 * else {@code ../shared/datasets} from the repository root (where Maven runs the tests), else
 * {@code /work/shared/datasets} (a copy of the repository elsewhere). Skips the test when none exists.
 */
final class SharedDatasets {

    private SharedDatasets() {
    }

    static Path dir() {
        List<Path> candidates = new ArrayList<>();
        String property = System.getProperty("reason.datasets");
        if (property != null && !property.isBlank()) {
            candidates.add(Path.of(property));
        }
        String env = System.getenv("REASON_DATASETS");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        candidates.add(Path.of("..", "shared", "datasets"));
        candidates.add(Path.of("/work", "shared", "datasets"));
        for (Path p : candidates) {
            if (Files.isDirectory(p.resolve("gsm8k"))) {
                return p;
            }
        }
        assumeTrue(false, "public datasets folder not found (looked in " + candidates
                + "); set -Dreason.datasets=DIR to run the real-data tests");
        return null;
    }
}
