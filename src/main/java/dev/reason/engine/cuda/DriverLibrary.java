package dev.reason.engine.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The NVIDIA driver's {@code libcuda.so.1} where the dynamic loader would not find it. JCuda's JNI library links it
 * by that name, so the loader's own search decides (LD_LIBRARY_PATH, /etc/ld.so.cache, the system folders), and
 * containers and WSL often keep the driver elsewhere ({@code /usr/local/nvidia/lib64}, {@code /usr/lib/wsl/lib})
 * with the path set only for the image's own programs. A library loaded first by its full path satisfies JCuda's
 * link by its soname. {@value #ENV} names the library or its folder outright.
 */
final class DriverLibrary {
    static final String NAME = "libcuda.so.1";
    static final String ENV = "REASON_CUDA_DRIVER";
    /** Folders the loader searches without being told (glibc's defaults, Debian's multiarch ones). */
    static final List<String> SYSTEM_FOLDERS = List.of("/lib", "/usr/lib", "/lib64", "/usr/lib64",
            "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu");
    /** Where drivers are kept outside the loader's path: NVIDIA's container runtime, WSL, the GPU operator. */
    static final List<String> DRIVER_FOLDERS = List.of("/usr/local/nvidia/lib64", "/usr/local/nvidia/lib",
            "/usr/lib/wsl/lib", "/usr/lib64/nvidia", "/usr/lib/x86_64-linux-gnu/nvidia/current",
            "/run/nvidia/driver/usr/lib/x86_64-linux-gnu", "/run/nvidia/driver/usr/lib64");
    private static final Path LD_CACHE = Path.of("/etc/ld.so.cache");

    private DriverLibrary() {
    }

    /**
     * The library to load by its path before JCuda, or empty: the loader finds one itself, or there is none to
     * find (JCuda's own error then says so, as before).
     *
     * @param env    the environment ({@value #ENV}, LD_LIBRARY_PATH)
     * @param cached the paths of libcuda.so.1 that the loader's cache lists
     * @param isFile whether a path is a regular file
     * @throws IllegalArgumentException when {@value #ENV} names no libcuda.so.1
     */
    static Optional<Path> toPreload(Map<String, String> env, List<Path> cached, Predicate<Path> isFile) {
        String named = env.getOrDefault(ENV, "").strip();
        if (!named.isEmpty()) {
            Path path = Path.of(named);
            for (Path candidate : List.of(path, path.resolve(NAME))) {
                if (isFile.test(candidate)) {
                    return Optional.of(candidate);
                }
            }
            throw new IllegalArgumentException(ENV + "=" + named + " names no " + NAME
                    + ": point it at the NVIDIA driver's " + NAME + " or the folder that holds it");
        }
        List<Path> loaderSees = new ArrayList<>();
        for (String folder : env.getOrDefault("LD_LIBRARY_PATH", "").split(":")) {
            if (!folder.isBlank()) {
                loaderSees.add(Path.of(folder).resolve(NAME));
            }
        }
        loaderSees.addAll(cached);
        SYSTEM_FOLDERS.forEach(folder -> loaderSees.add(Path.of(folder, NAME)));
        if (loaderSees.stream().anyMatch(isFile)) {
            return Optional.empty();
        }
        return DRIVER_FOLDERS.stream().map(folder -> Path.of(folder, NAME)).filter(isFile).findFirst();
    }

    /** The paths of libcuda.so.1 in /etc/ld.so.cache (none when it cannot be read). */
    static List<Path> cached() {
        try {
            return cachedIn(Files.readAllBytes(LD_CACHE), NAME);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /**
     * The paths of library {@code name} in an ld.so.cache file's bytes: its string table holds each library's
     * absolute path as a NUL-terminated string, whatever the cache format's version.
     */
    static List<Path> cachedIn(byte[] cache, String name) {
        List<Path> paths = new ArrayList<>();
        String suffix = "/" + name;
        int start = 0;
        for (int i = 0; i <= cache.length; i++) {
            if (i == cache.length || cache[i] == 0) {
                if (i > start && cache[start] == '/') {
                    String s = new String(cache, start, i - start, StandardCharsets.ISO_8859_1);
                    if (s.endsWith(suffix)) {
                        paths.add(Path.of(s));
                    }
                }
                start = i + 1;
            }
        }
        return paths;
    }
}
