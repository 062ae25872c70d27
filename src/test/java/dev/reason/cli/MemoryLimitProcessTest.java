package dev.reason.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU engine's KV cache lives in the JVM's direct memory, whose limit a real model's cache can pass
 * (Qwen3-0.6B: 16 chains of 4,096 tokens need tens of GiB). Run as a process under a small limit: fewer chains run,
 * with a notice; when not even one fits, one line says what to change and the exit code is 4.
 */
class MemoryLimitProcessTest {
    private static final Pattern NOTICE = Pattern.compile("cpu: memory holds (\\d+) of the 16 parallel chains asked for");

    private record Result(int code, String out, String err) {
    }

    private static Result run(String limit, String... extra) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:MaxDirectMemorySize=" + limit, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "--model", CliTest.MODEL.toString(), "--device", "cpu", "--threads", "1", "--parallel", "16",
                "--budget", "16x", "--stop", "none"));
        cmd.addAll(List.of(extra));
        cmd.add("What is 12 * 7 - 5?");
        Process p = new ProcessBuilder(cmd).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "no end within 2 minutes");
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes()),
                new String(p.getErrorStream().readAllBytes()));
    }

    @Test
    void fewerChainsRunWhenTheCacheOfAllDoesNotFit() throws Exception {
        // one chain of the shipped model's cache is about 3.4 MiB: 24 MiB hold a few, not 16
        Result r = run("24m");
        assertEquals(ExitCodes.ANSWERED, r.code(), r.err());
        Matcher m = NOTICE.matcher(r.err());
        assertTrue(m.find(), r.err());
        int held = Integer.parseInt(m.group(1));
        assertTrue(held >= 1 && held < 16, r.err());
        assertTrue(r.out().lines().findFirst().orElse("").matches("-?\\d+"), r.out());
        assertTrue(r.out().contains("chains: 16 (16 finished)"), "every chain of the budget still ran: " + r.out());

        Result json = run("24m", "--json");  // the notice goes with the result, stderr stays quiet
        assertEquals(ExitCodes.ANSWERED, json.code(), json.err());
        var notices = new ObjectMapper().readTree(json.out()).get("notices");
        assertEquals(1, notices.size(), json.out());
        assertTrue(NOTICE.matcher(notices.get(0).asText()).find(), notices.toString());
        assertEquals("", json.err());
    }

    @Test
    void notEvenOneChainIsAOneLineDeviceError() throws Exception {
        Result r = run("2m");
        assertEquals(ExitCodes.DEVICE, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertEquals(1, lines.length, r.err());
        assertTrue(lines[0].startsWith("reason: --device cpu: one chain of a ") && lines[0].contains("of KV cache, more"
                + " than the JVM may allocate: lower --max-tokens, or raise the limit with REASON_JAVA_OPTS"), lines[0]);
        assertFalse(r.err().contains("\tat "), "no stack trace");
    }
}
