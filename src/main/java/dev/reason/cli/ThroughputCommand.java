package dev.reason.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reason.bench.Charts;
import dev.reason.engine.DeviceException;
import dev.reason.engine.Engine;
import dev.reason.engine.KernelTime;
import dev.reason.engine.choice.Engines;
import dev.reason.model.ModelDirectory;
import dev.reason.runtime.Generator;
import dev.reason.sampling.SamplingParams;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code reason throughput}: decode and prefill tokens/s of the real decode loop per device and batch size,
 * optionally side by side with the recipe's PyTorch KV-cache sampling loop on the same weights.
 */
@Command(name = "throughput", mixinStandardHelpOptions = true,
        description = "Measures decode and prefill tokens/s per device and number of parallel chains.")
final class ThroughputCommand implements Callable<Integer> {
    @Option(names = "--device", split = ",", defaultValue = "cpu", paramLabel = "cpu,cuda",
            description = "Devices to measure (cpu, cuda, cuda:N: several GPUs side by side); a missing one is "
                    + "reported, not fatal (default: ${DEFAULT-VALUE}).")
    List<String> devices;

    @Option(names = "--parallel", split = ",", defaultValue = "1,4,16,64", paramLabel = "N,N,...",
            description = "Parallel chain counts (default: ${DEFAULT-VALUE}).")
    List<Integer> parallel;

    @Option(names = "--prompt-len", defaultValue = "128", description = "Prompt tokens (default: ${DEFAULT-VALUE}).")
    int promptLen;

    @Option(names = "--gen-len", defaultValue = "256", description = "Tokens generated per chain (default: ${DEFAULT-VALUE}).")
    int genLen;

