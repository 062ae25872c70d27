package dev.reason.engine.cuda;

import jcuda.driver.CUdeviceptr;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every launch helper passes exactly the parameters its kernel declares in native/ (count, order, and C type:
 * pointer, int, long long, float, double) within the kernel's launch bounds. A mismatch would read garbage on the GPU
 * without any error, so it is checked here, without one.
 */
class KernelSignaturesTest {
    private static final Pattern KERNEL = Pattern.compile(
            "extern\\s+\"C\"\\s+__global__\\s+void\\s+(?:__launch_bounds__\\(([^)]*)\\)\\s+)?(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern DEFINE = Pattern.compile("#define\\s+(\\w+)\\s+(\\d+)");

    private record Signature(List<Class<?>> params, String launchBounds) {
    }

    private record Launch(String kernel, int gridX, int gridY, int gridZ, int block, Object[] args) {
    }

    private static String sources() throws IOException {
        return Files.readString(Path.of("native", "sampling.cuh"))
                + Files.readString(Path.of("native", "reason_kernels.cu"));
    }

    private static Map<String, Signature> kernels() throws IOException {
        Map<String, Signature> found = new HashMap<>();
        Matcher m = KERNEL.matcher(sources());
        while (m.find()) {
            List<Class<?>> params = new ArrayList<>();
            for (String p : m.group(3).split(",")) {
                String type = p.strip().split("\\s+")[0];
                params.add(p.contains("*") ? CUdeviceptr.class
                        : p.strip().startsWith("long long ") ? Long.class
                        : type.equals("int") ? Integer.class
                        : type.equals("float") ? Float.class
                        : type.equals("double") ? Double.class
                        : Void.class);
            }
            found.put(m.group(2), new Signature(params, m.group(1)));
        }
        return found;
    }

    private static List<Launch> everyLaunch(CudaEngine.Precision precision) {
        List<Launch> launches = new ArrayList<>();
        Kernels k = new Kernels(
                (kernel, gx, gy, gz, block, args) -> launches.add(new Launch(kernel, gx, gy, gz, block, args)),
                precision, Kernels.Gpu.HOPPER);
        CUdeviceptr p = new CUdeviceptr();
        k.embed(p, p, p, 3, 8, 10);
        k.rmsnorm(p, p, p, 3, 8, 1e-5f);
        k.gemm(p, p, p, p, 3, 40, 8, true, p);
        k.gemm(p, p, p, p, 3, 40, 1024, false, p);  // split along K in bf16: gemm_bf16 in parts, then gemm_reduce
        for (int ins : new int[] {8, 1024}) {       // the fused ends of a split product (reduce_*) and the plain ones
            k.gemmAddNorm(p, p, p, p, p, p, 3, 40, ins, 1e-5f, p);
            k.gemmSwiglu(p, p, p, p, p, 3, 20, ins, p);
            k.gemmRopeStore(p, p, p, p, 3, ins, p, 4, 2, 8, p, p, 5, p, p, p, 7, p, true, p);
        }
        k.headNorm(p, p, p, 3, 4, 2, 8, 1e-6f);
        k.ropeStore(p, p, 3, 4, 2, 8, p, p, 5, p, p, p, 7, p, true);
        for (int headDim : new int[] {8, 128, 256}) {  // the kernels by head size
            k.attention(p, p, 3, 4, 2, headDim, p, p, 5, p, p, p, 7, p, false);
        }
        k.swiglu(p, p, 3, 300);
        k.penalize(p, p, p, p, 3, 10, p);
        k.ban(p, p, 3, 5, 10);
        k.sample(p, 3, 10, 10, p, p, p, 5, false, 1.0, 2.0, 4, 0.9);
        k.sample(p, 3, 10, 10, p, p, p, 5, true, 0.0, 2.0, 0, 1.0);
        return launches;
    }

    @Test
    void theModuleLoadsEveryKernelTheLaunchesUse() throws IOException {
        Set<String> launched = new TreeSet<>();
        for (CudaEngine.Precision precision : CudaEngine.Precision.values()) {
            for (Launch l : everyLaunch(precision)) {
                launched.add(l.kernel());
            }
        }
        assertEquals(launched, new TreeSet<>(Kernels.NAMES), "Kernels.NAMES, loaded with the module");
        assertTrue(kernels().keySet().containsAll(Kernels.NAMES), "every name is a kernel in native/");
    }

    @Test
    void theSplitGemmLaunchesItsReduction() {
        List<String> kernels = new ArrayList<>();
        for (Launch l : everyLaunch(CudaEngine.Precision.BF16)) {
            kernels.add(l.kernel() + " z " + l.gridZ());
        }
        assertTrue(kernels.contains("gemm_bf16 z 1"), kernels.toString());
        assertTrue(kernels.contains("gemm_bf16 z 4") && kernels.contains("gemm_reduce z 1"), kernels.toString());
        List<String> fused = new ArrayList<>();
        for (Launch l : everyLaunch(CudaEngine.Precision.BF16)) {
            if (l.kernel().startsWith("reduce_")) {
                fused.add(l.kernel() + " after " + l.args()[l.args().length - (l.kernel().contains("rmsnorm") ? 2 : 1)]
                        + " parts");
            }
        }
        assertEquals(List.of("reduce_rmsnorm_bf16 after 4 parts", "reduce_swiglu_bf16 after 4 parts",
                "reduce_rope_store_bf16 after 4 parts"), fused);
    }

    @Test
    void launchesMatchTheKernelsDeclaredInNative() throws IOException {
        Map<String, Signature> declared = kernels();
        for (CudaEngine.Precision precision : CudaEngine.Precision.values()) {
            for (Launch l : everyLaunch(precision)) {
                Signature s = declared.get(l.kernel());
                assertNotNull(s, "no extern \"C\" __global__ " + l.kernel() + " in native/");
                List<Class<?>> passed = new ArrayList<>();
                for (Object a : l.args()) {
                    passed.add(a.getClass());
                }
                assertEquals(s.params(), passed, l.kernel() + ": parameters passed vs declared");
                assertTrue(l.block() % 32 == 0 && l.block() <= 1024, l.kernel() + ": block " + l.block());
                if (s.launchBounds() != null) {
                    int bound = evaluate(s.launchBounds());
                    assertTrue(l.block() <= bound, l.kernel() + ": block " + l.block() + " over its launch bounds");
                }
                assertTrue(l.gridX() >= 1 && l.gridY() >= 1 && l.gridZ() >= 1, l.kernel() + ": empty grid");
            }
        }
    }

    /** A launch bound: a product of numbers and #defined numbers. */
    private static int evaluate(String bound) throws IOException {
        Map<String, Integer> defines = new HashMap<>();
        Matcher m = DEFINE.matcher(sources());
        while (m.find()) {
            defines.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        int product = 1;
        for (String factor : bound.split(",")[0].split("\\*")) {  // threads per block; then blocks per SM, if any
            String f = factor.strip();
            product *= defines.containsKey(f) ? defines.get(f) : Integer.parseInt(f);
        }
        return product;
    }
}
