package dev.reason.cli;

import dev.reason.bench.Equivalence;
import dev.reason.engine.cuda.CudaEngine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line: every bad input gives one line naming the problem, a distinct exit code, no stack trace. */
class CliTest {
    static final Path MODEL = Path.of("models", "reason-mini");
    private static final ObjectMapper JSON = new ObjectMapper();

    record Run(int code, String out, String err) {
    }

    static Run reason(String... args) {
        return reasonWithInput("", args);
    }

    /** The same with {@code stdin} as standard input. */
    static Run reasonWithInput(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void assertOneLineError(Run r, int code, String mentions) {
        assertEquals(code, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, "one line expected, got: " + r.err());
        assertTrue(lines[0].startsWith("reason: "), lines[0]);
        assertTrue(lines[0].contains(mentions), lines[0] + " should mention " + mentions);
        assertFalse(r.err().contains("\tat "), "no stack trace");
    }

    /** picocli reads descriptions as format strings: a lone % prints a warning on stderr above the help. */
    @Test
    void everyHelpRendersWithoutFormatWarnings() {
        PrintStream stderr = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
            for (String[] args : new String[][] {{"--help"}, {"bench", "--help"}, {"bench", "merge", "--help"},
                    {"throughput", "--help"}, {"check", "--help"}, {"info", "--help"}, {"serve", "--help"}}) {
                Run r = reason(args);
                assertEquals(0, r.code(), String.join(" ", args) + ": " + r.err());
                assertTrue(r.out().startsWith("Usage: reason"), r.out());
            }
        } finally {
            System.setErr(stderr);
        }
        assertEquals("", warnings.toString(StandardCharsets.UTF_8));
    }