    @Option(names = "--compare-torch", description = "Also time models/recipe/generate.py (PyTorch, same weights and threads).")
    boolean compareTorch;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch for --compare-torch (default: ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--out", paramLabel = "DIR", description = "Also write throughput.csv and a chart (PNG, SVG) there.")
    Path outDir;

    @Mixin
    ModelOptions modelOptions;

    @ParentCommand
    Main parent;

    /**
     * @param rooflineTps the GPU's memory-bandwidth bound: each decode step reads the weights once and every chain's
     *                    KV cache (at the mean context length), at the measured device copy bandwidth; null on CPU
     */
    record Row(String device, int parallel, double decodeTps, double prefillTps, double backendShare, Double torchTps,
               Double rooflineTps) {
    }

    @Override
    public Integer call() throws IOException {
        PrintStream out = parent.out;
        if (promptLen < 1 || genLen < 1) {
            throw new IllegalArgumentException("--prompt-len and --gen-len must be at least 1, got " + promptLen
                    + " and " + genLen);
        }
        List<Row> rows = new ArrayList<>();
        List<KernelRow> kernels = new ArrayList<>();
        boolean interrupted = false;
        Map<String, String> unavailable = new LinkedHashMap<>();  // device -> why it could not be opened
        try (ModelDirectory model = modelOptions.open()) {
            int context = model.config().maxPositions();
            if (promptLen + genLen > context) {  // positions the model was never trained for: not its speed
                throw new IllegalArgumentException("--prompt-len " + promptLen + " + --gen-len " + genLen
                        + " exceed the model's context of " + context + " positions: use shorter lengths");
            }
            Map<Integer, Double> torch = compareTorch ? torchBaseline(out) : Map.of();
            int[] prompt = promptOfLength(model.promptIds("What is 47 + 38 * 2 - 19?", modelOptions.promptOptions()), promptLen);
            for (String device : devices) {
                if (interrupted) {
                    break;
                }
                Engine engine;
                try {
                    // Notices (fewer chains than asked, kernels launched without graphs) qualify the numbers: shown.
                    engine = Engines.open(model, device, modelOptions.threads, modelOptions.precision,
                            parent.err::println);
                } catch (DeviceException e) {
                    unavailable.put(device, e.getMessage());
                    continue;
                }
                try (engine) {
                    measure(engine, prompt, 1, 8); // warm-up: first runs pay for allocation and code loading
                    engine.takeKernelProfile();    // drops the warm-up's
                    for (int p : parallel) {
                        if (parent.interrupted()) {
                            interrupted = true;
                            break;
                        }
                        Generator.Stats s = measure(engine, prompt, p, genLen);
                        rows.add(new Row(device, p, s.tokens() / (s.decodeNanos() / 1e9),
                                prompt.length / (s.prefillNanos() / 1e9), (double) s.backendNanos() / s.decodeNanos(),
                                torch.get(p), roofline(engine, p)));
                        for (KernelTime t : engine.takeKernelProfile()) {
                            kernels.add(new KernelRow(p, s.steps(), s.decodeNanos() / 1e6, t));
                        }
                        writeCsvs(rows, kernels);  // each measurement is kept, even if the run is killed later
                    }
                }
            }
        }
        if (rows.isEmpty() && !unavailable.isEmpty() && !interrupted) {  // nothing to show: the device's error
            parent.err.println("reason: " + unavailable.values().iterator().next());
            return ExitCodes.DEVICE;
        }
        unavailable.forEach((device, why) -> out.println(device + ": not measured (" + why + ")"));
        print(out, rows);
        printKernels(out, kernels);
        if (outDir != null && !rows.isEmpty()) {  // the CSVs were written after each measurement
            chart(rows, outDir);
            out.println("wrote " + outDir.resolve("throughput.csv") + " and throughput.png/.svg");
        }
        if (interrupted) {
            parent.err.println("reason: interrupted; the table holds the " + rows.size() + " of "
                    + devices.size() * parallel.size() + " measurements finished");
            return ExitCodes.INTERRUPTED;
        }
        return unavailable.isEmpty() ? ExitCodes.ANSWERED : ExitCodes.DEVICE;  // a device asked for is missing
    }

    private void writeCsvs(List<Row> rows, List<KernelRow> kernels) throws IOException {
        if (outDir == null) {
            return;
        }
        Files.createDirectories(outDir);
        writeCsv(rows, outDir.resolve("throughput.csv"));
        if (!kernels.isEmpty()) {
            writeKernelCsv(kernels, outDir.resolve("kernels.csv"));
        }
    }

    /** GPU time of one kernel over a measured run of {@code parallel} chains (REASON_CUDA_PROFILE=1). */
    record KernelRow(int parallel, int steps, double decodeMs, KernelTime time) {
    }

    /** Per number of chains: each kernel's GPU time per decode step (prefill included) and its share of the step. */
    static void printKernels(PrintStream out, List<KernelRow> kernels) {
        Integer shown = null;
        for (KernelRow k : kernels) {
            if (!Integer.valueOf(k.parallel()).equals(shown)) {
                shown = k.parallel();
                out.printf(Locale.ROOT, "%ncuda kernels at %d chains (REASON_CUDA_PROFILE=1, no CUDA graphs; CUDA"
                        + " events around each launch, prefill included):%n", k.parallel());
                out.println("| kernel | launches | us per step | of the decode time |");
                out.println("|---|---:|---:|---:|");
            }
            out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f%% |%n", k.time().kernel(), k.time().launches(),
                    1000 * k.time().milliseconds() / k.steps(), 100 * k.time().milliseconds() / k.decodeMs());
        }
    }

    private static void writeKernelCsv(List<KernelRow> kernels, Path csv) throws IOException {
        StringBuilder sb = new StringBuilder("parallel,kernel,launches,ms,steps,decode_ms\n");
        for (KernelRow k : kernels) {
            sb.append(String.format(Locale.ROOT, "%d,%s,%d,%.3f,%d,%.3f%n", k.parallel(), k.time().kernel(),
                    k.time().launches(), k.time().milliseconds(), k.steps(), k.decodeMs()));
        }
        replace(csv, sb.toString());
    }

    /** The real decode loop with every chain running to exactly genLen tokens. */
    private Generator.Stats measure(Engine engine, int[] prompt, int p, int tokens) {
        Generator.Params params = new Generator.Params(
                new SamplingParams(0.8f, 0.95f, 0, 0f), p, tokens, 1, new int[0], 5).pastAnswers();
        return new Generator(engine, () -> i -> "", params).runChains(prompt, p, new ArrayList<>());
    }

    /** The engine's bandwidth bound at the run's mean context, or null where it has none (the CPU). */
    private Double roofline(Engine engine, int chains) {
        OptionalDouble bound = engine.roofline(chains, promptLen + genLen / 2.0);
        return bound.isPresent() ? bound.getAsDouble() : null;
    }

    /** The CPU's tokens/s at the same number of chains, when it was measured too. */
    private static Double cpuTps(List<Row> rows, int parallel) {
        return rows.stream().filter(r -> r.device().equals("cpu") && r.parallel() == parallel)
                .map(Row::decodeTps).findFirst().orElse(null);
    }

