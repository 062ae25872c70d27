package dev.reason.engine.cuda;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The committed fatbin is the one native/build.sh makes from the current sources (no nvcc needed to check). */
class FatbinTest {
    private static final Path NATIVE = Path.of("native");

    @Test
    void fatbinWasBuiltFromTheCurrentSources() throws Exception {
        assertEquals(recorded("reason_kernels.sources.sha256"), sourcesHash(),
                "native/ changed since the fatbin was built: run native/build.sh");
    }

    @Test
    void fatbinMatchesItsRecordedHash() throws Exception {
        byte[] gzipped = resource("reason_kernels.fatbin.gz");
        byte[] fatbin = Kernels.gunzip(gzipped);
        assertEquals(recorded("reason_kernels.fatbin.sha256"), hex(sha256().digest(fatbin)),
                "the fatbin is not the one native/build.sh recorded: run native/build.sh");
        assertTrue(fatbin.length < 6 << 20, "the fatbin should stay small, it is " + fatbin.length + " bytes");
        // gzip -n: no file name (FLG.FNAME, bit 3) and no time (MTIME, bytes 4-7), so a rebuild of the same fatbin
        // commits the same bytes
        assertEquals(0, gzipped[3] & 0x08, "the fatbin was gzip'd with its file name: gzip -n, as native/build.sh");
        assertEquals(0, gzipped[4] | gzipped[5] | gzipped[6] | gzipped[7],
                "the fatbin was gzip'd with a time stamp: gzip -n, as native/build.sh");
    }

    @Test
    void aDamagedFatbinIsAClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Kernels.gunzip(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2}));
        assertTrue(e.getMessage().contains("reason_kernels.fatbin.gz is damaged") && e.getMessage().contains("rebuild"),
                e.getMessage());
    }

    @Test
    void theToolkitsCudaVersionIsRecordedForTheDriverError() throws Exception {
        assertTrue(recorded("reason_kernels.cuda-version").matches("\\d+\\.\\d+"),
                "native/build.sh writes nvcc's release (e.g. 13.0) to reason_kernels.cuda-version");
        assertEquals("13.0", Kernels.cudaVersion(13000));  // as cuDriverGetVersion reports them
        assertEquals("12.4", Kernels.cudaVersion(12040));
        String old = Kernels.loadFailure(12040, "13.0", "CUDA_ERROR_UNSUPPORTED_PTX_VERSION");
        assertTrue(old.contains("(for CUDA 12.4)") && old.contains("a driver for CUDA 13.0 or newer"), old);
        String other = Kernels.loadFailure(13000, "13.0", "CUDA_ERROR_OUT_OF_MEMORY");
        assertTrue(other.contains("CUDA_ERROR_OUT_OF_MEMORY") && !other.contains("or newer"), other);
        assertTrue(Kernels.loadFailure(13000, "?", "CUDA_ERROR_INVALID_IMAGE").contains("CUDA_ERROR_INVALID_IMAGE"));
    }

    /** As build.sh: each source's name, a newline and its bytes, in byte order of the names. */
    static String sourcesHash() throws IOException, NoSuchAlgorithmException {
        List<Path> sources;
        try (Stream<Path> files = Files.list(NATIVE)) {
            sources = files.filter(p -> p.getFileName().toString().matches(".*\\.cuh?"))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .toList();
        }
        assertTrue(sources.size() > 0, "no CUDA sources in " + NATIVE.toAbsolutePath());
        MessageDigest digest = sha256();
        for (Path p : sources) {
            digest.update((p.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
            digest.update(Files.readAllBytes(p));
        }
        return hex(digest.digest());
    }

    private static String recorded(String name) throws IOException {
        return new String(resource(name), StandardCharsets.US_ASCII).strip();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = FatbinTest.class.getResourceAsStream("/dev/reason/engine/cuda/" + name)) {
            assertNotNull(in, name + " is missing from src/main/resources/dev/reason/engine/cuda: run native/build.sh");
            return in.readAllBytes();
        }
    }

    private static MessageDigest sha256() throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256");
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
