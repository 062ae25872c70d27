package dev.reason.bench;

import dev.reason.shard.Shard;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The shards of a bench run: what a shard's run.json records of it, and the merge of the shards' folders into the
 * whole run's results, in the order a run without shards writes them. The merge refuses shards of other runs,
 * overlapping shards, and missing or unfinished ones.
 */
public final class ShardMerge {
    /** The run.json entry of a shard; the rest of run.json is the whole run's. */
    public static final String KEY = "shard";

    /** Why shards cannot be merged. */
    public enum Refusal { OTHER_RUN, OVERLAP, MISSING }

    /** A merge refused, with one line that says why. */
    public static final class Refused extends IllegalArgumentException {
        private final Refusal why;

        Refused(Refusal why, String message) {
            super(message);
            this.why = why;
        }

        public Refusal why() {
            return why;
        }
    }

    /**
     * The whole run.
     *
     * @param settings the shards' run.json without their shard: the run.json of the run without shards
     * @param results  every shard's results, in the order of the run's problems
     */
    public record Merged(Map<String, Object> settings, List<ProblemResult> results, int shards) {
    }

    /** One shard's folder as read. */
    private record Part(Path dir, Shard shard, List<String> ids, Map<String, Object> rest) {
    }

    private ShardMerge() {
    }

    /**
     * The run.json entry of {@code shard}: its index, its count and its problems' ids, by which a merge puts the
     * results back in the run's order and knows whether the shard finished.
     */
    public static Map<String, Object> entry(Shard shard, List<Problem> problems) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("index", shard.index());
        e.put("count", shard.count());
        e.put("ids", problems.stream().map(Problem::id).toList());
        return e;
    }

    /** The shard a run.json records; {@link Shard#WHOLE} when it has none. */
    public static Shard of(Map<String, Object> settings) {
        return settings.get(KEY) instanceof Map<?, ?> e && e.get("index") instanceof Integer i
                && e.get("count") instanceof Integer n ? new Shard(i, n) : Shard.WHOLE;
    }

    /** Joins the shards in {@code dirs}, given in any order. */
    public static Merged merge(List<Path> dirs) {
        List<Part> parts = new ArrayList<>();
        for (Path dir : dirs) {
            parts.add(read(dir));
        }
        Part first = parts.get(0);
        int count = first.shard().count();
        Map<Integer, Part> byIndex = new TreeMap<>();
        Map<String, Part> byId = new HashMap<>();
        for (Part p : parts) {
            if (p.shard().count() != count) {
                throw new Refused(Refusal.OTHER_RUN, p.dir() + " is shard " + p.shard() + " but " + first.dir()
                        + " is one of " + count + ": merge the shards of one run");
            }
            String changed = RunSettings.firstDifference(first.rest(), p.rest());
            if (changed != null) {
                throw new Refused(Refusal.OTHER_RUN, p.dir() + " is a shard of another run than " + first.dir() + " ("
                        + changed + "): merge the shards of one run");
            }
            Part same = byIndex.put(p.shard().index(), p);
            if (same != null) {
                throw new Refused(Refusal.OVERLAP, same.dir() + " and " + p.dir() + " are both shard " + p.shard()
                        + ": give each shard once");
            }
            for (String id : p.ids()) {
                Part other = byId.put(id, p);
                if (other != null) {
                    throw new Refused(Refusal.OVERLAP, "problem " + id + " is in " + other.dir() + " and in " + p.dir()
                            + ": give each shard once");
                }
            }
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (!byIndex.containsKey(i)) {
                missing.add(new Shard(i, count).toString());
            }
        }
        if (!missing.isEmpty()) {
            throw new Refused(Refusal.MISSING, "shard" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + " of " + first.dir() + "'s run " + (missing.size() > 1 ? "are" : "is") + " missing: run "
                    + (missing.size() > 1 ? "them" : "it") + " with --shard, then merge all " + count);
        }
        Map<Integer, ProblemResult> byPosition = new TreeMap<>();
        for (Part p : byIndex.values()) {
            Map<String, ProblemResult> results = results(p);
            for (int n = 0; n < p.ids().size(); n++) {
                ProblemResult r = results.get(p.ids().get(n));
                if (r != null) {
                    byPosition.put(p.shard().position(n), r);
                }
            }
        }
        return new Merged(first.rest(), List.copyOf(byPosition.values()), count);
    }

    private static Part read(Path dir) {
        Map<String, Object> settings = RunSettings.read(dir);
        if (settings.isEmpty()) {
            throw new IllegalArgumentException(dir + " has no " + RunSettings.FILE + ": give the --out folders of"
                    + " reason bench --shard runs");
        }
        Shard shard = of(settings);
        if (shard.whole() || !(((Map<?, ?>) settings.get(KEY)).get("ids") instanceof List<?> ids)) {
            throw new IllegalArgumentException(dir + " holds a run without --shard: give the --out folders of"
                    + " reason bench --shard runs");
        }
        Map<String, Object> rest = new LinkedHashMap<>(settings);
        rest.remove(KEY);
        return new Part(dir, shard, ids.stream().map(String::valueOf).toList(), rest);
    }

    /**
     * The shard's results by id. A problem without one is refused unless the shard ended (wrote summary.json): a
     * finished run leaves out only the problems it skipped, such as those longer than the model's context.
     */
    private static Map<String, ProblemResult> results(Part p) {
        Map<String, ProblemResult> byId = new HashMap<>();
        for (ProblemResult r : ResultsFile.read(p.dir().resolve("results.jsonl"))) {
            byId.put(r.id(), r);
        }
        long done = p.ids().stream().filter(byId::containsKey).count();
        if (done < p.ids().size() && !Files.exists(p.dir().resolve("summary.json"))) {
            throw new Refused(Refusal.MISSING, "shard " + p.shard() + " in " + p.dir() + " is unfinished: " + done
                    + " of its " + p.ids().size() + " problems have results; finish it with --resume, then merge");
        }
        return byId;
    }
}
