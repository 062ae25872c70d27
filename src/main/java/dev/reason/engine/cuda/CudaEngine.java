package dev.reason.engine.cuda;

import dev.reason.engine.DecodeBatch;
import dev.reason.engine.DeviceException;
import dev.reason.engine.Engine;
import dev.reason.engine.KernelTime;
import dev.reason.model.ModelConfig;
import dev.reason.model.ModelDirectory;
import dev.reason.model.RopeScaling;
import jcuda.CudaException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuCtxSynchronize;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetCount;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDriverGetVersion;
import static jcuda.driver.JCudaDriver.cuInit;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoD;

/**
 * The GPU engine: the project's own CUDA kernels ({@code native/}, shipped as a fatbin in the jar) launched through
 * the CUDA driver API (JCuda), on one GPU ({@code --device cuda} takes the first the kernels run on, {@code cuda:N} the
 * driver's device N). Needs only the NVIDIA driver: no CUDA toolkit, cuBLAS or NVRTC.
 * Weights are fp32 or bf16 (tensor-core GEMMs); activations, softmax and norms are fp32.
 *
 * <p>A CUDA context belongs to the calling thread, so every entry point makes the engine's context current.
 */
public final class CudaEngine implements Engine {
    public enum Precision { FP32, BF16 }

    /** Why CUDA is unavailable on a machine without an NVIDIA driver, the usual case: short, as auto's notice. */
    public static final String NO_DRIVER = "no NVIDIA driver (libcuda.so.1 not found)";
    private static final List<String> ARCHITECTURES = List.of("llama", "mistral", "qwen2", "qwen3");  // model_type
    private static final int MIN_COMPUTE_CAPABILITY = 80;   // the fatbin's oldest target: sm_80 (Ampere)
    private static Optional<String> unavailable;
    private static List<CudaDevice> gpus = List.of();  // what the probe found, in the driver's order

    private final CUdevice device;
    private final CUcontext context;
    private final CudaDevice gpu;
    private final long totalMemory;
    private final ModelConfig config;
    private final Precision precision;
    private final Consumer<String> notice;
    private final Kernels.Module module;
    private final Kernels kernels;
    private final DeviceWeights weights;
    private final long freeAfterLoad;  // device memory free once the weights are on it
    private double bandwidth;
    private boolean graphs = Kernels.GRAPHS;
    private boolean closed;

    private CudaEngine(CUdevice device, CUcontext context, CudaDevice gpu, long totalMemory, ModelConfig config,
                       Precision precision, Consumer<String> notice, Kernels.Module module, Kernels.Gpu shape,
                       Tuning tuning, DeviceWeights weights) {
        this.device = device;
        this.context = context;
        this.gpu = gpu;
        this.totalMemory = totalMemory;
        this.config = config;
        this.precision = precision;
        this.notice = notice;
        this.module = module;
        this.kernels = new Kernels(module, precision, shape, tuning);
        this.weights = weights;
        long[] free = new long[1];
        long[] total = new long[1];
        cuMemGetInfo(free, total);
        this.freeAfterLoad = free[0];
    }

    /** Nine tenths of the GPU memory free after the weights loaded: the rest for activations and the sampler. */
    @Override
    public long kvMemory() {
        return freeAfterLoad / 10 * 9;
    }

    /**
     * A GPU the driver lists, {@code --device cuda:ordinal} (in the driver's order, which CUDA_VISIBLE_DEVICES and
     * CUDA_DEVICE_ORDER set).
     *
     * @param capability compute capability, major * 10 + minor
     */
    record CudaDevice(int ordinal, String name, int capability) {
        /** Whether the kernels run on it: the fatbin's oldest target is sm_80. */
        boolean runsKernels() {
            return capability >= MIN_COMPUTE_CAPABILITY;
        }

        /** "cuda:1 (NVIDIA H200, compute capability 9.0)". */
        String label() {
            return "cuda:" + ordinal + " (" + name + ", compute capability " + capability / 10 + "." + capability % 10
                    + ")";
        }
    }

    /**
     * Why the CUDA engine cannot run here (JCuda's native library or libcuda missing, cuInit failing, no device, no
     * GPU as new as the kernels), or empty. Never throws; the answer is found once.
     */
    public static synchronized Optional<String> unavailable() {
        if (unavailable == null) {
            unavailable = probe();
        }
        return unavailable;
    }

