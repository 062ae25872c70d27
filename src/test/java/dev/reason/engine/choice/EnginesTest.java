package dev.reason.engine.choice;

import dev.reason.engine.DeviceException;
import dev.reason.engine.cuda.CudaEngine;
import dev.reason.model.ModelDirectory;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The --device names, and what opening an engine says when the GPU asked for is not there. */
class EnginesTest {
    @Test
    void askingForCudaWithoutADriverSaysWhereToPointIt() {
        assumeTrue(CudaEngine.unavailable().equals(Optional.of(CudaEngine.NO_DRIVER)), "a driver library is here");
        try (ModelDirectory model = ModelDirectory.open(Path.of("models", "reason-mini"))) {
            DeviceException e = assertThrows(DeviceException.class,
                    () -> Engines.open(model, "cuda", 1, "bf16", notice -> { }));
            assertEquals("--device cuda: no NVIDIA driver (libcuda.so.1 not found); if the driver is installed "
                    + "elsewhere, set REASON_CUDA_DRIVER to its folder; use --device cpu (or auto)", e.getMessage());
            DeviceException numbered = assertThrows(DeviceException.class,
                    () -> Engines.open(model, "cuda:1", 1, "bf16", notice -> { }));
            assertTrue(numbered.getMessage().startsWith("--device cuda:1: no NVIDIA driver (libcuda.so.1 not found); "),
                    "the GPU asked for is named: " + numbered.getMessage());
            List<String> notices = new ArrayList<>();
            Engines.open(model, "auto", 1, "bf16", notices::add).close();
            assertEquals(List.of("device: cpu (auto: no NVIDIA driver (libcuda.so.1 not found))"), notices,
                    "auto's notice stays short: most machines have no NVIDIA GPU at all");
        }
    }

    @Test
    void deviceNamesAreCudaOrCudaNAndNothingElse() {
        assertEquals(OptionalInt.empty(), Engines.cudaOrdinal("cuda"));
        assertEquals(OptionalInt.of(0), Engines.cudaOrdinal("cuda:0"));
        assertEquals(OptionalInt.of(12), Engines.cudaOrdinal("cuda:12"));
        for (String bad : List.of("gpu", "cuda:", "cuda:-1", "cuda:1x", "cuda0", "CUDA", "cuda:99999")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Engines.cudaOrdinal(bad));
            assertEquals("unknown --device \"" + bad + "\": use auto, cpu, cuda or cuda:N (the driver's GPU N, as"
                    + " reason --version lists them)", e.getMessage());
        }
    }
}