    static int[] promptOfLength(int[] base, int length) {
        int[] out = new int[length];
        for (int i = 0; i < length; i++) {
            out[i] = base[i % base.length];
        }
        return out;
    }

    private Map<Integer, Double> torchBaseline(PrintStream out) throws IOException {
        Path script = ModelOptions.home().resolve("models/recipe/generate.py");
        List<String> cmd = List.of(python, script.toString(), "--onnx-dir", modelOptions.modelDir().toString(),
                "--throughput", parallel.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse("1"),
                "--prompt-len", String.valueOf(promptLen), "--gen-len", String.valueOf(genLen),
                "--threads", String.valueOf(modelOptions.threads));
        Map<Integer, Double> result = new HashMap<>();
        Process proc;
        try {
            proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {  // no such program: the comparison is missing, not the measurement
            out.println("pytorch: not measured (cannot run --python " + python + ": point it at a python3 with torch)");
            return result;
        }
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    JsonNode n = json.readTree(line);
                    result.put(n.get("parallel").asInt(), n.get("tokens_per_s").asDouble());
                }
            }
        }
        try {
            if (proc.waitFor() != 0 || result.isEmpty()) {
                out.println("pytorch: not measured (" + String.join(" ", cmd) + " failed: is torch installed for " + python + "?)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return result;
    }

    private void print(PrintStream out, List<Row> rows) {
        out.printf(Locale.ROOT, "prompt %d tokens, %d generated per chain, %d threads%n", promptLen, genLen, modelOptions.threads);
        out.println("| device | parallel | decode tok/s | prefill tok/s | time in backend | roofline tok/s | of roofline"
                + " | vs cpu | pytorch tok/s | vs pytorch |");
        out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row r : rows) {
            Double cpu = r.device().equals("cpu") ? null : cpuTps(rows, r.parallel());
            out.printf(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.1f%% | %s | %s | %s | %s | %s |%n", r.device(), r.parallel(),
                    r.decodeTps(), r.prefillTps(), 100 * r.backendShare(), number(r.rooflineTps(), "%.0f"),
                    r.rooflineTps() == null ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * r.decodeTps() / r.rooflineTps()),
                    cpu == null ? "-" : String.format(Locale.ROOT, "%.1fx", r.decodeTps() / cpu), number(r.torchTps(), "%.0f"),
                    r.torchTps() == null ? "-" : String.format(Locale.ROOT, "%.2fx", r.decodeTps() / r.torchTps()));
        }
    }

    private static String number(Double x, String format) {
        return x == null ? "-" : String.format(Locale.ROOT, format, x);
    }

    private void chart(List<Row> rows, Path dir) {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Row r : rows) {
            series.computeIfAbsent("reason, " + r.device(), k -> new ArrayList<>()).add(new double[] {r.parallel(), r.decodeTps()});
            if (r.torchTps() != null && r.device().equals("cpu")) {
                series.computeIfAbsent("PyTorch loop (recipe), cpu", k -> new ArrayList<>()).add(new double[] {r.parallel(), r.torchTps()});
            }
        }
        Map<String, double[][]> arrays = new LinkedHashMap<>();
        series.forEach((k, v) -> arrays.put(k, v.toArray(new double[0][])));
        Charts.curves(String.format(Locale.ROOT, "Decode throughput (prompt %d, %d new tokens, %d threads)",
                promptLen, genLen, modelOptions.threads), "parallel chains", "decode tokens/s", arrays, true, true, dir, "throughput");
    }

    private void writeCsv(List<Row> rows, Path csv) throws IOException {
        StringBuilder sb = new StringBuilder("device,parallel,decode_tps,prefill_tps,backend_share,torch_tps,roofline_tps\n");
        for (Row r : rows) {
            sb.append(String.format(Locale.ROOT, "%s,%d,%.1f,%.1f,%.4f,%s,%s%n", r.device(), r.parallel(), r.decodeTps(),
                    r.prefillTps(), r.backendShare(), r.torchTps() == null ? "" : String.format(Locale.ROOT, "%.1f", r.torchTps()),
                    r.rooflineTps() == null ? "" : String.format(Locale.ROOT, "%.1f", r.rooflineTps())));
        }
        replace(csv, sb.toString());
    }

    /** Writes through a temporary file, so that a run killed while writing leaves the previous version whole. */
    private static void replace(Path file, String text) throws IOException {
        Path part = file.resolveSibling(file.getFileName() + ".part");
        Files.writeString(part, text);
        Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