    /**
     * {@link #unavailable}'s reason with what to do about it, for those who asked for the GPU (--device cuda,
     * reason check, --version): a driver may be installed where the loader does not look.
     */
    public static Optional<String> unavailableWithAdvice() {
        return unavailable().map(why -> why.equals(NO_DRIVER)
                ? why + "; if the driver is installed elsewhere, set " + DriverLibrary.ENV + " to its folder" : why);
    }

    private static Optional<String> probe() {
        Optional<String> driver = preloadDriver();
        if (driver.isPresent()) {
            return driver;
        }
        try {
            JCudaDriver.setExceptionsEnabled(true);
            cuInit(0);
            int[] count = new int[1];
            cuDeviceGetCount(count);
            List<CudaDevice> found = new ArrayList<>();
            for (int i = 0; i < count[0]; i++) {
                CUdevice device = new CUdevice();
                cuDeviceGet(device, i);
                found.add(new CudaDevice(i, deviceName(device), computeCapability(device)));
            }
            gpus = List.copyOf(found);
            return whyNone(gpus);
        } catch (LinkageError e) {
            String problem = linkProblem(e);
            if (problem.contains("libcuda.so")) {        // the usual case: a machine without an NVIDIA driver
                return Optional.of(NO_DRIVER);
            }
            return Optional.of("JCuda's driver library cannot be loaded (" + problem + ")");
        } catch (CudaException e) {
            return Optional.of("the NVIDIA driver cannot start CUDA (" + firstLine(e) + ")");
        } catch (RuntimeException e) {
            return Optional.of("CUDA cannot start (" + firstLine(e) + ")");
        }
    }

    /** Why none of these GPUs runs the kernels, or empty when one does. */
    static Optional<String> whyNone(List<CudaDevice> gpus) {
        if (gpus.isEmpty()) {
            return Optional.of("the NVIDIA driver sees no CUDA device");
        }
        if (gpus.stream().anyMatch(CudaDevice::runsKernels)) {
            return Optional.empty();
        }
        if (gpus.size() == 1) {
            int c = gpus.get(0).capability();
            return Optional.of("the GPU has compute capability " + c / 10 + "." + c % 10
                    + "; the CUDA engine needs 8.0 or newer (Ampere, Ada, Hopper and later)");
        }
        return Optional.of("none of the " + gpus.size() + " GPUs (" + labels(gpus) + ") has compute capability 8.0"
                + " or newer, which the CUDA engine needs (Ampere, Ada, Hopper and later)");
    }

    /**
     * The GPU that {@code --device asked} names: {@code cuda} (ordinal empty) the first the kernels run on,
     * {@code cuda:N} the driver's device N.
     *
     * @throws DeviceException (one line, naming the GPUs there are) when there is no device N or it is too old
     */
    static CudaDevice choose(List<CudaDevice> gpus, OptionalInt ordinal, String asked) {
        Optional<CudaDevice> first = gpus.stream().filter(CudaDevice::runsKernels).findFirst();
        if (ordinal.isEmpty()) {
            return first.orElseThrow(() -> new DeviceException("--device " + asked + ": "
                    + whyNone(gpus).orElseThrow() + "; use --device cpu"));
        }
        String instead = first.map(g -> "--device cuda:" + g.ordinal() + " or --device cpu").orElse("--device cpu");
        int n = ordinal.getAsInt();
        if (n >= gpus.size()) {
            throw new DeviceException("--device " + asked + ": the NVIDIA driver lists "
                    + (gpus.size() == 1 ? "one GPU, " : gpus.size() + " GPUs, ") + labels(gpus) + "; use " + instead);
        }
        CudaDevice gpu = gpus.get(n);
        if (!gpu.runsKernels()) {
            throw new DeviceException("--device " + asked + ": " + gpu.label()
                    + " is older than the CUDA engine's kernels, which need compute capability 8.0 or newer; use "
                    + instead);
        }
        return gpu;
    }

    private static String labels(List<CudaDevice> gpus) {
        return gpus.stream().map(CudaDevice::label).collect(Collectors.joining(", "));
    }

