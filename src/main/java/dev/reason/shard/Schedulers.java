package dev.reason.shard;

import java.util.Map;

/**
 * Which shard a process runs: --shard as given; else the one a scheduler gives it, a Slurm array task
 * (SLURM_ARRAY_TASK_ID, _MIN, _STEP, _COUNT) or a Kubernetes Indexed Job pod (JOB_COMPLETION_INDEX, with N from
 * --shards); else the whole run. A bad value of either is refused with one line.
 */
public final class Schedulers {
    static final String SLURM_ID = "SLURM_ARRAY_TASK_ID";
    static final String SLURM_MIN = "SLURM_ARRAY_TASK_MIN";
    static final String SLURM_STEP = "SLURM_ARRAY_TASK_STEP";
    static final String SLURM_COUNT = "SLURM_ARRAY_TASK_COUNT";
    static final String K8S_INDEX = "JOB_COMPLETION_INDEX";

    /**
     * A process's shard and, when a scheduler gave it, where from (for one line on stderr).
     *
     * @param source null when --shard gave it or the run is whole
     */
    public record Assigned(Shard shard, String source) {
    }

    private Schedulers() {
    }

    /**
     * The shard of this process.
     *
     * @param shard  --shard, or null
     * @param shards --shards, or null
     * @param env    the process's environment
     */
    public static Assigned choose(String shard, Integer shards, Map<String, String> env) {
        if (shard != null && shards != null) {
            throw new IllegalArgumentException("--shard " + shard + " and --shards " + shards + ": give one of them");
        }
        if (shard != null) {
            return new Assigned(Shard.parse(shard), null);
        }
        if (shards != null && shards < 1) {
            throw new IllegalArgumentException("--shards must be at least 1, got " + shards);
        }
        if (env.get(SLURM_ID) != null) {
            return slurm(shards, env);
        }
        if (shards != null && env.get(K8S_INDEX) != null) {
            int index = number(env, K8S_INDEX);
            if (index >= shards) {
                throw new IllegalArgumentException(K8S_INDEX + " is " + index + ", not below --shards " + shards
                        + ": give the Indexed Job " + shards + " completions");
            }
            return new Assigned(new Shard(index, shards), "from the Kubernetes Indexed Job (" + K8S_INDEX + " " + index
                    + ", --shards " + shards + ")");
        }
        if (shards != null) {
            throw new IllegalArgumentException("--shards " + shards + " takes this process's shard from a Slurm array"
                    + " task or a Kubernetes Indexed Job (" + K8S_INDEX + "), and neither is set: pass --shard I/"
                    + shards);
        }
        return new Assigned(Shard.WHOLE, null);
    }

    /** Task ID - MIN, over STEP, is the shard; COUNT (or --shards where Slurm does not set it) is their number. */
    private static Assigned slurm(Integer shards, Map<String, String> env) {
        int id = number(env, SLURM_ID);
        int min = env.get(SLURM_MIN) != null ? number(env, SLURM_MIN) : 0;
        int step = env.get(SLURM_STEP) != null ? number(env, SLURM_STEP) : 1;
        Integer count = shards;
        if (env.get(SLURM_COUNT) != null) {
            count = number(env, SLURM_COUNT);
        }
        if (count == null) {
            throw new IllegalArgumentException(SLURM_ID + " is set but " + SLURM_COUNT + " is not: pass --shards N"
                    + " or --shard I/N");
        }
        if (shards != null && !shards.equals(count)) {
            throw new IllegalArgumentException("--shards " + shards + ", but the Slurm array has " + count + " tasks:"
                    + " submit it with --array=0-" + (shards - 1) + ", or drop --shards");
        }
        int index = step > 0 && (id - min) % step == 0 ? (id - min) / step : -1;
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("Slurm array task " + id + " is not one of " + count + " tasks evenly"
                    + " spaced from " + min + ": submit a range such as --array=0-" + (count - 1)
                    + ", or pass --shard I/N");
        }
        return new Assigned(new Shard(index, count), "from the Slurm array (" + SLURM_ID + " " + id + ", "
                + SLURM_MIN + " " + min + ", " + SLURM_COUNT + " " + count + ")");
    }

    private static int number(Map<String, String> env, String name) {
        String value = env.get(name).strip();
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(name + " is \"" + value + "\", not a whole number >= 0: unset it, or"
                + " pass --shard I/N");
    }
}
