// A CUDA driver on the CPU: libcuda.so.1 with the driver API calls the engine makes through JCuda, running the
// real kernels of native/ on the emulator (cuda_emulator.h). With this library first on LD_LIBRARY_PATH, JCuda's
// own JNI library links against it, and the Java GPU engine (dev.reason.engine.cuda) runs unchanged on a machine
// without a GPU: its host code (weight upload, buffer layout, launch arguments, graph capture and replay, the halving
// of chains when memory runs out) is then checked end to end against ONNX Runtime by the GPU tests themselves.
// native/emulator/driver.sh builds it and runs them.
//
// What it checks beyond running the code: every pointer a kernel is given and every copy's device range lie in
// a live allocation; fresh device memory is filled with 0xff bytes (NaN as float and as bf16), so that reading
// memory nothing wrote shows up in the results; a capture holds exactly the launches made on its stream.
// Everything runs at once on the calling thread (streams and events are in order by construction), under one
// lock: the emulator's fibers and globals are not thread-safe.
//
// Environment: CUDA_EMULATOR_MEMORY_MIB (1024), the device memory it reports and allows; CUDA_EMULATOR_DEVICES
// ("9.0"), the devices it lists, by compute capability;
// CUDA_EMULATOR_ORDER=descending (see cuda_emulator.h).
#include "cuda_emulator.h"
#include "reason_kernels.cu"

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#define EXPORT extern "C" __attribute__((visibility("default")))

// The driver API's types, as cuda.h declares them (same sizes and values; only what is used here).
typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct Context* CUcontext;
typedef struct Module* CUmodule;
typedef struct Kernel* CUfunction;
typedef struct Stream* CUstream;
typedef struct Event* CUevent;
typedef struct Graph* CUgraph;
typedef struct Graph* CUgraphExec;  // an instantiated graph is a copy of its launches
typedef void* CUgraphNode;

enum : CUresult {
    CUDA_SUCCESS = 0,
    CUDA_ERROR_INVALID_VALUE = 1,
    CUDA_ERROR_OUT_OF_MEMORY = 2,
    CUDA_ERROR_NOT_INITIALIZED = 3,
    CUDA_ERROR_INVALID_DEVICE = 101,
    CUDA_ERROR_INVALID_IMAGE = 200,
    CUDA_ERROR_INVALID_CONTEXT = 201,
    CUDA_ERROR_INVALID_HANDLE = 400,
    CUDA_ERROR_NOT_FOUND = 500,
    CUDA_ERROR_ILLEGAL_ADDRESS = 700,
    CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES = 701,
    CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED = 900,
    CUDA_ERROR_STREAM_CAPTURE_UNMATCHED = 903,
};

enum {
    CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1,
    CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16,
    CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75,
    CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76,
    CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR = 39,
};

constexpr int DRIVER_VERSION = 13000;  // CUDA 13.0, the fatbin's (reason_kernels.cuda-version)
constexpr uint32_t FATBIN_MAGIC = 0xba55ed50;

struct Context {};
struct Module {};
struct Event {
    std::chrono::steady_clock::time_point at;
};

// Everything below is internal: the library is built with hidden visibility, and only EXPORT names are seen.

std::mutex lock;
bool initialized = false;
Context primary;
Module loaded;

// Report what went wrong where a GPU would only return the code: the Java side sees the code, the log the why.
CUresult error(CUresult code, const std::string& why) {
    std::fprintf(stderr, "cuda emulator: %s\n", why.c_str());
    std::fflush(stderr);
    return code;
}

// ---- Device memory: each allocation ends (rounded up to 256 bytes, cudaMalloc's alignment) where an
// inaccessible page begins, so a kernel that reads or writes past its end faults ----

struct Allocation {
    size_t bytes;
    void* mapping;  // the pages holding it, the guard page last
    size_t mapped;
};

std::map<uintptr_t, Allocation> allocations;  // by start address
size_t used = 0;

size_t totalMemory() {
    static const size_t total = [] {
        const char* mib = std::getenv("CUDA_EMULATOR_MEMORY_MIB");
        return (size_t) (mib != nullptr ? std::strtoull(mib, nullptr, 10) : 1024) << 20;
    }();
    return total;
}

constexpr size_t PAGE = 4096;
constexpr size_t ALIGNMENT = 256;

// Whether [p, p + bytes) lies in one live allocation (a pointer just past the end is fine when bytes is 0).
bool inAllocation(uintptr_t p, size_t bytes) {
    auto it = allocations.upper_bound(p);
    if (it == allocations.begin()) {
        return false;
    }
    --it;
    return p + bytes <= it->first + it->second.bytes && p >= it->first;
}