    /**
     * Loads libcuda.so.1 by its path when the loader would not find it ({@link DriverLibrary}), before JCuda's
     * library links it by name; says why not when that fails.
     */
    private static Optional<String> preloadDriver() {
        Optional<Path> library;
        try {
            library = DriverLibrary.toPreload(System.getenv(), DriverLibrary.cached(), Files::isRegularFile);
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        try {
            library.ifPresent(path -> System.load(path.toAbsolutePath().toString()));
            return Optional.empty();
        } catch (UnsatisfiedLinkError e) {
            return Optional.of("the NVIDIA driver library " + library.get() + " cannot be loaded (" + firstLine(e) + ")");
        }
    }

    /**
     * One line on the GPU the engine would run on (every GPU, when the driver lists several), or on why it cannot
     * run (for {@code reason --version}): what to look at first when {@code --device auto} picks the CPU.
     */
    public static String describe() {
        Optional<String> why = unavailableWithAdvice();
        if (why.isPresent()) {
            return "cuda: not available (" + why.get() + ")";
        }
        try {
            int[] driver = new int[1];
            cuDriverGetVersion(driver);
            String versions = "driver for CUDA " + Kernels.cudaVersion(driver[0]) + "; kernels built with CUDA "
                    + Kernels.builtWith();
            if (gpus.size() == 1) {
                CudaDevice g = gpus.get(0);
                return "cuda: " + g.name() + ", compute capability " + g.capability() / 10 + "." + g.capability() % 10
                        + ", " + versions;
            }
            return "cuda: " + gpus.size() + " GPUs: " + gpus.stream()
                    .map(g -> g.label() + (g.runsKernels() ? "" : " too old for the kernels"))
                    .collect(Collectors.joining(", ")) + "; --device cuda takes cuda:"
                    + choose(gpus, OptionalInt.empty(), "cuda").ordinal() + "; " + versions;
        } catch (RuntimeException e) {
            return "cuda: not available (" + firstLine(e) + ")";
        }
    }

    private static String deviceName(CUdevice device) {
        byte[] name = new byte[256];
        cuDeviceGetName(name, name.length, device);
        return new String(name, StandardCharsets.US_ASCII).split("\0", 2)[0];
    }

    private static int computeCapability(CUdevice device) {
        return 10 * attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR)
                + attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    }

