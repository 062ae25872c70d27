package dev.reason.distill;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What a distill run's finished questions add up to: chains kept, questions dropped and why, and the cost. */
public final class Tally {
    private final Map<Drop, Integer> dropped = new EnumMap<>(Drop.class);
    private int questions;
    private int questionsKept;
    private int chains;
    private int searched;
    private long tokens;
    private double seconds;

    public void add(RunFiles.Entry e) {
        questions++;
        chains += e.kept();
        questionsKept += e.kept() > 0 ? 1 : 0;
        searched += e.dropped() == Drop.SKIPPED ? 0 : 1;
        if (e.dropped() != null) {
            dropped.merge(e.dropped(), 1, Integer::sum);
        }
        tokens += e.tokens();
        seconds += e.seconds();
    }

    public int questions() {
        return questions;
    }

    public int chains() {
        return chains;
    }

    public long tokens() {
        return tokens;
    }

    /** Seconds spent searching, summed over the questions (earlier runs of a resumed one included). */
    public double seconds() {
        return seconds;
    }

    /** The closing summary line. */
    public String line() {
        List<String> why = new ArrayList<>();
        dropped.forEach((d, n) -> why.add(n + " " + d.description()));
        return String.format(Locale.ROOT, "distill: %d questions, %d chains kept from %d questions; dropped: %s;"
                        + " %,d tokens (%,d a question), %.1f s", questions, chains, questionsKept,
                why.isEmpty() ? "none" : String.join(", ", why), tokens, tokens / Math.max(1, searched), seconds);
    }

    /** The same for the progress file. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("questions", questions);
        m.put("chains_kept", chains);
        m.put("questions_kept", questionsKept);
        Map<String, Object> why = new LinkedHashMap<>();
        dropped.forEach((d, n) -> why.put(d.id(), n));
        m.put("dropped", why);
        m.put("tokens", tokens);
        m.put("seconds", seconds);
        return m;
    }
}
