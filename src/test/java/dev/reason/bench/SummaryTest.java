package dev.reason.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason.bench.ProblemResult.ChainResult;
import dev.reason.bench.Summary.Row;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SummaryTest {

    private static final double EPS = 1e-12;

    @TempDir
    Path tmp;

    private static ChainResult chain(String answer, boolean correct, double sumLogprob) {
        return new ChainResult(answer, correct, 10, 0.5, sumLogprob / 10, sumLogprob, sumLogprob, null);
    }

    /**
     * P1 (level 1): a a b - with a right, a surer than b: majority@1 1/2, @2 5/6, @4 1; pass@1 1/2, @2 5/6.
     * P2 (level 2): x x y y with y right, x surer:    majority@1 1/2, @2 1/6 (only {y,y}), @4 0 (tie to x); pass@2 5/6.
     * P3 (level 1): z z z w with z right, w surer:    majority@1 3/4, @2 1/2 ({z,z} x3 of 6), @4 1; pass@2 1.
     */
    private static List<ProblemResult> pool() {
        ProblemResult p1 = new ProblemResult("p1", "t", "level 1", "a", chain("a", true, -3), List.of(
                chain("a", true, -1), chain("a", true, -1), chain("b", false, -5), chain(null, false, -1)));
        ProblemResult p2 = new ProblemResult("p2", "t", "level 2", "y", chain("x", false, -3), List.of(
                chain("x", false, -1), chain("x", false, -1), chain("y", true, -2), chain("y", true, -2)));
        ProblemResult p3 = new ProblemResult("p3", "t", "level 1", "z", null, List.of(
                chain("z", true, -1), chain("z", true, -1), chain("z", true, -1), chain("w", false, -0.1)));
        return List.of(p1, p2, p3);
    }

    private static Row find(Summary s, String group, String method, int k) {
        return s.rows().stream().filter(r -> r.group().equals(group) && r.method().equals(method) && r.k() == k)
                .findFirst().orElseThrow(() -> new AssertionError("no row " + group + " " + method + " " + k));
    }

    @Test
    void handMadePoolGivesTheKnownValues() {
        Summary s = Summary.compute(pool(), 4, true);
        assertEquals(3, s.problems());
        assertEquals((0.5 + 0.5 + 0.75) / 3, find(s, "all", "majority", 1).accuracy(), EPS);
        assertEquals((5.0 / 6 + 1.0 / 6 + 0.5) / 3, find(s, "all", "majority", 2).accuracy(), EPS);
        assertEquals(2.0 / 3, find(s, "all", "majority", 4).accuracy(), EPS);
        assertEquals((0.5 + 0.5 + 0.75) / 3, find(s, "all", "coverage", 1).accuracy(), EPS);
        assertEquals((5.0 / 6 + 5.0 / 6 + 1) / 3, find(s, "all", "coverage", 2).accuracy(), EPS);
        assertEquals(1.0, find(s, "all", "coverage", 4).accuracy(), EPS);
        Row greedy = find(s, "all", "greedy", 1);
        assertEquals(2, greedy.problems()); // p3 has no greedy chain
        assertEquals(0.5, greedy.accuracy(), EPS);
        assertEquals((0.5 + 0.75) / 2, find(s, "level 1", "majority", 1).accuracy(), EPS);
        assertEquals((5.0 / 6 + 0.5) / 2, find(s, "level 1", "majority", 2).accuracy(), EPS);
        assertEquals(1.0, find(s, "level 1", "majority", 4).accuracy(), EPS);
        assertEquals(0.0, find(s, "level 2", "majority", 4).accuracy(), EPS);
        assertEquals(2, find(s, "level 1", "coverage", 4).problems());
    }

    @Test
    void costScalesWithKAndIntervalsAreClipped() {
        Summary s = Summary.compute(pool(), 4, false);
        Row r = find(s, "all", "majority", 2);
        assertEquals(20.0, r.tokens(), EPS);
        assertEquals(1.0, r.seconds(), EPS);
        assertEquals(40.0, find(s, "all", "coverage", 4).tokens(), EPS);
        Row full = find(s, "all", "coverage", 4);
        assertEquals(1.0, full.low(), EPS);
        assertEquals(1.0, full.high(), EPS);
        Row m1 = find(s, "all", "majority", 1);
        assertTrue(m1.low() < m1.accuracy() && m1.accuracy() < m1.high() && m1.high() <= 1.0);
        assertEquals(Estimators.meanCi(new double[] {0.5, 0.5, 0.75}), new Estimators.Estimate(m1.accuracy(), m1.low(), m1.high()));
        assertTrue(s.rows().stream().allMatch(x -> x.group().equals("all")));
    }

    @Test
    void rowOrderAndKs() {
        Summary s = Summary.compute(pool(), 3, true);
        List<String> keys = s.rows().stream().map(r -> r.group() + "/" + r.method() + "@" + r.k()).toList();
        assertEquals(List.of(
                "all/majority@1", "all/majority@2", "all/majority@3",
                "all/coverage@1", "all/coverage@2", "all/coverage@3", "all/greedy@1",
                "level 1/majority@1", "level 1/majority@2", "level 1/majority@3",
                "level 1/coverage@1", "level 1/coverage@2", "level 1/coverage@3", "level 1/greedy@1",
                "level 2/majority@1", "level 2/majority@2", "level 2/majority@3",
                "level 2/coverage@1", "level 2/coverage@2", "level 2/coverage@3", "level 2/greedy@1"), keys);
        // K beyond the pool stops at the pool size.
        assertEquals(4, Summary.compute(pool(), 64, false).rows().stream().mapToInt(Row::k).max().orElseThrow());
        assertEquals(List.of(1, 2, 4, 8), Summary.ks(8));
        assertEquals(List.of(1, 2, 4, 6), Summary.ks(6));
        assertEquals(List.of(1), Summary.ks(1));
        assertEquals(List.of(), Summary.ks(0));
        assertThrows(IllegalArgumentException.class, () -> Summary.compute(pool(), 0, false));
    }

    @Test
    void csvAndJsonAreExactAndDeterministic() throws IOException {
        Summary s = Summary.compute(pool(), 2, false);
        String csv = s.toCsv();
        assertTrue(csv.startsWith("group,method,k,problems,accuracy,ci_low,ci_high,tokens_per_problem,seconds_per_problem\n"
                + "all,majority,1,3,0.583333,"), csv);
        assertTrue(csv.contains("\nall,coverage,2,3,0.888889,"), csv);
        assertTrue(csv.endsWith("\nall,greedy,1,2,0.500000,0.000000,1.000000,10.00,0.5000\n"), csv);
        String json = s.toJson();
        assertTrue(json.startsWith("{\n  \"problems\": 3,\n  \"max_k\": 2,\n  \"samples\": 200,\n  \"seed\": 0,\n  \"rows\": [\n"
                + "    {\"group\": \"all\", \"method\": \"majority\", \"k\": 1, \"problems\": 3, \"accuracy\": 0.583333, "), json);
        assertTrue(json.endsWith("\"tokens_per_problem\": 10.00}\n  ]\n}\n"), json);
        assertFalse(json.contains("seconds"), "wall-clock time would make resumed runs differ");
        s.write(tmp.resolve("out"));
        assertEquals(csv, Files.readString(tmp.resolve("out/summary.csv")));
        assertEquals(json, Files.readString(tmp.resolve("out/summary.json")));
    }

    @Test
    void sampledMajorityIsByteIdenticalAcrossRunsAndInputOrder() {
        // Pools of 16: C(16, 8) = 12870 > 200 subsets, so majority@8 is sampled.
        SplittableRandom random = new SplittableRandom(7);
        List<ProblemResult> results = new ArrayList<>();
        for (int p = 0; p < 30; p++) {
            List<ChainResult> pool = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int a = random.nextInt(4);
                pool.add(new ChainResult(a == 3 ? null : "v" + a, a == 0, 50 + random.nextInt(100),
                        random.nextDouble(), -random.nextDouble(), -2, -random.nextDouble() * 30, null));
            }
            results.add(new ProblemResult("q" + p, "t", p % 2 == 0 ? "even" : "odd", "v0", null, pool));
        }
        String once = Summary.compute(results, 16, true).toJson();
        List<ProblemResult> shuffled = new ArrayList<>(results);
        Collections.shuffle(shuffled, new Random(3));
        assertEquals(once, Summary.compute(shuffled, 16, true).toJson());
        assertEquals(Summary.compute(results, 16, true).toCsv(), Summary.compute(shuffled, 16, true).toCsv());
        assertTrue(once.contains("\"group\": \"odd\", \"method\": \"majority\", \"k\": 8, \"problems\": 15"), once);
        // Another seed draws other subsets.
        Row seeded = find(Summary.compute(results, 16, false, 200, 99), "all", "majority", 8);
        Row base = find(Summary.compute(results, 16, false), "all", "majority", 8);
        assertTrue(Math.abs(seeded.accuracy() - base.accuracy()) < 0.1);
    }

    @Test
    void problemsWithoutAPoolOnlyCountForGreedy() {
        List<ProblemResult> results = new ArrayList<>(pool());
        results.add(new ProblemResult("p4", "t", null, "q", chain("q", true, -1), List.of()));
        Summary s = Summary.compute(results, 4, true);
        assertEquals(3, find(s, "all", "majority", 4).problems());
        assertEquals(3, find(s, "all", "greedy", 1).problems());
        assertEquals(2.0 / 3, find(s, "all", "greedy", 1).accuracy(), EPS);
        assertTrue(s.rows().stream().noneMatch(r -> r.group().equals("null")));
    }
}