    @Test
    void versionSaysWhetherTheGpuEngineCanRun() {
        Run r = reason("--version");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("reason "), lines.get(0));
        String cuda = CudaEngine.unavailable().map(why -> "cuda: not available (" + why).orElse("cuda: ");
        assertTrue(lines.get(1).startsWith(cuda), lines.get(1));
        if (CudaEngine.unavailable().equals(Optional.of(CudaEngine.NO_DRIVER))) {
            assertTrue(lines.get(1).endsWith("; if the driver is installed elsewhere, set REASON_CUDA_DRIVER to its "
                    + "folder)"), lines.get(1));
        }
    }

    @Test
    void aBf16ExportIsToldToUseFp32Fp16OrTheGpu() {
        assertOneLineError(reason("--model", "src/test/resources/models/bf16-kv", "--device", "cpu", "What is 1+1?"),
                ExitCodes.MODEL, "model.onnx keeps its KV cache in BFLOAT16: the CPU engine runs fp32 or fp16 KV caches: choose such a file with --onnx");
    }

    @Test
    void emptyOrBlankQuestion() {
        assertOneLineError(reason("--model", MODEL.toString()), ExitCodes.BAD_QUESTION, "question is empty");
        assertOneLineError(reason("--model", MODEL.toString(), "   "), ExitCodes.BAD_QUESTION, "question is empty");
    }

    /** {@code -} reads the question from standard input: the same run as the question given as an argument. */
    @Test
    void aDashReadsTheQuestionFromStandardInput() throws IOException {
        List<String> options = List.of("--model", MODEL.toString(), "--budget", "4x", "--parallel", "4", "--seed", "3",
                "--json");
        Run fromArgs = reason(Stream.concat(options.stream(), Stream.of("What is 12 * 7 - 5?")).toArray(String[]::new));
        Run fromStdin = reasonWithInput("  What is 12 * 7 - 5?\n",
                Stream.concat(options.stream(), Stream.of("-")).toArray(String[]::new));
        assertEquals(fromArgs.code(), fromStdin.code(), fromStdin.err());
        var a = (ObjectNode) JSON.readTree(fromArgs.out());
        var b = (ObjectNode) JSON.readTree(fromStdin.out());
        assertEquals("What is 12 * 7 - 5?", b.get("question").asText());
        for (var o : List.of(a, b)) {  // the clock's readings differ, nothing else
            o.remove(List.of("seconds", "tokens_per_second"));
            o.get("chains").forEach(c -> ((ObjectNode) c).remove("seconds"));
        }
        assertEquals(a, b);
        assertOneLineError(reasonWithInput(" \n", "--model", MODEL.toString(), "-"), ExitCodes.BAD_QUESTION,
                "standard input held no question: pipe one in, e.g. echo");
    }

    /**
     * --system puts a system message first, as apply_chat_template does (rendering: ChatTemplateTest); --json records
     * it with the prompt's length. The shipped model's own template takes none: a usage error naming --system.
     */
    @Test
    void aSystemMessageReachesTheTemplateOrIsRefusedInOneLine(@TempDir Path tmp) throws IOException {
        Path chatml = copyModel(tmp);
        Files.copy(Path.of("src", "test", "resources", "chat-templates", "chatml-loop.jinja"),
                chatml.resolve("chat_template.jinja"), StandardCopyOption.REPLACE_EXISTING);
        List<String> options = List.of("--model", chatml.toString(), "--budget", "1x", "--max-tokens", "4", "--json");
        Run plain = reason(Stream.concat(options.stream(), Stream.of("What is 2 + 3?")).toArray(String[]::new));
        Run system = reason(Stream.concat(options.stream(), Stream.of("--system", "Answer with a number.",
                "What is 2 + 3?")).toArray(String[]::new));
        // four tokens may or may not reach an answer, with or without the system line
        for (Run r : List.of(plain, system)) {
            assertTrue(r.code() == ExitCodes.ANSWERED || r.code() == ExitCodes.NO_ANSWER, r.err());
        }
        var p = JSON.readTree(plain.out());
        var s = JSON.readTree(system.out());
        assertTrue(p.get("system").isNull(), plain.out());
        assertEquals("Answer with a number.", s.get("system").asText());
        // chatml-loop writes its default system prompt when none is given, the given one otherwise
        assertNotEquals(p.get("prompt_tokens"), s.get("prompt_tokens"));

        // bench: run.json names the system message, so --resume with another one is refused
        Path set = tmp.resolve("two.jsonl");
        Files.writeString(set, "{\"id\": \"a\", \"question\": \"What is 2 + 3?\", \"answer\": \"5\"}\n");
        Path out = tmp.resolve("bench");
        List<String> bench = List.of("bench", "--model", chatml.toString(), "--dataset", set.toString(), "--samples", "1",
                "--no-greedy", "--max-tokens", "4", "--out", out.toString());
        Run recorded = reason(Stream.concat(bench.stream(), Stream.of("--system", "Be brief.")).toArray(String[]::new));
        assertEquals(ExitCodes.ANSWERED, recorded.code(), recorded.err());
        assertEquals("Be brief.", JSON.readTree(out.resolve("run.json").toFile()).get("system").asText());
        assertOneLineError(reason(Stream.concat(bench.stream(), Stream.of("--resume", "--system", "Be long."))
                .toArray(String[]::new)), ExitCodes.USAGE, "was made with other settings");
        assertOneLineError(reason("--model", MODEL.toString(), "--system", "Be brief.", "What is 1+1?"),
                ExitCodes.USAGE, "--system: this model's chat template takes no system message");
    }

    /**
     * --questions asks every line of a file with one model load: each answer is the one the question gets alone
     * (same seed), in order; a question the model cannot take keeps its place and sets exit code 5.
     */
    @Test
    void aQuestionsFileIsAnsweredInOrderAsEachQuestionAlone(@TempDir Path tmp) throws IOException {
        List<String> options = List.of("--model", MODEL.toString(), "--budget", "4x", "--parallel", "4", "--seed", "5");
        List<String> asked = List.of("What is 12 * 7 - 5?", "What is 47 + 38 * 2 - 19?", "Compute 9*9+1.");
        Path file = tmp.resolve("questions.txt");
        Files.writeString(file, "\uFEFF" + asked.get(0) + "\n\n{\"id\": \"x7\", \"question\": \"" + asked.get(1)
                + "\"}\n" + asked.get(2) + "\n");
        List<String> alone = new ArrayList<>();
        for (String q : asked) {
            alone.add(reason(Stream.concat(options.stream(), Stream.of("--quiet", q)).toArray(String[]::new)).out().strip());
        }
        Run quiet = reason(Stream.concat(options.stream(), Stream.of("--quiet", "--questions", file.toString()))
                .toArray(String[]::new));
        assertEquals(ExitCodes.ANSWERED, quiet.code(), quiet.err());
        assertEquals(alone, quiet.out().lines().toList());

        Run lines = reasonWithInput(Files.readString(file), Stream.concat(options.stream(),
                Stream.of("--json", "--questions", "-")).toArray(String[]::new));
        assertEquals(ExitCodes.ANSWERED, lines.code(), lines.err());
        List<String> jsonLines = lines.out().lines().toList();
        assertEquals(3, jsonLines.size(), lines.out());
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            var o = JSON.readTree(jsonLines.get(i));
            ids.add(o.get("id").asText());
            assertEquals(asked.get(i), o.get("question").asText());
            assertEquals(alone.get(i), o.get("answer").asText());
            // --device auto's notice, when it chose the CPU, comes with the first result only
            var notices = o.get("notices");
            assertTrue(notices.isArray(), o.toString());
            if (i > 0 || !o.get("device").asText().startsWith("cpu")) {
                assertEquals(0, notices.size(), o.toString());
            } else {
                assertTrue(notices.size() == 1 && notices.get(0).asText().startsWith("device: cpu (auto: "), o.toString());
            }
        }
        assertEquals(List.of("1", "x7", "4"), ids, "the id given, else the line number");

        Run text = reason(Stream.concat(options.stream(), Stream.of("--questions", file.toString()))
                .toArray(String[]::new));
        assertTrue(text.out().startsWith("[1] " + asked.get(0) + "\n" + alone.get(0) + "\n"), text.out());
        assertTrue(text.out().contains("\n\n[x7] " + asked.get(1) + "\n" + alone.get(1) + "\n"), text.out());

        Files.writeString(file, asked.get(0) + "\nWhat is " + "1 + ".repeat(400) + "1?\n" + asked.get(2) + "\n");
        Run tooLong = reason(Stream.concat(options.stream(), Stream.of("--quiet", "--questions", file.toString()))
                .toArray(String[]::new));
        assertEquals(ExitCodes.BAD_QUESTION, tooLong.code(), tooLong.err());
        assertEquals(List.of(alone.get(0), "", alone.get(2)), tooLong.out().lines().toList());
        assertOneLineError(tooLong, ExitCodes.BAD_QUESTION, "question 2: the question is");
        Run tooLongJson = reason(Stream.concat(options.stream(), Stream.of("--json", "--questions", file.toString()))
                .toArray(String[]::new));
        var skipped = JSON.readTree(tooLongJson.out().lines().toList().get(1));
        assertEquals("2", skipped.get("id").asText());
        assertTrue(skipped.get("error").asText().startsWith("the question is "), tooLongJson.out());
        assertFalse(skipped.has("answer"), "a question not asked has no answer field");
    }

    /**
     * A file that cannot be read at all is a usage error; a line that cannot be read as a question keeps its place
     * (an empty line with --quiet) and is named on stderr, and the run exits 5.
     */
    @Test
    void aQuestionsFileThatCannotBeReadIsNamed(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("q.jsonl");
        List<String> options = List.of("--model", MODEL.toString(), "--budget", "2x", "--quiet", "--questions", file.toString());
        String[] args = options.toArray(String[]::new);
        assertOneLineError(reason(args), ExitCodes.USAGE, "--questions " + file + ": no such file");
        Files.writeString(file, "\n  \n");
        assertOneLineError(reason(args), ExitCodes.USAGE, file + " holds no question");
        assertOneLineError(reason(Stream.concat(options.stream(), Stream.of("What is 1+1?")).toArray(String[]::new)),
                ExitCodes.USAGE, "--questions and a QUESTION argument: give one or the other");

        Files.writeString(file, "What is 1+1?\n{\"q\": \"What is 2+2?\"}\n{\"question\": \nWhat is 3+3?\n");
        Run r = reason(args);
        assertEquals(ExitCodes.BAD_QUESTION, r.code(), r.err());
        List<String> answers = r.out().lines().toList();
        assertEquals(4, answers.size(), r.out());
        assertEquals(List.of("", ""), answers.subList(1, 3));
        assertEquals(List.of("reason: question 2: the JSON object has no \"question\" text; write {\"question\":"
                + " \"...\"} or the question alone on the line", "reason: question 3: a line starting with { must be a"
                + " JSON object with a \"question\" field"), r.err().lines().map(l -> l.replaceFirst(" \\(.*", ""))
                .toList());

        Files.write(file, new byte[] {'W', 'h', 'a', 't', '?', '\n', (byte) 0xff, (byte) 0xfe, '\n'});
        Run latin = reason(args);
        assertEquals(ExitCodes.USAGE, latin.code(), latin.err());
        assertTrue(latin.err().contains(file + " is not UTF-8 text: save it as UTF-8"), latin.err());
    }

    @Test
    void severalQuestionsExitWithTheMostPressingCode() {
        assertEquals(ExitCodes.ANSWERED, Main.worse(ExitCodes.ANSWERED, ExitCodes.ANSWERED));
        assertEquals(ExitCodes.ABSTAINED, Main.worse(ExitCodes.ANSWERED, ExitCodes.ABSTAINED));
        assertEquals(ExitCodes.NO_ANSWER, Main.worse(ExitCodes.NO_ANSWER, ExitCodes.ABSTAINED));
        assertEquals(ExitCodes.BAD_QUESTION, Main.worse(ExitCodes.NO_ANSWER, ExitCodes.BAD_QUESTION));
        assertEquals(ExitCodes.INTERRUPTED, Main.worse(ExitCodes.BAD_QUESTION, ExitCodes.INTERRUPTED));
    }

    /**
     * An onnx-community layout runs as it is, and --onnx picks its quantized or half-precision variant (on the CPU:
     * the CUDA engine does not read quantized weights, QuantizedExportsTest); bench's run.json names the file.
     */
    @Test
    void onnxPicksAVariantOfTheModel(@TempDir Path tmp) throws IOException {
        String community = "src/test/resources/models/tiny-llama-community";
        List<String> options = List.of("--model", community, "--device", "cpu", "--budget", "2x", "--max-tokens", "6",
                "--json");
        Run fp32 = reason(Stream.concat(options.stream(), Stream.of("What is 2 + 3?")).toArray(String[]::new));
        Run q4 = reason(Stream.concat(options.stream(), Stream.of("--onnx", "model_q4.onnx", "What is 2 + 3?"))
                .toArray(String[]::new));
        Run fp16 = reason(Stream.concat(options.stream(), Stream.of("--onnx", "model_fp16.onnx", "What is 2 + 3?"))
                .toArray(String[]::new));
        for (Run r : List.of(fp32, q4, fp16)) {
            assertTrue(r.code() == ExitCodes.ANSWERED || r.code() == ExitCodes.NO_ANSWER, r.err());
        }
        assertNotEquals(JSON.readTree(fp32.out()).get("chains"), JSON.readTree(q4.out()).get("chains"),
                "the quantized weights ran");
        assertTrue(JSON.readTree(fp16.out()).get("device").asText().contains(", fp16, "), fp16.out());
        assertOneLineError(reason("--model", community, "--onnx", "model_int4.onnx", "What is 2 + 3?"), ExitCodes.MODEL,
                "--onnx model_int4.onnx: no such file in " + community + " or its onnx/ folder; its ONNX files:");

        Path set = tmp.resolve("one.jsonl");
        Files.writeString(set, "{\"id\": \"a\", \"question\": \"What is 2 + 3?\", \"answer\": \"5\"}\n");
        Path out = tmp.resolve("bench");
        Run bench = reason("bench", "--model", community, "--onnx", "model_quantized.onnx", "--dataset", set.toString(),
                "--samples", "1", "--no-greedy", "--max-tokens", "4", "--out", out.toString());
        assertEquals(ExitCodes.ANSWERED, bench.code(), bench.err());
        assertTrue(JSON.readTree(out.resolve("run.json").toFile()).get("onnx").asText().endsWith("model_quantized.onnx"));
    }

    @Test
    void questionLongerThanTheContext() {
        String longQuestion = "What is " + "1 + ".repeat(400) + "1?";
        assertOneLineError(reason("--model", MODEL.toString(), longQuestion), ExitCodes.BAD_QUESTION, "context");
    }

    @Test
    void missingModelDirectory(@TempDir Path tmp) {
        assertOneLineError(reason("--model", tmp.resolve("nope").toString(), "What is 1+1?"), ExitCodes.MODEL, "does not exist");
    }

    @Test
    void modelDirectoryWithoutOnnx(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        Files.delete(dir.resolve("model.onnx"));
        assertOneLineError(reason("--model", dir.toString(), "What is 1+1?"), ExitCodes.MODEL, "model.onnx");
    }

    @Test
    void corruptConfig(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        Files.writeString(dir.resolve("config.json"), "{ \"hidden_size\": 192,");
        assertOneLineError(reason("--model", dir.toString(), "What is 1+1?"), ExitCodes.MODEL, "config.json");
    }

    @Test
    void truncatedOnnxFile(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        byte[] bytes = Files.readAllBytes(dir.resolve("model.onnx"));
        Files.write(dir.resolve("model.onnx"), Arrays.copyOf(bytes, bytes.length / 3));
        assertOneLineError(reason("--model", dir.toString(), "What is 1+1?"), ExitCodes.MODEL, "model.onnx");
    }

    @Test
    void configThatDoesNotMatchTheOnnx(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        String config = Files.readString(dir.resolve("config.json")).replace("\"num_hidden_layers\": 5", "\"num_hidden_layers\": 7");
        Files.writeString(dir.resolve("config.json"), config);
        assertOneLineError(reason("--model", dir.toString(), "What is 1+1?"), ExitCodes.MODEL, "layer");
    }

    @Test
    void badBudgets() {
        assertOneLineError(reason("--budget", "30q", "What is 1+1?"), ExitCodes.USAGE, "30q");
        assertOneLineError(reason("--budget", "0s", "What is 1+1?"), ExitCodes.USAGE, "--budget");
        assertOneLineError(reason("--budget", "-5x", "What is 1+1?"), ExitCodes.USAGE, "--budget");
        assertOneLineError(reason("--budget", "", "What is 1+1?"), ExitCodes.USAGE, "--budget");
    }

    @Test
    void badSamplingOptions() {
        assertOneLineError(reason("--model", MODEL.toString(), "--top-p", "1.5", "What is 1+1?"), ExitCodes.USAGE, "--top-p");
        assertOneLineError(reason("--model", MODEL.toString(), "--parallel", "0", "What is 1+1?"), ExitCodes.USAGE, "--parallel");
        assertOneLineError(reason("--model", MODEL.toString(), "--repetition-penalty", "0", "What is 1+1?"),
                ExitCodes.USAGE, "--repetition-penalty must be finite and > 0 (1 = off), got 0.0");
        assertOneLineError(reason("--model", MODEL.toString(), "--strategy", "verified:cut=maybe", "What is 1+1?"),
                ExitCodes.USAGE, "--strategy verified:cut=maybe: cut is on");
        assertOneLineError(reason("--model", MODEL.toString(), "--presence-penalty", "3", "What is 1+1?"),
                ExitCodes.USAGE, "--presence-penalty must be in [-2, 2] (0 = off), got 3.0");
        assertOneLineError(reason("--model", MODEL.toString(), "--frequency-penalty", "-2.5", "What is 1+1?"),
                ExitCodes.USAGE, "--frequency-penalty must be in [-2, 2] (0 = off), got -2.5");
        assertOneLineError(reason("--model", MODEL.toString(), "--template-arg", "messages=[]", "What is 1+1?"),
                ExitCodes.USAGE, "--template-arg messages: reason sets that variable itself");
        assertOneLineError(reason("--model", MODEL.toString(), "--template-arg", "enable-thinking=false",
                "What is 1+1?"), ExitCodes.USAGE, "a template variable's name is letters, digits and _");
        assertOneLineError(reason("--stop", "sometimes", "What is 1+1?"), ExitCodes.USAGE, "--stop");
    }

    @Test
    void cudaWithoutAGpuEngine() {
        Assumptions.assumeTrue(CudaEngine.unavailable().isPresent(), "this machine has a usable GPU");
        assertOneLineError(reason("--model", MODEL.toString(), "--device", "cuda", "What is 1+1?"), ExitCodes.DEVICE, "--device cuda");
        Run check = reason("check", "--model", MODEL.toString());
        assertOneLineError(check, ExitCodes.DEVICE, "reason check compares the CUDA engine with ONNX Runtime and needs a GPU: ");
        assertFalse(check.err().contains("--device cpu"), "check runs only on a GPU: " + check.err());
        Run cudaOnly = reason("throughput", "--model", MODEL.toString(), "--device", "cuda", "--parallel", "1");
        assertOneLineError(cudaOnly, ExitCodes.DEVICE, "--device cuda");
        assertEquals("", cudaOnly.out(), "no empty table");
    }

    @Test
    void throughputKeepsTheDevicesItCouldMeasureAndExitsWithTheMissingOnesCode() {
        Assumptions.assumeTrue(CudaEngine.unavailable().isPresent(), "this machine has a usable GPU");
        Run r = reason("throughput", "--model", MODEL.toString(), "--device", "cpu,cuda", "--parallel", "1",
                "--prompt-len", "16", "--gen-len", "4");
        assertEquals(ExitCodes.DEVICE, r.code(), r.err());
        assertTrue(r.out().contains("cuda: not measured (--device cuda: "), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("| cpu | 1 | ")), r.out());
        assertFalse(r.out().lines().anyMatch(l -> l.startsWith("| cuda |")), r.out());
    }

    /** An answer read from chains that never ended says so, in the text result and in --json. */
    @Test
    void anAnswerFromChainsThatDidNotEndCarriesAWarning() throws IOException {
        var json = new ObjectMapper();
        String q = "What is 47 + 38 * 2 - 19?";
        var cut = json.readTree(reason("--model", MODEL.toString(), "--budget", "20tok", "--parallel", "4", "--json", q).out());
        assertTrue(cut.get("warnings").toString().contains("no chain finished within the budget"), cut.toString());
        var limited = json.readTree(reason("--model", MODEL.toString(), "--budget", "2x", "--max-tokens", "5", "--json",
                q).out());
        assertTrue(limited.get("warnings").toString().contains("every answered chain reached its token limit"),
                limited.toString());
        Run plain = reason("--model", MODEL.toString(), "--budget", "2x", "--seed", "0", q);
        assertEquals("104", plain.out().lines().findFirst().orElse(""), plain.out());
        assertFalse(plain.out().contains("warning:"), "chains that ended and passed the check: " + plain.out());
        Run cutText = reason("--model", MODEL.toString(), "--budget", "20tok", "--parallel", "4", q);
        assertTrue(cutText.out().contains("warning: no chain finished within the budget; this is the vote of the"
                + " unfinished chains' last numbers: give a larger --budget"), cutText.out());
    }

    @Test
    void unknownDevice() {
        assertOneLineError(reason("--model", MODEL.toString(), "--device", "cuda:first", "What is 1+1?"),
                ExitCodes.USAGE, "unknown --device \"cuda:first\": use auto, cpu, cuda or cuda:N");
        assertOneLineError(reason("check", "--model", MODEL.toString(), "--device", "cpu"), ExitCodes.USAGE,
                "--device cpu: reason check checks the CUDA engine; use --device cuda or cuda:N");
        assertOneLineError(reason("check", "--model", MODEL.toString(), "--device", "gpu1"), ExitCodes.USAGE,
                "--device gpu1: reason check checks the CUDA engine; use --device cuda or cuda:N");
    }

    @Test
    void unknownPrecision() {
        assertOneLineError(reason("--model", MODEL.toString(), "--precision", "fp8", "What is 1+1?"), ExitCodes.USAGE, "--precision");
    }

    @Test
    void unknownOption() {
        assertOneLineError(reason("--frobnicate", "What is 1+1?"), ExitCodes.USAGE, "--frobnicate");
        assertFalse(reason("--frobnicate", "What is 1+1?").err().contains("goes after --"));
    }

    @Test
    void aQuestionStartingWithAMinusIsShownHowToPassIt() {
        for (String q : new String[] {"-5 + 3", "-(2*3)", "-x is what"}) {
            assertOneLineError(reason(q), ExitCodes.USAGE,
                    "a question that starts with '-' goes after --, e.g. reason -- \"-5 + 3\"");
        }
        Run r = reason("--model", MODEL.toString(), "--budget", "1x", "--quiet", "--", "-5 + 3");
        assertTrue(r.code() == ExitCodes.ANSWERED || r.code() == ExitCodes.NO_ANSWER, r.err());
    }

    @Test
    void answersWithJsonAndTheSameSeedReproducesTheRun() throws IOException {
        String[] args = {"--model", MODEL.toString(), "--budget", "8x", "--parallel", "4", "--seed", "7", "--json",
                "What is 12 * 7 - 5?"};
        Run a = reason(args);
        Run b = reason(args);
        assertTrue(a.code() == ExitCodes.ANSWERED || a.code() == ExitCodes.NO_ANSWER, a.err());
        var json = new ObjectMapper();
        var ja = json.readTree(a.out());
        var jb = json.readTree(b.out());
        assertEquals(ja.get("answer"), jb.get("answer"));
        assertEquals(ja.get("chains").size(), jb.get("chains").size());
        for (int i = 0; i < ja.get("chains").size(); i++) {
            assertEquals(ja.get("chains").get(i).get("text"), jb.get("chains").get(i).get("text"));
            assertEquals(ja.get("chains").get(i).get("mean_logprob"), jb.get("chains").get(i).get("mean_logprob"));
        }
        assertTrue(ja.get("chains_started").asInt() <= 8);
        assertTrue(ja.has("stop_reason") && ja.has("tokens_per_second") && ja.has("ranking"));
    }

    @Test
    void theRepetitionPenaltyComesFromGenerationConfigUnlessGiven(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        Path gen = dir.resolve("generation_config.json");
        Files.writeString(gen, Files.readString(gen).replace("\"min_p\": 0.0,", "\"min_p\": 0.0, \"repetition_penalty\": 1.25,"));
        var json = new ObjectMapper();
        String[] common = {"--model", dir.toString(), "--budget", "2x", "--parallel", "2", "--json"};
        for (String[] extra : new String[][] {{}, {"--repetition-penalty", "1.5"}}) {
            String[] args = Stream.of(common, extra, new String[] {"What is 12 * 7 - 5?"})
                    .flatMap(Arrays::stream).toArray(String[]::new);
            Run r = reason(args);
            assertTrue(r.code() == ExitCodes.ANSWERED || r.code() == ExitCodes.NO_ANSWER, r.err());
            double penalty = json.readTree(r.out()).get("sampling").get("repetition_penalty").asDouble();
            assertEquals(extra.length == 0 ? 1.25 : 1.5, penalty, 1e-6, String.join(" ", extra));
        }
    }

    @Test
    void theNgramBanComesFromGenerationConfigUnlessGivenAndWhatIsNotAppliedIsNamed(@TempDir Path tmp) throws IOException {
        Path dir = copyModel(tmp);
        Path gen = dir.resolve("generation_config.json");
        Files.writeString(gen, Files.readString(gen).replace("\"min_p\": 0.0,",
                "\"min_p\": 0.0, \"no_repeat_ngram_size\": 4, \"typical_p\": 0.9, \"bad_words_ids\": [[7]],"));
        var json = new ObjectMapper();
        for (String[] extra : new String[][] {{}, {"--no-repeat-ngram", "0"}}) {
            String[] args = Stream.of(new String[] {"--model", dir.toString(), "--budget", "2x", "--parallel", "2",
                    "--json"}, extra, new String[] {"What is 12 * 7 - 5?"}).flatMap(Arrays::stream).toArray(String[]::new);
            Run r = reason(args);
            assertTrue(r.code() == ExitCodes.ANSWERED || r.code() == ExitCodes.NO_ANSWER, r.err());
            var result = json.readTree(r.out());
            assertEquals(extra.length == 0 ? 4 : 0, result.get("sampling").get("no_repeat_ngram_size").asInt(),
                    String.join(" ", extra));
            assertTrue(result.get("notices").toString().contains("sampling: generation_config.json sets typical_p,"
                    + " bad_words_ids, which reason does not apply"), result.get("notices").toString());
        }
        assertOneLineError(reason("--model", dir.toString(), "--no-repeat-ngram", "-1", "What is 1+1?"), ExitCodes.USAGE,
                "--no-repeat-ngram must be >= 0 (0 = off), got -1");
    }

    /**
     * On this question, with this seed, one of the shipped model's 16 chains writes "001*057=057, 001*(...)" over and
     * over: it ends there (220 tokens early) and the summary says so; --keep-loops lets it run to the token limit.
     * (Majority voting: the default verified strategy would also cut chains at failing steps.)
     */
    @Test
    @Disabled("the shipped model since the first bootstrap round writes no looping chain on this"
            + " question (nor on the others tried); GeneratorTest's forced loop covers the cut and --keep-loops")
    void aLoopingChainEndsEarlyUnlessLoopsAreKept() {
        String[] common = {"--model", MODEL.toString(), "--device", "cpu", "--threads", "1", "--budget", "16x",
                "--seed", "1", "--strategy", "majority", "--show-chains", "1 × (57 + ((94 × 55 + 28) × 1 - 6)) = ?"};
        Run cut = reason(common);
        Run kept = reason(Stream.concat(Stream.of("--keep-loops"), Stream.of(common)).toArray(String[]::new));
        assertEquals(ExitCodes.ANSWERED, cut.code(), cut.err());
        assertEquals(ExitCodes.ANSWERED, kept.code(), kept.err());
        assertTrue(cut.out().contains("chains: 16 (16 finished, 1 ended looping), tokens: 4,309"), cut.out());
        assertTrue(cut.out().contains("--- chain 5: answer -, 180 tokens, "), cut.out());
        assertTrue(kept.out().contains("chains: 16 (16 finished), tokens: 4,529"), kept.out());
    }

    /** Presence and frequency penalties are off unless given, and --json records what ran. */
    @Test
    void presenceAndFrequencyPenaltiesAreRecorded() throws IOException {
        String[] common = {"--model", MODEL.toString(), "--budget", "2x", "--parallel", "2", "--json", "--seed", "3"};
        Run plain = reason(Stream.concat(Arrays.stream(common), Stream.of("What is 12 * 7 - 5?")).toArray(String[]::new));
        Run penalized = reason(Stream.concat(Arrays.stream(common), Stream.of(
                "--presence-penalty", "1.5", "--frequency-penalty", "0.5", "What is 12 * 7 - 5?")).toArray(String[]::new));
        for (Run r : List.of(plain, penalized)) {
            assertTrue(r.code() == ExitCodes.ANSWERED || r.code() == ExitCodes.NO_ANSWER, r.err());
        }
        var p = JSON.readTree(plain.out());
        var q = JSON.readTree(penalized.out());
        assertEquals(0.0, p.get("sampling").get("presence_penalty").asDouble());
        assertEquals(0.0, p.get("sampling").get("frequency_penalty").asDouble());
        assertEquals(1.5, q.get("sampling").get("presence_penalty").asDouble(), 1e-6);
        assertEquals(0.5, q.get("sampling").get("frequency_penalty").asDouble(), 1e-6);
        assertNotEquals(p.get("chains"), q.get("chains"), "the penalties changed the chains");
    }

    @Test
    void abstainsBelowTheConfidenceBar() {
        // with two votes the Beta posterior is at most P(2-0) = 1 - 1/8 = 0.875
        Run r = reason("--model", MODEL.toString(), "--budget", "2x", "--stop", "ac-beta", "--abstain-below", "0.9",
                "--quiet", "What is 12 * 7 - 5?");
        assertEquals(ExitCodes.ABSTAINED, r.code(), r.err());
        assertEquals("not sure", r.out().strip());
        assertOneLineError(reason("--abstain-below", "2", "What is 1+1?"), ExitCodes.USAGE, "--abstain-below");
    }

    /**
     * verified:redraw=N draws a chain's failing line again: the summary counts the lines redrawn, each chain in --json
     * its own, and the search pays for the dropped lines (its tokens exceed those of the chains' texts).
     */
    @Test
    void failingLinesAreRedrawnAndCounted() throws IOException {
        String q = "What is 87*64 - 935 + 48*(27 - 9)?";  // a question on which the shipped model writes failing lines
        String[] common = {"--model", MODEL.toString(), "--threads", "1", "--budget", "4x", "--stop", "none", "--seed", "1"};
        Run text = reason(Stream.concat(Stream.of(common), Stream.of("--strategy", "verified:redraw=3", q))
                .toArray(String[]::new));
        assertEquals(ExitCodes.ANSWERED, text.code(), text.err());
        assertTrue(text.out().matches("(?s).*chains: 4 \\(4 finished, \\d+ failing lines redrawn\\).*"), text.out());
        for (String redraw : new String[] {"3", "0"}) {
            Run json = reason(Stream.concat(Stream.of(common), Stream.of("--json", "--strategy", "verified:redraw=" + redraw,
                    q)).toArray(String[]::new));
            var o = JSON.readTree(json.out());
            int redrawn = 0;
            int chainTokens = 0;
            for (var c : o.get("chains")) {
                redrawn += c.get("redrawn_lines").asInt();
                chainTokens += c.get("tokens").asInt() + (c.get("finish").asText().equals("eos") ? 1 : 0);
            }
            if (redraw.equals("3")) {
                assertTrue(redrawn > 0 && o.get("tokens").asInt() > chainTokens, redrawn + " redrawn, " + o.get("tokens")
                        + " tokens spent, " + chainTokens + " in the chains");
            } else {
                assertEquals(0, redrawn);
                assertEquals(chainTokens, o.get("tokens").asInt());
            }
        }
        assertOneLineError(reason("--strategy", "verified:redraw=many", "What is 1+1?"), ExitCodes.USAGE,
                "redraw is how many times a line whose step fails is written again");
        assertOneLineError(reason("--strategy", "verified:backtrack=maybe", "What is 1+1?"), ExitCodes.USAGE,
                "backtrack is on (a line whose redraws ran out sends the chain back to draw an earlier line again) or off");
    }

    /**
     * Every question of a --questions run gets a stopping rule of its own: a rule that keeps state (esc's window of the
     * last answers, first-verified's pass, DeepConf's threshold) must not carry the last question's into the next.
     * With one chain at a time, esc needs five answers of the question's own before it may call the vote decided.
     */
    @Test
    void eachQuestionOfAQuestionsRunStartsItsStoppingRuleAfresh(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("twice.txt");
        Files.writeString(file, "What is 9 * 8 - 6?\nWhat is 9 * 8 - 6?\n");
        Run r = reason("--model", MODEL.toString(), "--threads", "1", "--questions", file.toString(), "--json",
                "--stop", "esc", "--strategy", "majority", "--parallel", "1", "--budget", "16x", "--seed", "1");
        assertEquals(ExitCodes.ANSWERED, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        for (String line : lines) {
            var o = JSON.readTree(line);
            assertEquals("decided", o.get("stop_reason").asText(), line);
            long finished = 0;
            for (var c : o.get("chains")) {
                finished += c.get("finish").asText().equals("unfinished") ? 0 : 1;
            }
            assertTrue(finished >= 5, "question " + o.get("id") + " was decided after " + finished + " chains of its own");
        }
    }

    /** A --questions file whose lines carry their answers is graded as reason bench grades, with a total at the end. */
    @Test
    void aQuestionsFileWithAnswersIsGraded(@TempDir Path tmp) throws IOException {
        Path file = tmp.resolve("graded.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"question\": \"What is 47 + 38 * 2 - 19?\", \"answer\": 104}",
                "{\"question\": \"What is 12*7-5?\", \"answer\": \"80\", \"id\": \"off-by-one\"}",
                "{\"question\": \"Use 4 5 6 10 to make 24.\", \"numbers\": [4, 5, 6, 10]}",
                "What is 3*4+1?") + "\n");
        String[] common = {"--model", MODEL.toString(), "--budget", "8x", "--seed", "1", "--questions", file.toString()};
        Run json = reason(Stream.concat(Stream.of(common), Stream.of("--json")).toArray(String[]::new));
        assertEquals(ExitCodes.ANSWERED, json.code(), json.err());
        List<JsonNode> results = new ArrayList<>();
        for (String line : json.out().strip().split("\n")) {
            results.add(JSON.readTree(line));
        }
        assertEquals(4, results.size());
        assertEquals("104", results.get(0).get("expected").asText());
        assertEquals("104".equals(results.get(0).get("answer").asText()), results.get(0).get("correct").asBoolean());
        assertEquals("79", results.get(1).get("answer").asText(), "the model's answer, graded against a wrong reference");
        assertFalse(results.get(1).get("correct").asBoolean());
        assertEquals(Equivalence.game24(new int[] {4, 5, 6, 10}, results.get(2).get("answer").asText()),
                results.get(2).get("correct").asBoolean());
        assertNull(results.get(3).get("correct"), "a question without an answer is not graded");
        long right = results.stream().filter(r -> r.has("correct") && r.get("correct").asBoolean()).count();
        assertTrue(json.err().contains("reason: " + right + " of 3 graded answers right"), json.err());

        Run text = reason(common);
        assertTrue(text.out().contains("wrong (expected 80)"), text.out());
        assertTrue(text.err().contains(" of 3 graded answers right ("), text.err());
    }

    @Test
    void unknownStrategyAndRuleParameters() {
        assertOneLineError(reason("--strategy", "loudest", "What is 1+1?"), ExitCodes.USAGE, "--strategy");
        assertOneLineError(reason("--stop", "esc:window", "What is 1+1?"), ExitCodes.USAGE, "key=value");
        // a misspelt parameter is an error, not a default silently kept
        assertOneLineError(reason("--stop", "esc:windw=8", "What is 1+1?"), ExitCodes.USAGE,
                "--stop esc:windw=8: unknown parameter windw (esc takes window)");
        assertOneLineError(reason("--strategy", "verified:redraw=2,bactrack=on", "What is 1+1?"), ExitCodes.USAGE,
                "unknown parameter bactrack (verified takes mode, cut, redraw, backtrack)");
        assertOneLineError(reason("--strategy", "majority:keep=90", "What is 1+1?"), ExitCodes.USAGE,
                "unknown parameter keep (majority takes no parameters)");
        assertOneLineError(reason("--strategy", "verified:mode=vote", "What is 1+1?"), ExitCodes.USAGE,
                "mode is drop (failing chains do not vote) or downweight");
        assertOneLineError(reason("--stop", "first-verified:give-up=-1", "What is 1+1?"), ExitCodes.USAGE,
                "first-verified give-up must be >= 0 chains (0 = never), got -1");
    }

    @Test
    void throughputLengthsMustFitTheModel() {
        assertOneLineError(reason("throughput", "--model", MODEL.toString(), "--prompt-len", "0"), ExitCodes.USAGE,
                "--prompt-len and --gen-len must be at least 1, got 0 and 256");
        assertOneLineError(reason("throughput", "--model", MODEL.toString(), "--gen-len", "0"), ExitCodes.USAGE,
                "got 128 and 0");
        assertOneLineError(reason("throughput", "--model", MODEL.toString(), "--prompt-len", "500", "--gen-len", "20"),
                ExitCodes.USAGE, "--prompt-len 500 + --gen-len 20 exceed the model's context of 512 positions");
    }

    @Test
    void aMissingPythonLeavesThePytorchColumnEmpty(@TempDir Path tmp) {
        Path python = tmp.resolve("no-python");
        Run r = reason("throughput", "--model", MODEL.toString(), "--parallel", "1", "--prompt-len", "8", "--gen-len",
                "2", "--compare-torch", "--python", python.toString());
        assertEquals(ExitCodes.ANSWERED, r.code(), r.err());
        assertTrue(r.out().contains("pytorch: not measured (cannot run --python " + python
                + ": point it at a python3 with torch)"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("| cpu | 1 |") && l.endsWith("| - | - |")), r.out());
    }

    /**
     * A bench run records, for each chain failing on a step, where its first failing line ended (never past the
     * chain, as the live search cuts it there), and its replay adds verified voting's early cut: same accuracy, fewer
     * tokens. (On the 500 problems at 16 samples, 6,197 of 6,210 failing chains failed on a step.)
     */
    @Test
    void benchRecordsWhereFailingChainsFailAndReplaysTheEarlyCut(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("bench");
        Run r = reason("bench", "--model", MODEL.toString(), "--dataset", "arithmetic", "--limit", "12", "--samples", "8",
                "--no-greedy", "--seed", "0", "--out", out.toString());
        assertEquals(ExitCodes.ANSWERED, r.code(), r.err());
        int failing = 0;
        int withPoint = 0;
        for (String line : Files.readAllLines(out.resolve("results.jsonl"))) {
            for (var c : JSON.readTree(line).get("pool")) {
                if (c.has("failsAt")) {  // a chain failing only on its final answer has none: it is not cut
                    withPoint++;
                    assertTrue(c.get("failsAt").asInt() > 0 && c.get("failsAt").asInt() <= c.get("tokens").asInt(),
                            c.toString());
                }
                failing += c.get("verdict").asText().equals("fail") ? 1 : 0;
                assertTrue(!c.has("failsAt") || c.get("verdict").asText().equals("fail"), c.toString());
            }
        }
        assertTrue(withPoint > failing / 2, withPoint + " of " + failing + " failing chains fail on a step");
        String replay = Files.readString(out.resolve("replay.csv"));
        String[] drop = replay.lines().filter(l -> l.startsWith("\"verified (drop failing chains)\"")).findFirst()
                .orElseThrow().split(",");
        String[] cut = replay.lines().filter(l -> l.startsWith("\"verified + cut at the first failing line\""))
                .findFirst().orElseThrow().split(",");
        assertEquals(drop[2], cut[2], "the same accuracy");
        assertTrue(Double.parseDouble(cut[5]) < Double.parseDouble(drop[5]), replay);
    }

    @Test
    void anOutputPathThatCannotBeUsedIsNamed(@TempDir Path tmp) throws IOException {
        Path file = Files.writeString(tmp.resolve("taken"), "x");
        assertOneLineError(reason("bench", "--model", MODEL.toString(), "--dataset", "arithmetic", "--limit", "1",
                "--samples", "1", "--out", file.toString()), ExitCodes.USAGE,
                "cannot use " + file + ": a file of that name is in the way; choose another path");
        assertOneLineError(reason("bench", "--model", MODEL.toString(), "--dataset", "arithmetic", "--limit", "1",
                "--samples", "1", "--out", file.resolve("below").toString()), ExitCodes.USAGE, "cannot use " + file);
    }

    @Test
    void aMissingDatasetsFolderSaysHowToNameIt(@TempDir Path tmp) {
        assertOneLineError(reason("bench", "--model", MODEL.toString(), "--dataset", "gsm8k", "--datasets-dir",
                tmp.toString()), ExitCodes.USAGE, "no gsm8k/ in " + tmp + ": pass --datasets-dir (or set "
                + "REASON_DATASETS) to the folder that holds the public sets");
    }

    @Test
    void anUnknownDatasetListsTheModelsOwnSets() {
        assertOneLineError(reason("bench", "--model", MODEL.toString(), "--dataset", "nope"), ExitCodes.USAGE,
                "not a dataset name (gsm8k, svamp, math500, aqua, game24) nor one of the model's own "
                        + "(arithmetic, basic, game24, word)");
    }

    private static Path copyModel(Path tmp) throws IOException {
        Path dir = tmp.resolve("model");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(MODEL)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        return dir;
    }
}
