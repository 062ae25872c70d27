package dev.reason.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.reason.testing.Programs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * benchmarks/device/summarize.py, the table the GPU run ends with and the numbers the GPU issue is judged on: run
 * on a work folder laid out as run.sh leaves it, with result files in the formats reason throughput, reason check
 * and hf_generate.py write. Needs python3 (standard library only); skips without it.
 */
class DeviceSummaryTest {
    private static final Path SCRIPT = Path.of("benchmarks", "device", "summarize.py");

    @TempDir
    Path work;
    @TempDir
    Path out;

    @BeforeEach
    void layOutARun() throws IOException {
        write("env.txt", "gpu=1\ngpu_name=NVIDIA H200\ndriver=580.159.04\ncuda=13.0\nbundle=abc1234\n");
        write("status.tsv", String.join("\n",
                "throughput:qwen-cuda\tok\t0\t120\t",
                "hf:qwen\tok\t0\t200\t",
                "check:reason-mini:fp32\tok\t0\t40\t",
                "check:reason-mini:bf16\ttimeout\t124\t150\ttimed out",
                "check:llama-small:fp32\tfail\t6\t30\tcheck FAILED",
                "ncu:qwen-64\tskipped\t-\t0\tncu not found", ""));
        // ThroughputCommand's columns; roofline empty on the CPU
        write("results/throughput-qwen/throughput.csv", String.join("\n",
                "device,parallel,decode_tps,prefill_tps,backend_share,torch_tps,roofline_tps",
                "cuda,1,450.0,30000.0,0.9000,,4500.0",
                "cuda,16,7000.0,60000.0,0.9500,,70000.0",
                "cuda,64,21050.0,90000.0,0.9700,,263125.0", ""));
        // hf_generate.py's columns
        write("results/hf-qwen.csv", String.join("\n",
                "parallel,prompt_len,gen_len,seconds,tps,prefill_seconds,decode_tps,dtype,gpu,torch,transformers,peak_mem_gib",
                "1,128,256,19.7,13.0,0.08,13.0,bfloat16,NVIDIA H200,2.11.0,5.17.0,1.1",
                "16,128,256,20.9,196.0,0.09,196.0,bfloat16,NVIDIA H200,2.11.0,5.17.0,1.3",
                "64,128,256,18.7,877.0,0.10,877.0,bfloat16,NVIDIA H200,2.11.0,5.17.0,2.0", ""));
        // CheckCommand's JSON: a passed fp32 check, and a bf16 check its step's time cap interrupted
        write("results/check-reason-mini-fp32.json", check(50, 50, false, 3.7e-5, 1.1e-6, 50));
        write("results/check-reason-mini-bf16.json", check(12, 50, true, 0.05, 8.5e-3, 12));
        write("results/check-llama-small-fp32.json", check(50, 50, false, 2.5e-3, 1e-4, 47));
    }

    @Test
    void finalSummaryHasTheRatiosTheIssueAsksFor() throws Exception {
        String text = summarize();
        assertTrue(text.startsWith("== reason on the device: NVIDIA H200 (driver 580.159.04, CUDA 13.0); bundle abc1234 =="),
                text);
        assertFalse(text.contains("PARTIAL"), text);
        // reason / transformers and the share of the roofline, per number of chains
        assertTrue(text.contains("| 64 | 21050 | 877 | 24.00x | 263125 | 8.0% |"), text);
        assertTrue(text.contains("| 1 | 450 | 13 | 34.62x | 4500 | 10.0% |"), text);
        assertTrue(text.contains("| 256 | - | - | - | - | - |"), text);
        assertTrue(text.contains("| reason-mini | pass, max abs diff 3.7e-05, rel L2 1.1e-06, greedy 50/50 | "
                + "TIMED OUT after 12 of 50 prompts, max abs diff 5.0e-02, rel L2 8.5e-03, greedy 12/12 |"), text);
        assertTrue(text.contains("| llama-small | FAIL (exit 6), max abs diff 2.5e-03, rel L2 1.0e-04, greedy 47/50 |"),
                text);
        assertTrue(text.contains("ncu: skipped\n"), text);
        assertTrue(text.contains("steps: 3 ok, 2 failed (check:llama-small:fp32 check:reason-mini:bf16), 1 skipped"),
                text);

        assertEquals(text, Files.readString(out.resolve("summary.md")));
        JsonNode json = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        JsonNode at64 = json.get("throughput_qwen").get(2);
        assertEquals(64, at64.get("chains").asInt());
        assertEquals(21050.0 / 877.0, at64.get("reason_cuda_tps").asDouble() / at64.get("transformers_decode_tps").asDouble(),
                1e-9);
        assertEquals(0.08, at64.get("roofline_fraction").asDouble(), 1e-9);
        assertFalse(json.has("partial"));
    }

