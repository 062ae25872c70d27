package dev.reason.engine.cuda;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Where the NVIDIA driver's library is looked for when the dynamic loader would not find it. */
class DriverLibraryTest {
    private static final Path CONTAINER = Path.of("/usr/local/nvidia/lib64/libcuda.so.1");
    private static final Path WSL = Path.of("/usr/lib/wsl/lib/libcuda.so.1");

    private static Predicate<Path> files(Path... paths) {
        Set<Path> set = Set.of(paths);
        return set::contains;
    }

    @Test
    void nothingIsLoadedWhenTheLoaderFindsTheDriverItself() {
        Path system = Path.of("/usr/lib/x86_64-linux-gnu/libcuda.so.1");
        assertEquals(Optional.empty(), DriverLibrary.toPreload(Map.of(), List.of(), files(system, CONTAINER)),
                "a system folder's copy is the loader's: the container's is not forced on it");
        Path onPath = Path.of("/opt/driver/libcuda.so.1");
        assertEquals(Optional.empty(), DriverLibrary.toPreload(Map.of("LD_LIBRARY_PATH", "/x::/opt/driver"),
                List.of(), files(onPath, CONTAINER)));
        Path cached = Path.of("/usr/lib/nvidia-580/libcuda.so.1");
        assertEquals(Optional.empty(), DriverLibrary.toPreload(Map.of(), List.of(cached), files(cached, CONTAINER)));
    }

    @Test
    void aDriverOutsideTheLoadersPathIsLoadedByItsPath() {
        assertEquals(Optional.of(CONTAINER), DriverLibrary.toPreload(Map.of(), List.of(), files(CONTAINER, WSL)));
        assertEquals(Optional.of(WSL), DriverLibrary.toPreload(Map.of("LD_LIBRARY_PATH", "/nothing/here"),
                List.of(Path.of("/stale/libcuda.so.1")), files(WSL)), "a cache entry whose file is gone finds nothing");
        assertEquals(Optional.empty(), DriverLibrary.toPreload(Map.of(), List.of(), files()),
                "no driver anywhere: JCuda's own error says so");
    }

    @Test
    void theEnvironmentNamesTheLibraryOrItsFolder() {
        Path lib = Path.of("/opt/nv/libcuda.so.1");
        Path other = Path.of("/opt/nv/libcuda.so.580.159");
        assertEquals(Optional.of(lib), DriverLibrary.toPreload(Map.of(DriverLibrary.ENV, "/opt/nv"), List.of(),
                files(lib, CONTAINER)));
        assertEquals(Optional.of(other), DriverLibrary.toPreload(Map.of(DriverLibrary.ENV, other.toString(),
                "LD_LIBRARY_PATH", "/opt/nv"), List.of(), files(lib, other)), "named outright, it wins");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DriverLibrary.toPreload(Map.of(DriverLibrary.ENV, "/opt/empty"), List.of(), files(CONTAINER)));
        assertEquals("REASON_CUDA_DRIVER=/opt/empty names no libcuda.so.1: point it at the NVIDIA driver's "
                + "libcuda.so.1 or the folder that holds it", e.getMessage());
        assertEquals(Optional.empty(), DriverLibrary.toPreload(Map.of(DriverLibrary.ENV, " "), List.of(), files()),
                "blank is unset");
    }

    @Test
    void theLoadersCacheListsPathsAsNulTerminatedStrings() {
        ByteArrayOutputStream cache = new ByteArrayOutputStream();
        cache.writeBytes(new byte[] {'g', 'l', 'i', 'b', 'c', '-', 'l', 'd', '.', 's', 'o', 0, 3, 0, '/', 0x7f, 0});
        for (String s : List.of("libcuda.so.1", "/usr/lib/i386-linux-gnu/libcuda.so.1", "libz.so.1",
                "/usr/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
                "/usr/lib/x86_64-linux-gnu/libcuda.so.1.bak")) {
            cache.writeBytes(s.getBytes(StandardCharsets.US_ASCII));
            cache.write(0);
        }
        cache.writeBytes("/tmp/libcuda.so.1".getBytes(StandardCharsets.US_ASCII));  // unterminated, at the end
        assertEquals(List.of(Path.of("/usr/lib/i386-linux-gnu/libcuda.so.1"),
                        Path.of("/usr/lib/x86_64-linux-gnu/libcuda.so.1"), Path.of("/tmp/libcuda.so.1")),
                DriverLibrary.cachedIn(cache.toByteArray(), "libcuda.so.1"));
    }

    @Test
    void thisMachinesCacheListsItsCLibrary() throws Exception {
        Path cache = Path.of("/etc/ld.so.cache");
        assumeTrue(Files.isReadable(cache), "no /etc/ld.so.cache here");
        List<Path> libc = DriverLibrary.cachedIn(Files.readAllBytes(cache), "libc.so.6");
        assertTrue(libc.stream().anyMatch(Files::isRegularFile), "libc.so.6 from the cache: " + libc);
    }
}
