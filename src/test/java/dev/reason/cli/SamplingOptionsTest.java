package dev.reason.cli;

import dev.reason.engine.Engine;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.lang.reflect.Proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** --parallel's default follows the engine: a GPU's decode step costs about the same for 16 rows or 64. */
class SamplingOptionsTest {
    @CommandLine.Command
    static final class Holder {
        @CommandLine.Mixin
        SamplingOptions options;
    }

    private static SamplingOptions parse(String... args) {
        Holder h = new Holder();
        new CommandLine(h).parseArgs(args);
        return h.options;
    }

    /** An engine that only says which device it is. */
    private static Engine on(String device) {
        return (Engine) Proxy.newProxyInstance(Engine.class.getClassLoader(), new Class<?>[] {Engine.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("device")) {
                        return device;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void parallelDefaultsToSixteenOnTheCpuAndSixtyFourOnAGpu() {
        assertEquals(16, parse().parallel(on("cpu")));
        assertEquals(64, parse().parallel(on("cuda")));
        assertEquals(8, parse("--parallel", "8").parallel(on("cuda")), "given: as given");
        assertEquals(8, parse("--parallel", "8").parallel(on("cpu")));
    }
}