    @Test
    void partialSummaryIsMarkedWrittenWholeAndQuiet() throws Exception {
        Files.writeString(out.resolve("summary.md"), "an earlier step's summary");
        String printed = summarize("--partial", "hf", "--quiet");
        assertEquals("", printed);
        String text = Files.readString(out.resolve("summary.md"));
        assertTrue(text.lines().skip(1).findFirst().orElse("").startsWith("PARTIAL: written after step hf;"), text);
        assertTrue(text.contains("| 64 | 21050 | 877 | 24.00x |"), text);
        assertEquals("hf", new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("partial").asText());
        try (var files = Files.list(out)) {
            assertEquals(List.of("summary.json", "summary.md"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temporary file is left behind");
        }
    }

    @Test
    void ncuTableIsTheWholeDecodeStepsBetweenTwoDraws() throws Exception {
        // A window that starts and ends inside a step: gemm | sample_rows | gemm gemm attention sample_rows | gemm
        // gemm attention sample_rows | gemm. Only the launches after the first draw up to the last count, per step.
        StringBuilder csv = new StringBuilder("==PROF== Connected to process 1\n\"ID\",\"Kernel Name\",\"Grid Size\","
                + "\"Metric Name\",\"Metric Unit\",\"Metric Value\"\n");
        String[] kernels = {"gemm_bf16", "sample_rows", "gemm_bf16", "gemm_bf16", "attention_bf16", "sample_rows",
            "gemm_bf16", "gemm_bf16", "attention_bf16", "sample_rows", "gemm_bf16"};
        for (int id = 0; id < kernels.length; id++) {
            int ns = switch (kernels[id]) {
                case "gemm_bf16" -> 10_000;
                case "attention_bf16" -> 40_000;
                default -> id == 1 ? 999_000 : 200_000;  // the first draw is outside the whole steps
            };
            csv.append(String.format("\"%d\",\"%s\",\"(64, 1, 1)\",\"Duration\",\"ns\",\"%,d\"%n", id, kernels[id], ns));
            csv.append(String.format("\"%d\",\"%s\",\"(64, 1, 1)\",\"DRAM Throughput\",\"%%\",\"10.5\"%n", id,
                    kernels[id]));
        }
        write("results/ncu-qwen-64.csv", csv.toString());
        write("status.tsv", "ncu:qwen-64\ttimeout\t124\t180\ttimed out\n");
        String text = summarize();
        assertTrue(text.contains("ncu, a decode step at 64 chains, mean of 2 (4 launches, 260 us of kernels): "
                + "sample_rows (64,1,1) 200 us (DRAM 10%, SM ?) · attention_bf16 (64,1,1) 40 us"), text);
        JsonNode ncu = new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("ncu_64");
        assertEquals(2, ncu.get("steps").asInt());
        assertEquals(2.0, ncu.get("kernels").get(2).get("launches").asDouble(), 1e-9);  // gemm_bf16, twice a step
    }

    @Test
    void ncuDetailAveragesEachKernelsLaunches() throws Exception {
        StringBuilder csv = new StringBuilder("==PROF== Connected to process 1\n\"ID\",\"Kernel Name\",\"Grid Size\","
                + "\"Metric Name\",\"Metric Unit\",\"Metric Value\"\n");
        String[][] rows = {
            {"0", "attention_bf16_d64", "Duration", "nsecond", "4,000"},
            {"0", "attention_bf16_d64", "Achieved Occupancy", "%", "40"},
            {"1", "attention_bf16_d64", "Duration", "nsecond", "6,000"},
            {"1", "attention_bf16_d64", "Achieved Occupancy", "%", "50"},
            {"2", "sample_rows", "Duration", "usecond", "300"},
            {"2", "sample_rows", "Warp Cycles Per Issued Instruction", "cycle", "12.5"},
            {"2", "sample_rows", "Issued Warp Per Scheduler", "", "0.31"}};
        for (String[] r : rows) {
            csv.append(String.format("\"%s\",\"%s\",\"(64, 2, 2)\",\"%s\",\"%s\",\"%s\"%n", r[0], r[1], r[2], r[3], r[4]));
        }
        write("results/ncu-detail-qwen-64.csv", csv.toString());
        write("status.tsv", "ncu:detail-qwen-64\tok\t0\t60\t\n");
        String text = summarize();
        assertTrue(text.contains("ncu detail at 64 chains: attention_bf16_d64 (64,2,2), 2 launches: us 5, occupancy % 45"
                + " · sample_rows (64,2,2), 1 launches: us 300, issued/cycle/scheduler 0.31, cycles between a warp's"
                + " instructions 12.5\n"), text);
    }

    @Test
    void kernelProfileAddsUpTheDrawsKernels() throws Exception {
        // ThroughputCommand's kernels.csv: 10 steps of 20 ms, the draw's three kernels 1.2 ms of them
        write("results/throughput-qwen-profile/kernels.csv", String.join("\n",
                "parallel,kernel,launches,ms,steps,decode_ms",
                "64,attention_bf16_d64 64x2x2,240,5.000,10,20.000",
                "64,sample_search 9x64x1,100,0.800,10,20.000",
                "64,gemm_bf16 1x14x19,240,3.000,10,20.000",
                "64,sample_stats 9x64x1,10,0.300,10,20.000",
                "64,sample_rows 1x64x1,10,0.100,10,20.000", ""));
        String text = summarize();
        assertTrue(text.contains("kernels at 64 chains, per step (profiled, no graphs): attention_bf16_d64 64x2x2 500 us"
                + " (25%) · gemm_bf16 1x14x19 300 us (15%) · sample_search 9x64x1 80 us (4%) · sample_stats 9x64x1 30 us"
                + " (2%) · sample_rows 1x64x1 10 us (0%); the draw (sample_*) 120 us (6%); all kernels 46% of decode"
                + " time\n"), text);
    }

    @Test
    void tuneRunsSideBySideInTheOrderTheyRan() throws Exception {
        String[][] runs = {  // name, settings, decode tok/s
            {"default", "", "21050.0"}, {"split-64", "REASON_CUDA_SPLIT_MIN_K=64", "23100.4"},
            {"sample-8", "REASON_CUDA_SAMPLE_BLOCKS=8", "21500.0"},
            {"best", "REASON_CUDA_SPLIT_MIN_K=64 REASON_CUDA_SAMPLE_BLOCKS=8", "23980.0"},
            {"default-again", "", "20950.0"}};
        for (String[] r : runs) {
            write("results/tune-" + r[0] + "/throughput.csv", String.join("\n",
                    "device,parallel,decode_tps,prefill_tps,backend_share,torch_tps,roofline_tps",
                    "cuda,64," + r[2] + ",90000.0,0.9700,,263125.0", ""));
            write("results/tune-" + r[0] + "/settings.txt", r[1] + "\n");
        }
        write("results/hf-qwen.csv", String.join("\n", "parallel,tps,decode_tps", "64,1000.0,1100.0", ""));
        write("status.tsv", String.join("\n", "tune:default\tok\t0\t8\t", "tune:split-64\tok\t0\t8\t",
                "tune:split-128\tfail\t1\t5\t", "tune:sample-8\tok\t0\t8\t",
                "tune:sample-16\tskipped\t-\t0\tnot enough time left", "tune:best\tok\t0\t8\t",
                "tune:default-again\tok\t0\t8\t", ""));
        String text = summarize();
        assertTrue(text.contains("""
                tune (launch settings, cuda/Tuning.java; best: each one's fastest value together), decode tok/s at 64\
                 chains, prompt 128, 256 new tokens:
                  default: 21050 (19.14x transformers)
                  split-64 (REASON_CUDA_SPLIT_MIN_K=64): 23100 (21.00x transformers)
                  split-128: failed (exit 1)
                  sample-8 (REASON_CUDA_SAMPLE_BLOCKS=8): 21500 (19.55x transformers)
                  sample-16: skipped
                  best (REASON_CUDA_SPLIT_MIN_K=64 REASON_CUDA_SAMPLE_BLOCKS=8): 23980 (21.80x transformers)
                  default-again: 20950 (19.05x transformers)
                """), text);
        JsonNode tune = new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("tune_at_64_chains");
        assertEquals("split-64", tune.get(1).get("run").asText());
        assertEquals(23100.4, tune.get(1).get("reason_cuda_tps").asDouble(), 1e-9);
        assertEquals(21.0004, tune.get(1).get("vs_transformers").asDouble(), 1e-4);
        assertTrue(tune.get(2).get("reason_cuda_tps").isNull());
        assertTrue(tune.get(0).get("settings").isNull());
    }

    @Test
    void bestSettingsOverTheWholeTableAndUnderCheck() throws Exception {
        write("results/tune-best/throughput.csv", String.join("\n",
                "device,parallel,decode_tps,prefill_tps,backend_share,torch_tps,roofline_tps",
                "cuda,1,520.0,30000.0,0.9000,,4500.0",
                "cuda,16,8400.0,60000.0,0.9500,,70000.0",
                "cuda,64,23980.0,90000.0,0.9700,,263125.0", ""));
        write("results/tune-best/settings.txt", "REASON_CUDA_SPLIT_MIN_K=64\n");
        write("results/tune-check-reason-mini-fp32.json", check(50, 50, false, 3.1e-5, 5e-7, 50));
        write("results/tune-check-reason-mini-bf16.json", check(50, 50, false, 0.17, 2.5e-3, 50));
        write("results/tune-check-qwen2-0.5b-bf16.json", check(5, 5, false, 0.06, 1.0e-2, 2));
        write("status.tsv", String.join("\n", "throughput:qwen-cuda\tok\t0\t120\t", "hf:qwen\tok\t0\t200\t",
                "tune:best\tok\t0\t15\t", "tune-check:reason-mini:fp32\tok\t0\t5\t",
                "tune-check:reason-mini:bf16\tok\t0\t5\t", "tune-check:qwen2-0.5b:fp32\ttimeout\t124\t150\ttimed out",
                "tune-check:qwen2-0.5b:bf16\tfail\t8\t14\tcheck FAILED", ""));
        String text = summarize();
        // against the same run's transformers (13, 196, 877 tok/s; none at 256 chains)
        assertTrue(text.contains("\n  best, every row: 1: 520 (40.00x) · 16: 8400 (42.86x) · 64: 23980 (27.34x)\n"),
                text);
        assertTrue(text.contains("\n  best, reason check: reason-mini fp32 pass, max abs diff 3.1e-05, rel L2 5.0e-07,"
                + " greedy 50/50; reason-mini bf16 pass, max abs diff 1.7e-01, rel L2 2.5e-03, greedy 50/50;"
                + " qwen2-0.5b fp32 timed out; qwen2-0.5b bf16 FAIL (exit 8), max abs diff 6.0e-02, rel L2 1.0e-02,"
                + " greedy 2/5\n"), text);
        JsonNode best = new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("tune_best");
        assertEquals(27.343, best.get("throughput").get(2).get("vs_transformers").asDouble(), 1e-3);
        assertTrue(best.get("throughput").get(3).get("reason_cuda_tps").isNull());
        assertEquals("ok", best.get("check").get("reason-mini:bf16").get("status").asText());
        assertEquals(8, best.get("check").get("qwen2-0.5b:bf16").get("rc").asInt());
    }

    private static String check(int prompts, int asked, boolean interrupted, double maxAbs, double relL2, int agreed) {
        return String.format(Locale.ROOT, """
                {"model": "models/x", "device": "NVIDIA H200", "precision": "fp32", "prompts": %d, "prompts_asked": %d,
                 "interrupted": %b, "steps": 32, "passed": %b,
                 "prompt_max_abs": %s, "prompt_rel_l2": %s, "prompt_worst_row_rel": 0.5,
                 "decode_max_abs": %s, "decode_rel_l2": %s, "decode_worst_row_rel": 0.5,
                 "cache_vs_full_max_abs": 0.0, "cache_vs_full_rel_l2": 0.0, "cache_vs_full_worst_row_rel": 0.5,
                 "greedy_agreed": %d, "greedy_near_ties": 0, "greedy_prompts": %d}
                """, prompts, asked, interrupted, !interrupted && agreed == prompts, maxAbs / 2, relL2 / 2, maxAbs,
                relL2, agreed, prompts);
    }

    private void write(String relative, String text) throws IOException {
        Path p = work.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    private String summarize(String... extra) throws Exception {
        Optional<Path> python = Programs.find("python3");
        assumeTrue(python.isPresent(), "python3 is not on PATH: summarize.py needs it");
        List<String> command = new ArrayList<>(List.of(python.get().toString(), SCRIPT.toString(),
                "--work", work.toString(), "--repo", ".", "--out", out.toString()));
        command.addAll(List.of(extra));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "summarize.py did not finish");
        assertEquals(0, p.exitValue(), output);
        return output;
    }
}