    /** The multiprocessors the launch shapes are fitted to. */
    private static Kernels.Gpu gpu(CUdevice device) {
        return new Kernels.Gpu(attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
                attribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR));
    }

    private static int attribute(CUdevice device, int attribute) {
        int[] value = new int[1];
        cuDeviceGetAttribute(value, attribute, device);
        return value[0];
    }

    /** JCuda's message lists every way it tried to load its library; the last attempt's error says most. */
    private static String linkProblem(LinkageError e) {
        String prefix = "java.lang.UnsatisfiedLinkError: ";
        String problem = firstLine(e);
        for (String line : String.valueOf(e.getMessage()).lines().toList()) {
            if (line.startsWith(prefix)) {
                problem = line.substring(prefix.length()).strip();
            }
        }
        return problem;
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
        return m.lines().findFirst().orElse(m);
    }

    /** {@link #load(ModelDirectory, Precision, OptionalInt, Consumer)} on the first GPU the kernels run on. */
    public static CudaEngine load(ModelDirectory model, Precision precision, Consumer<String> notice) {
        return load(model, precision, OptionalInt.empty(), notice);
    }

    /**
     * Loads the weights from the model's ONNX file, converts them to {@code precision} and uploads them to the GPU
     * {@code ordinal} names (empty: the first the kernels run on). {@code notice} receives one line when a batch has
     * to run fewer chains than asked (GPU memory).
     *
     * @throws DeviceException (one line) when CUDA is unavailable, there is no such GPU or it is too old, the
     *                         model's shape is beyond the kernels, or its weights do not fit in the GPU's memory
     */
    public static CudaEngine load(ModelDirectory model, Precision precision, OptionalInt ordinal,
                                  Consumer<String> notice) {
        String asked = ordinal.isPresent() ? "cuda:" + ordinal.getAsInt() : "cuda";
        unavailable().ifPresent(reason -> {
            throw new DeviceException("--device " + asked + ": " + reason + "; use --device cpu");
        });
        CudaDevice gpu = choose(gpus, ordinal, asked);
        ModelConfig c = model.config();
        cannotRun(c).ifPresent(why -> {
            throw new DeviceException("--device " + asked + ": " + why + "; use --device cpu");
        });
        Tuning tuning;
        try {
            tuning = Tuning.from(System.getenv());
        } catch (IllegalArgumentException e) {
            throw new DeviceException("--device " + asked + ": " + e.getMessage());
        }
        CUdevice device = new CUdevice();
        CUcontext context = new CUcontext();
        Kernels.Module module = null;
        try {
            cuDeviceGet(device, gpu.ordinal());
            cuDevicePrimaryCtxRetain(context, device);
            cuCtxSetCurrent(context);
            long[] free = new long[1];
            long[] total = new long[1];
            cuMemGetInfo(free, total);
            long needed = DeviceWeights.bytesNeeded(c, precision);
            if (needed > free[0]) {
                throw new DeviceException("--device " + asked + ": the model's weights need " + size(needed) + " in "
                        + name(precision) + " but the GPU has " + size(free[0]) + " free; use a smaller model"
                        + (precision == Precision.FP32 ? ", bf16" : "") + " or --device cpu");
            }
            module = new Kernels.Module();
            DeviceWeights weights = OnnxWeights.read(model, host -> DeviceWeights.upload(host, c, precision));
            return new CudaEngine(device, context, gpu,
                    total[0], c, precision, notice, module, gpu(device), tuning, weights);
        } catch (RuntimeException e) {
            try {
                if (module != null) {
                    module.close();
                }
                cuDevicePrimaryCtxRelease(device);
            } catch (CudaException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof CudaException) {
                DeviceException d = new DeviceException("--device " + asked + ": CUDA failed while loading the model ("
                        + firstLine(e) + "); REASON_DEBUG=1 shows where, --device cpu works without it");
                d.initCause(e);
                throw d;
            }
            throw e;
        }
    }

    /** Why the kernels cannot compute this model (its architecture), for a notice; empty when they can. */
    public static Optional<String> cannotRun(ModelConfig c) {
        String what = unsupported(c);
        return what == null ? Optional.empty() : Optional.of("the CUDA kernels do not support " + what);
    }

    /** What in the model's architecture the kernels cannot compute, or null. */
    static String unsupported(ModelConfig c) {
        int d = c.headDim();
        // The kernels compute the Llama block (RMSNorm, RoPE, GQA, SwiGLU; Qwen3's per-head q/k norms); the weights are
        // found through the graph whatever the architecture, so another one (Gemma's scaled norms) would load and be wrong.
        if (!ARCHITECTURES.contains(c.modelType())) {
            return "model_type " + c.modelType() + " (they run the Llama family: " + String.join(", ", ARCHITECTURES)
                    + ")";
        }
        if (!c.hiddenAct().equals("silu")) {
            return "hidden_act " + c.hiddenAct() + " (their MLP is SwiGLU, silu)";
        }
        if (!RopeScaling.TYPES.contains(c.ropeScaling().type())) {
            return "rope_type " + c.ropeScaling().type() + " (they scale RoPE as " + String.join(", ", RopeScaling.TYPES)
                    + ")";
        }
        if (d % 2 != 0) {
            return "an odd head_dim (" + d + ")";
        }
        if (d > Kernels.MAX_HEAD_DIM) {
            return "head_dim " + d + " (over " + Kernels.MAX_HEAD_DIM + ")";
        }
        if (c.numHeads() % c.numKvHeads() != 0) {
            return c.numHeads() + " heads over " + c.numKvHeads() + " KV heads";
        }
        return null;
    }

    /**
     * GPU time per kernel since the last call, longest first, when {@code REASON_CUDA_PROFILE=1} (which times each
     * launch with CUDA events and so runs without CUDA graphs); empty otherwise.
     */
    @Override
    public List<KernelTime> takeKernelProfile() {
        bind();
        return kernels.takeProfile();
    }

    /** Whether decode steps are recorded and replayed as CUDA graphs (see {@link Kernels#record}). */
    boolean graphs() {
        return graphs;
    }

    /** Recording a graph failed: says so once, and batches launch kernel by kernel from now on. */
    void graphsFailed(RuntimeException e) {
        if (graphs) {
            graphs = false;
            notice.accept("cuda: CUDA graphs failed (" + firstLine(e) + "); launching kernels one by one, which"
                    + " is slower at few chains");
        }
    }

    /** Makes this engine's context the calling thread's. */
    void bind() {
        cuCtxSetCurrent(context);
    }

    ModelConfig config() {
        return config;
    }

    Precision precision() {
        return precision;
    }

    Kernels kernels() {
        return kernels;
    }

    DeviceWeights weights() {
        return weights;
    }

    @Override
    public String device() {
        return "cuda";
    }

    @Override
    public String description() {
        // The ordinal only where the driver lists several GPUs: which one ran is then part of the result.
        String tuned = kernels.tuning().changed();
        return label() + " (" + gpu.name() + ", " + name(precision) + ", " + size(totalMemory)
                + (tuned.isEmpty() ? "" : ", " + tuned) + ")";
    }

    /** "cuda", or "cuda:N" where the driver lists several GPUs. */
    private String label() {
        return gpus.size() > 1 ? "cuda:" + gpu.ordinal() : "cuda";
    }

    /**
     * Prefills the prompt and allocates {@code slots} decode rows; when the GPU's memory cannot hold them, halves
     * the rows (down to one) and says so through the engine's notice.
     */
    @Override
    public DecodeBatch start(int[] prompt, int slots, int maxNewTokens) {
        if (prompt.length == 0 || slots < 1 || maxNewTokens < 1) {
            throw new IllegalArgumentException("start needs a prompt, slots and new tokens: " + prompt.length
                    + ", " + slots + ", " + maxNewTokens);
        }
        for (int t : prompt) {
            if (t < 0 || t >= config.vocabSize()) {
                throw new IllegalArgumentException("prompt token " + t + " is outside the " + config.vocabSize()
                        + "-token vocabulary");
            }
        }
        bind();
        for (int n = slots; ; n = Math.max(1, n / 2)) {
            DeviceMemory memory = new DeviceMemory();
            try {
                CudaBatch batch = new CudaBatch(this, memory, prompt, n, maxNewTokens);
                if (n < slots) {
                    notice.accept("cuda: GPU memory holds " + n + " of the " + slots + " parallel chains asked"
                            + " for (prompt " + prompt.length + " + " + maxNewTokens + " new tokens each)");
                }
                return batch;
            } catch (RuntimeException e) {
                memory.closeAfter(e);
                if (!(e instanceof CudaException cuda)) {
                    throw e;
                }
                if (!DeviceMemory.isOutOfMemory(cuda)) {
                    throw new IllegalStateException("CUDA failed in prefill: " + cuda.getMessage()
                            + (Kernels.DEBUG ? "" : " (REASON_CUDA_DEBUG=1 names the kernel)"), cuda);
                }
                if (n == 1) {
                    throw new DeviceException("--device " + label() + ": the GPU's memory cannot hold one chain of a "
                            + prompt.length + "-token prompt and " + maxNewTokens + " new tokens; lower"
                            + " --max-tokens or use --device cpu");
                }
            }
        }
    }

    /**
     * Device-to-device copy bandwidth in GB/s (bytes read plus bytes written per second), for a roofline of the
     * decode step; measured on the first call with a copy of up to 256 MiB.
     */
    public synchronized double copyBandwidthGBps() {
        if (bandwidth == 0) {
            bind();
            long[] free = new long[1];
            long[] total = new long[1];
            cuMemGetInfo(free, total);
            long bytes = Math.min(256L << 20, free[0] / 4) & ~255L;
            try (DeviceMemory memory = new DeviceMemory()) {
                CUdeviceptr a = memory.alloc(bytes);
                CUdeviceptr b = memory.alloc(bytes);
                cuMemcpyDtoD(b, a, bytes);                     // warm-up
                cuCtxSynchronize();
                int copies = 10;
                long t0 = System.nanoTime();
                for (int i = 0; i < copies; i++) {
                    cuMemcpyDtoD(i % 2 == 0 ? a : b, i % 2 == 0 ? b : a, bytes);
                }
                cuCtxSynchronize();
                bandwidth = 2.0 * bytes * copies / ((System.nanoTime() - t0) / 1e9) / 1e9;
            }
        }
        return bandwidth;
    }

    @Override
    public OptionalDouble roofline(int chains, double meanContext) {
        double bytesPerStep = weightBytes() + chains * meanContext * kvBytesPerToken();
        return OptionalDouble.of(chains / (bytesPerStep / (copyBandwidthGBps() * 1e9)));
    }

    /** Bytes of weights one decode step reads. */
    public long weightBytes() {
        return weights.bytesPerStep();
    }

    /** Bytes of keys and values one token adds to a chain's cache, all layers. */
    public long kvBytesPerToken() {
        return 2L * config.numLayers() * config.numKvHeads() * config.headDim()
                * DeviceWeights.bytesPerElement(precision);
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        bind();
        weights.close();
        module.close();
        cuDevicePrimaryCtxRelease(device);
    }

    private static String name(Precision p) {
        return p.name().toLowerCase(Locale.ROOT);
    }

    /** GiB, or MiB below one GiB (a small model's weights would read "0.0 GiB"). */
    static String size(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
}
