package dev.reason.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code report.md}: what was run, the accuracy-against-compute table per group, and the charts. */
public final class Report {
    private Report() {
    }

    public static void write(Path dir, String title, List<String> setup, Summary summary, List<String> charts,
                             String replayTable) {
        StringBuilder sb = new StringBuilder("# " + title + "\n\n");
        for (String line : setup) {
            sb.append("- ").append(line).append('\n');
        }
        List<String> groups = new ArrayList<>();
        summary.rows().forEach(r -> {
            if (!groups.contains(r.group())) {
                groups.add(r.group());
            }
        });
        for (String group : groups) {
            sb.append("\n## ").append(group.equals(Summary.ALL) ? "All problems" : group).append("\n\n");
            sb.append("| method | k | problems | accuracy | 95% CI | tokens/problem | seconds/problem |\n");
            sb.append("|---|---:|---:|---:|---|---:|---:|\n");
            for (Summary.Row r : summary.rows()) {
                if (r.group().equals(group)) {
                    sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %.3f | %.3f-%.3f | %.0f | %.2f |%n", r.method(), r.k(),
                            r.problems(), r.accuracy(), r.low(), r.high(), r.tokens(), r.seconds()));
                }
            }
        }
        sb.append("\n## Strategies and stopping rules, replayed on the same pools\n\n").append(replayTable);
        if (!charts.isEmpty()) {
            sb.append("\n## Charts\n\n");
            for (String c : charts) {
                sb.append("![").append(c).append("](").append(c).append(".png)\n");
            }
        }
        try {
            Files.writeString(dir.resolve("report.md"), sb.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException(dir + ": cannot write report.md (" + e.getMessage() + ")");
        }
    }
}
