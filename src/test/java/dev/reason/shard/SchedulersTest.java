package dev.reason.shard;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --shard wins; else a Slurm array task or a Kubernetes Indexed Job pod gives the shard; else the run is whole. */
class SchedulersTest {
    private static final Map<String, String> NONE = Map.of();

    @Test
    void theOptionWinsAndSaysNothing() {
        Map<String, String> slurm = Map.of("SLURM_ARRAY_TASK_ID", "3", "SLURM_ARRAY_TASK_COUNT", "4");
        Schedulers.Assigned a = Schedulers.choose("1/2", null, slurm);
        assertEquals(new Shard(1, 2), a.shard());
        assertNull(a.source());
        assertEquals(Shard.WHOLE, Schedulers.choose("0/1", null, slurm).shard(), "0/1 runs the whole set in an array");
        assertEquals(new Schedulers.Assigned(Shard.WHOLE, null), Schedulers.choose(null, null, NONE));
    }

    @Test
    void aSlurmArrayTaskTakesItsPlaceInTheArray() {
        Schedulers.Assigned a = Schedulers.choose(null, null, Map.of("SLURM_ARRAY_TASK_ID", "5",
                "SLURM_ARRAY_TASK_MIN", "3", "SLURM_ARRAY_TASK_COUNT", "4"));
        assertEquals(new Shard(2, 4), a.shard());
        assertEquals("from the Slurm array (SLURM_ARRAY_TASK_ID 5, SLURM_ARRAY_TASK_MIN 3, SLURM_ARRAY_TASK_COUNT 4)",
                a.source());
        assertEquals(new Shard(3, 4), Schedulers.choose(null, 4, Map.of("SLURM_ARRAY_TASK_ID", "6",
                "SLURM_ARRAY_TASK_STEP", "2", "SLURM_ARRAY_TASK_COUNT", "4")).shard(), "--array=0-6:2");
        assertEquals(new Shard(1, 2), Schedulers.choose(null, 2, Map.of("SLURM_ARRAY_TASK_ID", "1")).shard(),
                "--shards where Slurm sets no count");
    }

    @Test
    void anIndexedJobPodTakesItsIndexWithTheCountOfShards() {
        Schedulers.Assigned a = Schedulers.choose(null, 16, Map.of("JOB_COMPLETION_INDEX", "15"));
        assertEquals(new Shard(15, 16), a.shard());
        assertEquals("from the Kubernetes Indexed Job (JOB_COMPLETION_INDEX 15, --shards 16)", a.source());
        assertEquals(Shard.WHOLE, Schedulers.choose(null, null, Map.of("JOB_COMPLETION_INDEX", "3")).shard(),
                "without --shards an Indexed Job's pod runs what it is told");
    }

    @Test
    void badValuesAreOneLineEach() {
        assertRefused(() -> Schedulers.choose("0/2", 2, NONE), "--shard 0/2 and --shards 2: give one of them");
        assertRefused(() -> Schedulers.choose(null, 0, NONE), "--shards must be at least 1, got 0");
        assertRefused(() -> Schedulers.choose(null, 4, NONE), "neither is set: pass --shard I/4");
        assertRefused(() -> Schedulers.choose(null, 4, Map.of("JOB_COMPLETION_INDEX", "4")),
                "JOB_COMPLETION_INDEX is 4, not below --shards 4");
        assertRefused(() -> Schedulers.choose(null, 4, Map.of("JOB_COMPLETION_INDEX", "x")),
                "JOB_COMPLETION_INDEX is \"x\", not a whole number");
        assertRefused(() -> Schedulers.choose(null, null, Map.of("SLURM_ARRAY_TASK_ID", "2")),
                "SLURM_ARRAY_TASK_COUNT is not: pass --shards N");
        assertRefused(() -> Schedulers.choose(null, 8, Map.of("SLURM_ARRAY_TASK_ID", "2",
                "SLURM_ARRAY_TASK_COUNT", "4")), "--shards 8, but the Slurm array has 4 tasks");
        assertRefused(() -> Schedulers.choose(null, null, Map.of("SLURM_ARRAY_TASK_ID", "7",
                "SLURM_ARRAY_TASK_MIN", "1", "SLURM_ARRAY_TASK_COUNT", "3")),
                "Slurm array task 7 is not one of 3 tasks evenly spaced from 1");  // --array=1,3,7
        assertRefused(() -> Schedulers.choose(null, null, Map.of("SLURM_ARRAY_TASK_ID", "-1",
                "SLURM_ARRAY_TASK_COUNT", "3")), "SLURM_ARRAY_TASK_ID is \"-1\"");
    }

    private static void assertRefused(Runnable r, String mentions) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains(mentions), e.getMessage());
    }
}