std::string hex(uintptr_t p) {
    char text[32];
    std::snprintf(text, sizeof text, "0x%llx", (unsigned long long) p);
    return text;
}

CUresult checkRange(const char* call, uintptr_t p, size_t bytes) {
    if (!inAllocation(p, bytes)) {
        return error(CUDA_ERROR_INVALID_VALUE, std::string(call) + ": " + std::to_string(bytes) + " bytes at "
                     + hex(p) + " are not inside one device allocation");
    }
    return CUDA_SUCCESS;
}

// ---- Kernels: each name bound to a function that copies a launch's parameters out of kernelParams ----

// Which pointer parameter, if any, points outside device memory (null is allowed: optional buffers).
std::string strayPointer(const std::vector<uintptr_t>& pointers) {
    for (size_t i = 0; i < pointers.size(); i++) {
        if (pointers[i] != 0 && !inAllocation(pointers[i], 0)) {
            return "pointer parameter " + std::to_string(i) + " (" + hex(pointers[i]) + ") is not device memory";
        }
    }
    return "";
}

// One launch with its arguments copied, ready to run now or from a graph.
struct Launch {
    const char* kernel;
    dim3 grid;
    unsigned threads;
    std::function<void()> body;      // one CUDA thread's call of the kernel
    std::vector<uintptr_t> pointers; // its pointer arguments, checked again at every replay
};

struct Kernel {
    const char* name;
    std::function<Launch(void**)> bind;  // the kernel's call with the launch's arguments
};

template <class T>
void collectPointer(std::vector<uintptr_t>& pointers, T value) {
    if constexpr (std::is_pointer_v<T>) {
        pointers.push_back((uintptr_t) value);
    }
}

template <class... A, size_t... I>
Launch bindArguments(const char* name, void (*kernel)(A...), void** params, std::index_sequence<I...>) {
    std::tuple<std::decay_t<A>...> args{*static_cast<std::decay_t<A>*>(params[I])...};
    Launch l{name, dim3{}, 0, [kernel, args] { std::apply(kernel, args); }, {}};
    (collectPointer(l.pointers, std::get<I>(args)), ...);
    return l;
}

template <class... A>
Kernel kernel(const char* name, void (*k)(A...)) {
    return Kernel{name, [name, k](void** params) {
        return bindArguments(name, k, params, std::index_sequence_for<A...>{});
    }};
}

// Every kernel of native/; dev.reason.engine.cuda.Kernels.NAMES loads them all, so a missing one fails at load.
#define KERNEL(name) kernel(#name, name)
std::vector<Kernel> kernels = {
    KERNEL(embed_f32),      KERNEL(embed_bf16),      KERNEL(rmsnorm_f32),    KERNEL(rmsnorm_bf16),
    KERNEL(gemm_f32),       KERNEL(gemm_bf16),       KERNEL(gemm_reduce),    KERNEL(reduce_rmsnorm_bf16),
    KERNEL(reduce_swiglu_bf16), KERNEL(reduce_rope_store_bf16), KERNEL(rope_store_f32),
    KERNEL(rope_store_bf16), KERNEL(attention_f32),  KERNEL(attention_bf16), KERNEL(swiglu_f32),
    KERNEL(swiglu_bf16),    KERNEL(penalize_rows),  KERNEL(head_rmsnorm),  KERNEL(sample_stats),
    KERNEL(sample_search),  KERNEL(sample_rows),    KERNEL(ban_tokens),    KERNEL(attention_bf16_d128),
    KERNEL(attention_bf16_d64),
};

// Runs a launch, unless one of its pointers is no longer (or never was) device memory.
CUresult run(const Launch& l) {
    std::string problem = strayPointer(l.pointers);
    if (!problem.empty()) {
        return error(CUDA_ERROR_ILLEGAL_ADDRESS, std::string(l.kernel) + ": " + problem);
    }
    launch(l.grid, l.threads, [&l] { l.body(); });
    return CUDA_SUCCESS;
}

struct Stream {
    bool capturing = false;
    std::vector<Launch> captured;
};

struct Graph {
    std::vector<Launch> launches;
};

template <class Handle>
bool live(const std::vector<std::unique_ptr<Handle>>& all, const Handle* h) {
    for (const auto& p : all) {
        if (p.get() == h) {
            return true;
        }
    }
    return false;
}

// Destroys a handle of all: CUDA_ERROR_INVALID_HANDLE when it is not (or no longer) one of them.
template <class Handle>
CUresult destroy(std::vector<std::unique_ptr<Handle>>& all, const Handle* h) {
    for (auto it = all.begin(); it != all.end(); ++it) {
        if (it->get() == h) {
            all.erase(it);
            return CUDA_SUCCESS;
        }
    }
    return CUDA_ERROR_INVALID_HANDLE;
}

std::vector<std::unique_ptr<Stream>> streams;
std::vector<std::unique_ptr<Event>> events;
std::vector<std::unique_ptr<Graph>> graphs;

Stream* capturingStream() {
    for (auto& s : streams) {
        if (s->capturing) {
            return s.get();
        }
    }
    return nullptr;
}

#define ENTER                                        \
    std::lock_guard<std::mutex> guard(lock);           \
    if (!initialized) {                              \
        return CUDA_ERROR_NOT_INITIALIZED;           \
    }

// ---- Initialization and the device ----

EXPORT CUresult cuInit(unsigned int flags) {
    std::lock_guard<std::mutex> guard(lock);
    if (flags != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    initialized = true;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDriverGetVersion(int* version) {
    *version = DRIVER_VERSION;
    return CUDA_SUCCESS;
}

// The emulated devices' compute capabilities (major * 10 + minor): CUDA_EMULATOR_DEVICES lists them ("7.5,9.0":
// an old GPU as cuda:0 beside a Hopper one), default one device of 9.0. All share the one context and memory.
const std::vector<int>& deviceCapabilities() {
    static const std::vector<int> capabilities = [] {
        std::vector<int> list;
        const char* spec = std::getenv("CUDA_EMULATOR_DEVICES");
        std::string text = spec != nullptr && *spec != 0 ? spec : "9.0";
        size_t start = 0;
        while (start <= text.size()) {
            size_t end = text.find(',', start);
            std::string item = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
            int major = 0, minor = 0;
            if (std::sscanf(item.c_str(), "%d.%d", &major, &minor) == 2) {
                list.push_back(10 * major + minor);
            }
            if (end == std::string::npos) {
                break;
            }
            start = end + 1;
        }
        return list;
    }();
    return capabilities;
}

bool validDevice(CUdevice device) {
    return device >= 0 && device < (CUdevice) deviceCapabilities().size();
}

EXPORT CUresult cuDeviceGetCount(int* count) {
    ENTER
    *count = (int) deviceCapabilities().size();
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGet(CUdevice* device, int ordinal) {
    ENTER
    if (!validDevice(ordinal)) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *device = ordinal;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetName(char* name, int length, CUdevice device) {
    ENTER
    if (!validDevice(device) || length < 1) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    std::snprintf(name, length, "CUDA emulator on the CPU");
    return CUDA_SUCCESS;
}

// An H100's shape (132 multiprocessors of 2048 threads, compute capability 9.0 unless CUDA_EMULATOR_DEVICES says
// otherwise), so that the launch shapes are the ones the engine uses on the GPU machine.
EXPORT CUresult cuDeviceGetAttribute(int* value, int attribute, CUdevice device) {
    ENTER
    if (!validDevice(device)) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    switch (attribute) {
        case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *value = 1024; break;
        case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *value = 132; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *value = deviceCapabilities()[device] / 10; break;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *value = deviceCapabilities()[device] % 10; break;
        case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR: *value = 2048; break;
        default: return error(CUDA_ERROR_INVALID_VALUE, "cuDeviceGetAttribute: attribute "
                              + std::to_string(attribute) + " is not emulated; add it to libcuda.cpp");
    }
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext* context, CUdevice device) {
    ENTER
    if (!validDevice(device)) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *context = &primary;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice device) {
    ENTER
    return validDevice(device) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_DEVICE;
}

EXPORT CUresult cuCtxSetCurrent(CUcontext context) {
    ENTER
    return context == &primary || context == nullptr ? CUDA_SUCCESS : CUDA_ERROR_INVALID_CONTEXT;
}

EXPORT CUresult cuCtxSynchronize() {
    ENTER
    return CUDA_SUCCESS;  // every call has finished its work before it returns
}

// ---- Memory ----

EXPORT CUresult cuMemGetInfo_v2(size_t* free, size_t* total) {
    ENTER
    *free = totalMemory() - used;
    *total = totalMemory();
    return CUDA_SUCCESS;
}

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr* pointer, size_t bytes) {
    ENTER
    if (bytes == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (bytes > totalMemory() - used) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    size_t mapped = (bytes + PAGE - 1) / PAGE * PAGE + PAGE;
    void* mapping = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED || mprotect((char*) mapping + mapped - PAGE, PAGE, PROT_NONE) != 0) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    char* memory = (char*) mapping + (mapped - PAGE) - (bytes + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    std::memset(mapping, 0xff, mapped - PAGE);
    allocations[(uintptr_t) memory] = Allocation{bytes, mapping, mapped};
    used += bytes;
    *pointer = (CUdeviceptr) (uintptr_t) memory;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuMemFree_v2(CUdeviceptr pointer) {
    ENTER
    auto it = allocations.find((uintptr_t) pointer);
    if (it == allocations.end()) {
        return error(CUDA_ERROR_INVALID_VALUE, "cuMemFree: " + hex(pointer) + " is not an allocation's start");
    }
    munmap(it->second.mapping, it->second.mapped);
    used -= it->second.bytes;
    allocations.erase(it);
    return CUDA_SUCCESS;
}

EXPORT CUresult cuMemAllocHost_v2(void** pointer, size_t bytes) {
    ENTER
    *pointer = std::aligned_alloc(PAGE, (bytes + PAGE - 1) / PAGE * PAGE);
    return *pointer == nullptr ? CUDA_ERROR_OUT_OF_MEMORY : CUDA_SUCCESS;
}

EXPORT CUresult cuMemFreeHost(void* pointer) {
    ENTER
    std::free(pointer);
    return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyHtoD_v2(CUdeviceptr to, const void* from, size_t bytes) {
    ENTER
    CUresult r = checkRange("cuMemcpyHtoD", to, bytes);
    if (r == CUDA_SUCCESS) {
        std::memcpy((void*) (uintptr_t) to, from, bytes);
    }
    return r;
}

// Done at once: every launch here has run to its end when it returns, so the stream's order is kept. The stream must
// be the legacy default (null) or a live one that is not capturing (the engine copies outside its graphs).
EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr to, const void* from, size_t bytes, CUstream stream) {
    {
        std::lock_guard<std::mutex> guard(lock);
        if (stream != nullptr && !live(streams, stream)) {
            return CUDA_ERROR_INVALID_HANDLE;
        }
        if (stream != nullptr && stream->capturing) {
            return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
        }
    }
    return cuMemcpyHtoD_v2(to, from, bytes);
}

EXPORT CUresult cuMemcpyDtoH_v2(void* to, CUdeviceptr from, size_t bytes) {
    ENTER
    CUresult r = checkRange("cuMemcpyDtoH", from, bytes);
    if (r == CUDA_SUCCESS) {
        std::memcpy(to, (const void*) (uintptr_t) from, bytes);
    }
    return r;
}

EXPORT CUresult cuMemcpyDtoD_v2(CUdeviceptr to, CUdeviceptr from, size_t bytes) {
    ENTER
    CUresult r = checkRange("cuMemcpyDtoD", from, bytes);
    if (r == CUDA_SUCCESS) {
        r = checkRange("cuMemcpyDtoD", to, bytes);
    }
    if (r == CUDA_SUCCESS) {
        std::memmove((void*) (uintptr_t) to, (const void*) (uintptr_t) from, bytes);
    }
    return r;
}

// ---- Modules and launches ----

EXPORT CUresult cuModuleLoadData(CUmodule* module, const void* image) {
    ENTER
    uint32_t magic;
    std::memcpy(&magic, image, 4);
    if (magic != FATBIN_MAGIC) {
        return error(CUDA_ERROR_INVALID_IMAGE, "cuModuleLoadData: the image is not a fatbin");
    }
    *module = &loaded;  // the kernels are the sources compiled into this library
    return CUDA_SUCCESS;
}

EXPORT CUresult cuModuleUnload(CUmodule module) {
    ENTER
    return module == &loaded ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

EXPORT CUresult cuModuleGetFunction(CUfunction* function, CUmodule module, const char* name) {
    ENTER
    if (module != &loaded) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    for (Kernel& k : kernels) {
        if (std::strcmp(k.name, name) == 0) {
            *function = &k;
            return CUDA_SUCCESS;
        }
    }
    return error(CUDA_ERROR_NOT_FOUND, std::string("cuModuleGetFunction: no kernel ") + name);
}

EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned gridX, unsigned gridY, unsigned gridZ, unsigned blockX,
                               unsigned blockY, unsigned blockZ, unsigned sharedBytes, CUstream stream,
                               void** params, void** extra) {
    ENTER
    const Kernel* k = f;
    bool known = false;
    for (const Kernel& each : kernels) {
        known |= &each == k;
    }
    if (!known) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (stream != nullptr && !live(streams, stream)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (blockY != 1 || blockZ != 1 || sharedBytes != 0 || extra != nullptr || params == nullptr) {
        return error(CUDA_ERROR_INVALID_VALUE, std::string(k->name) + ": only 1-D blocks with static shared"
                     " memory and kernelParams are emulated");
    }
    if (blockX == 0 || blockX % 32 != 0 || blockX > 1024 || gridX == 0 || gridY == 0 || gridZ == 0) {
        return error(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, std::string(k->name) + ": grid " + std::to_string(gridX)
                     + " x " + std::to_string(gridY) + " x " + std::to_string(gridZ) + ", block "
                     + std::to_string(blockX));
    }
    Launch l = k->bind(params);
    l.grid = dim3{gridX, gridY, gridZ};
    l.threads = blockX;
    if (stream != nullptr && stream->capturing) {
        std::string problem = strayPointer(l.pointers);
        if (!problem.empty()) {
            return error(CUDA_ERROR_ILLEGAL_ADDRESS, std::string(k->name) + ": " + problem);
        }
        stream->captured.push_back(std::move(l));
        return CUDA_SUCCESS;
    }
    return run(l);
}

// ---- Streams and graphs ----

EXPORT CUresult cuStreamCreate(CUstream* stream, unsigned flags) {
    ENTER
    streams.push_back(std::make_unique<Stream>());
    *stream = streams.back().get();
    return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamDestroy_v2(CUstream stream) {
    ENTER
    return destroy(streams, stream);
}

EXPORT CUresult cuStreamSynchronize(CUstream stream) {
    ENTER
    if (stream != nullptr && !live(streams, stream)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    return stream != nullptr && stream->capturing ? CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED : CUDA_SUCCESS;
}

EXPORT CUresult cuStreamBeginCapture_v2(CUstream stream, int mode) {
    ENTER
    if (stream == nullptr || !live(streams, stream)) {
        return CUDA_ERROR_INVALID_HANDLE;  // the legacy default stream cannot be captured
    }
    if (capturingStream() != nullptr) {
        return error(CUDA_ERROR_INVALID_VALUE, "cuStreamBeginCapture: a capture is already under way");
    }
    stream->capturing = true;
    stream->captured.clear();
    return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamEndCapture(CUstream stream, CUgraph* graph) {
    ENTER
    if (stream == nullptr || !live(streams, stream)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    if (!stream->capturing) {
        return CUDA_ERROR_STREAM_CAPTURE_UNMATCHED;
    }
    stream->capturing = false;
    graphs.push_back(std::make_unique<Graph>());
    graphs.back()->launches = std::move(stream->captured);
    stream->captured.clear();
    *graph = graphs.back().get();
    return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphGetNodes(CUgraph graph, CUgraphNode* nodes, size_t* count) {
    ENTER
    if (!live(graphs, graph)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    size_t n = graph->launches.size();
    if (nodes != nullptr) {
        for (size_t i = 0; i < n && i < *count; i++) {
            nodes[i] = &graph->launches[i];
        }
    }
    *count = n;
    return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphInstantiateWithFlags(CUgraphExec* exec, CUgraph graph, unsigned long long flags) {
    ENTER
    if (!live(graphs, graph)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    graphs.push_back(std::make_unique<Graph>(*graph));
    *exec = graphs.back().get();
    return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphLaunch(CUgraphExec exec, CUstream stream) {
    ENTER
    if (!live(graphs, exec)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    for (const Launch& l : exec->launches) {  // its buffers must still be allocated
        CUresult r = run(l);
        if (r != CUDA_SUCCESS) {
            return r;
        }
    }
    return CUDA_SUCCESS;
}

EXPORT CUresult cuGraphExecDestroy(CUgraphExec exec) {
    ENTER
    return destroy(graphs, exec);
}

EXPORT CUresult cuGraphDestroy(CUgraph graph) {
    ENTER
    return destroy(graphs, graph);
}

// ---- Events: times on the host clock, since every call finishes its work before returning ----

EXPORT CUresult cuEventCreate(CUevent* event, unsigned flags) {
    ENTER
    events.push_back(std::make_unique<Event>());
    *event = events.back().get();
    return CUDA_SUCCESS;
}

EXPORT CUresult cuEventRecord(CUevent event, CUstream stream) {
    ENTER
    if (!live(events, event)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    event->at = std::chrono::steady_clock::now();
    return CUDA_SUCCESS;
}

EXPORT CUresult cuEventSynchronize(CUevent event) {
    ENTER
    return live(events, event) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

EXPORT CUresult cuEventElapsedTime(float* milliseconds, CUevent start, CUevent end) {
    ENTER
    if (!live(events, start) || !live(events, end)) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    *milliseconds = std::chrono::duration<float, std::milli>(end->at - start->at).count();
    return CUDA_SUCCESS;
}

EXPORT CUresult cuEventDestroy_v2(CUevent event) {
    ENTER
    return destroy(events, event);
}
