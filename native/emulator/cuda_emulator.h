// Runs the CUDA kernels of native/ on the CPU, for native/emulator/run.sh. Include it before the kernel sources.
//
// Every CUDA thread of a block is a fiber on one OS thread: it runs until it reaches a barrier (__syncthreads,
// __syncthreads_or, or the warp-wide exchange of a shuffle), then yields to the next fiber; a barrier opens when
// all threads it waits for (the block, or the 32 lanes of a warp) have arrived. Blocks run one after the other.
// OS threads per CUDA thread were tried first: the futex traffic of 512-thread barriers made a sampling case
// take a second. A switch here is a _setjmp / _longjmp pair, no system call.
//
// Between barriers the threads run one after the other, in ascending order, or descending with
// CUDA_EMULATOR_ORDER=descending: run.sh runs every check both ways, so that a missing __syncthreads (a thread
// reading shared memory that another has not written yet, or overwriting what another still has to read) shows
// up as a wrong result in at least one of them. The blocks of a launch follow the same order, so a block that
// reads what another block of the same launch writes (which a GPU runs in any order, or at once) shows up too.
//
// Besides running the code it reports what the GPU would not: a block whose threads cannot all reach the same
// barrier (a divergent __syncthreads or shuffle) stops the test with a message instead of hanging, and
// wmma pointers and strides are checked against the alignment rules (include/mma.h).
#pragma once

// Fortified longjmp (glibc's _FORTIFY_SOURCE, on by default in some distributions) aborts on jumps between
// stacks, which is exactly what switching fibers does.
#undef _FORTIFY_SOURCE

#include <setjmp.h>
#include <sys/mman.h>
#include <ucontext.h>

#if defined(__SANITIZE_ADDRESS__)
#include <dlfcn.h>
#include <sanitizer/common_interface_defs.h>
#endif

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <type_traits>
#include <vector>

struct dim3 {
    unsigned x = 1, y = 1, z = 1;
};

inline dim3 threadIdx, blockIdx, blockDim, gridDim;  // threadIdx is switched with the fibers

#define __global__
#define __device__
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(...)
#define __shared__ static  // one block runs at a time, so a function's statics are the block's shared memory
#define __align__(n) __attribute__((aligned(n)))

namespace emu {

// CUDA_EMULATOR_ORDER=descending: threads between barriers, a launch's blocks and cp.async copies go the other way.
inline bool descendingOrder() {
    static const bool descending = [] {
        const char* order = std::getenv("CUDA_EMULATOR_ORDER");
        return order != nullptr && std::strcmp(order, "descending") == 0;
    }();
    return descending;
}

// Ends the test: parked fibers cannot be unwound, and a core dump would say no more than the message.
[[noreturn]] inline void fail(const char* message) {
    std::fflush(stdout);
    std::fprintf(stderr, "cuda emulator: %s\n", message);
    std::_Exit(3);
}

struct Barrier {
    unsigned expected = 0;
    unsigned arrived = 0;
    uint64_t generation = 0;    // times it has opened
    int anyTrue[2] = {0, 0};     // __syncthreads_or's result, by parity of the generation
    uint64_t lanes[2][32] = {};  // a warp's shuffle values, by parity of the generation
};

struct Fiber {
    jmp_buf context;
    const Barrier* waitingOn = nullptr;
    uint64_t waitingFor = 0;  // the generation it waits to see opened
    bool finished = true;
    void* stack = nullptr;
    void* fakeStack = nullptr;  // AddressSanitizer's, kept while the fiber is parked
};

// Under AddressSanitizer (native/emulator/run.sh builds the tests with it where g++ has it) every jump between
// stacks is announced, so that it knows which stack is live: a jump it was not told of looks like a stack
// overflow to it, and it may then report false errors. No-ops otherwise.
//
// The jumps themselves bypass its _longjmp, which clears the shadow of the stack left behind at a system call or
// two a jump (18 times the emulator's time on the sampling checks): each jump here leaves from a function that
// called _setjmp and is resumed there later, so every frame it leaves behind returns normally and clears its
// own shadow. (Not declared noreturn: the compiler would put ASan's clearing back before every call.)
inline void jump(jmp_buf to) {
#if defined(__SANITIZE_ADDRESS__)
    using LongJump = void (*)(jmp_buf, int);
    static const LongJump libcLongJump = [] {
        void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
        void* f = libc != nullptr ? dlsym(libc, "_longjmp") : nullptr;
        if (f == nullptr) {
            std::fprintf(stderr, "cuda emulator: no _longjmp in libc.so.6\n");
            std::_Exit(3);
        }
        return (LongJump) f;
    }();
    libcLongJump(to, 1);
#else
    _longjmp(to, 1);
#endif
}

inline void startSwitch(void** fakeStackSave, const void* bottom, size_t size) {
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_start_switch_fiber(fakeStackSave, bottom, size);
#endif
}

inline void finishSwitch(void* fakeStack, const void** bottomOld, size_t* sizeOld) {
#if defined(__SANITIZE_ADDRESS__)
    __sanitizer_finish_switch_fiber(fakeStack, bottomOld, sizeOld);
#endif
}

constexpr size_t STACK_BYTES = 256 * 1024;  // wmma fragments are 1 KiB each here
constexpr size_t GUARD_BYTES = 4096;        // an inaccessible page below each stack turns overflow into a crash

// The fibers of one block size, created once and reused by every block launched with that size.
class ThreadBlock {
public:
    explicit ThreadBlock(unsigned threads) : threads(threads), fibers(threads) {
        block.expected = threads;
        warps.resize(threads / 32);
        for (Barrier& w : warps) {
            w.expected = 32;
        }
        for (unsigned t = 0; t < threads; t++) {
            Fiber& f = fibers[t];
            void* memory = mmap(nullptr, STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (memory == MAP_FAILED || mprotect(memory, GUARD_BYTES, PROT_NONE) != 0) {
                fail("cannot allocate fiber stacks");
            }
            f.stack = memory;
            ucontext_t start;
            getcontext(&start);
            start.uc_stack.ss_sp = memory;
            start.uc_stack.ss_size = STACK_BYTES;
            start.uc_link = nullptr;
            makecontext(&start, &ThreadBlock::fiberMain, 0);
            current = t;
            creating = this;
            if (!_setjmp(scheduler)) {
                toFiber(f);
                setcontext(&start);  // the fiber parks itself at once and jumps back here
            }
            finishSwitch(schedulerFakeStack, nullptr, nullptr);
        }
    }

    ~ThreadBlock() {
        for (Fiber& f : fibers) {
            munmap(f.stack, STACK_BYTES);
        }
    }

    ThreadBlock(const ThreadBlock&) = delete;
    ThreadBlock& operator=(const ThreadBlock&) = delete;

    // Runs kernel once in every thread of the block given by blockIdx.
    void run(const std::function<void()>& k) {
        kernel = &k;
        running = this;
        for (Fiber& f : fibers) {
            f.finished = false;
            f.waitingOn = nullptr;
        }
        unsigned left = threads;
        while (left > 0) {
            bool progress = false;
            for (unsigned i = 0; i < threads; i++) {
                unsigned t = descendingOrder() ? threads - 1 - i : i;
                Fiber& f = fibers[t];
                if (f.finished || (f.waitingOn != nullptr && f.waitingOn->generation == f.waitingFor)) {
                    continue;
                }
                f.waitingOn = nullptr;
                resume(t);
                progress = true;
                left -= f.finished ? 1 : 0;
            }
            if (!progress) {
                deadlock();
            }
        }
        running = nullptr;
    }

    // The calling thread arrives at b and returns once every thread b waits for has arrived.
    void arriveAndWait(Barrier& b) {
        if (++b.arrived == b.expected) {  // the last one opens it and goes on
            b.arrived = 0;
            b.anyTrue[(b.generation + 1) & 1] = 0;  // every thread has read the slot of generation - 1 by now
            b.generation++;
            return;
        }
        Fiber& f = fibers[current];
        f.waitingOn = &b;
        f.waitingFor = b.generation;
        park(f);
    }

    static ThreadBlock& active() {
        if (running == nullptr) {
            fail("a barrier or shuffle outside a kernel launch");
        }
        return *running;
    }

    Barrier block;
    std::vector<Barrier> warps;

private:
    // Each fiber loops: park, run the kernel for the current block, mark itself finished.
    static void fiberMain() {
        ThreadBlock& self = *creating;
        Fiber& f = self.fibers[self.current];
        finishSwitch(nullptr, &self.schedulerBottom, &self.schedulerSize);
        while (true) {
            self.park(f);
            (*self.kernel)();
            f.finished = true;
        }
    }

    // Kept out of line so that no caller's locals live across the jumps.
    __attribute__((noinline)) void park(Fiber& f) {
        if (!_setjmp(f.context)) {
            startSwitch(&f.fakeStack, schedulerBottom, schedulerSize);
            jump(scheduler);
        }
        finishSwitch(f.fakeStack, &schedulerBottom, &schedulerSize);
    }

    void toFiber(const Fiber& f) {
        startSwitch(&schedulerFakeStack, (const char*) f.stack + GUARD_BYTES, STACK_BYTES - GUARD_BYTES);
    }

    __attribute__((noinline)) void resume(unsigned t) {
        current = t;
        threadIdx = dim3{t, 0, 0};
        if (!_setjmp(scheduler)) {
            toFiber(fibers[t]);
            jump(fibers[t].context);
        }
        finishSwitch(schedulerFakeStack, nullptr, nullptr);
    }

    [[noreturn]] void deadlock() {
        unsigned atBlock = 0, atWarp = 0, finished = 0;
        for (const Fiber& f : fibers) {
            finished += f.finished;
            atBlock += f.waitingOn == &block;
            atWarp += !f.finished && f.waitingOn != &block;
        }
        char message[300];
        std::snprintf(message, sizeof message,
                      "deadlock in block (%u, %u) of %u threads: %u wait at __syncthreads, %u at a warp shuffle, "
                      "%u have returned (a barrier not reached by every thread)",
                      blockIdx.x, blockIdx.y, threads, atBlock, atWarp, finished);
        fail(message);
    }

    unsigned threads;
    std::vector<Fiber> fibers;
    unsigned current = 0;
    jmp_buf scheduler;
    const void* schedulerBottom = nullptr;  // the scheduler's stack and fake stack, for AddressSanitizer
    size_t schedulerSize = 0;
    void* schedulerFakeStack = nullptr;
    const std::function<void()>* kernel = nullptr;
    static inline ThreadBlock* running = nullptr;
    static inline ThreadBlock* creating = nullptr;
};

inline std::vector<std::unique_ptr<ThreadBlock>> threadBlocks;

}  // namespace emu

// kernel(): a call of the kernel with its arguments; run in every thread of every block of grid.
template <class Kernel>
void launch(dim3 grid, unsigned threads, Kernel kernel) {
    if (threads == 0 || threads % 32 != 0 || threads > 1024) {
        emu::fail("block sizes here are multiples of 32 up to 1024");
    }
    emu::ThreadBlock* block = nullptr;
    for (auto& b : emu::threadBlocks) {
        if (b->warps.size() * 32 == threads) {
            block = b.get();
        }
    }
    if (block == nullptr) {
        emu::threadBlocks.push_back(std::make_unique<emu::ThreadBlock>(threads));
        block = emu::threadBlocks.back().get();
    }
    gridDim = grid;
    blockDim = dim3{threads, 1, 1};
    std::function<void()> k = kernel;
    const unsigned long long blocks = 1ull * grid.x * grid.y * grid.z;
    for (unsigned long long i = 0; i < blocks; i++) {
        unsigned long long b = emu::descendingOrder() ? blocks - 1 - i : i;
        blockIdx = dim3{unsigned(b % grid.x), unsigned(b / grid.x % grid.y), unsigned(b / grid.x / grid.y)};
        block->run(k);
    }
}

// ---- The CUDA device functions the kernels use ----

inline void __syncthreads() {
    emu::ThreadBlock& b = emu::ThreadBlock::active();
    b.arriveAndWait(b.block);
}

inline int __syncthreads_or(int predicate) {
    emu::ThreadBlock& b = emu::ThreadBlock::active();
    int& any = b.block.anyTrue[b.block.generation & 1];
    if (predicate) {
        any = 1;
    }
    b.arriveAndWait(b.block);
    return any;
}

namespace emu {
// Every lane's value, once all 32 lanes of the warp have given theirs. All 32 lanes must take part (mask
// 0xffffffff), as in every use in the kernels. The slots are overwritten two exchanges later, when all have read.
template <class T>
const uint64_t* exchange(unsigned mask, T value) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "shuffles move up to 8 bytes");
    if (mask != 0xffffffffu) {
        fail("only full-warp shuffles are emulated");
    }
    ThreadBlock& b = ThreadBlock::active();
    Barrier& warp = b.warps[threadIdx.x >> 5];
    uint64_t* lanes = warp.lanes[warp.generation & 1];
    lanes[threadIdx.x & 31] = 0;
    std::memcpy(&lanes[threadIdx.x & 31], &value, sizeof(T));
    b.arriveAndWait(warp);
    return lanes;
}

template <class T>
T lane_value(const uint64_t* lanes, unsigned lane) {
    T result;
    std::memcpy(&result, &lanes[lane & 31], sizeof(T));
    return result;
}
}  // namespace emu

template <class T>
T __shfl_xor_sync(unsigned mask, T value, int laneMask) {
    return emu::lane_value<T>(emu::exchange(mask, value), (threadIdx.x & 31) ^ (unsigned) laneMask);
}

template <class T>
T __shfl_sync(unsigned mask, T value, int srcLane) {
    return emu::lane_value<T>(emu::exchange(mask, value), (unsigned) srcLane);
}

// A barrier of the warp's 32 lanes (all of them, as in every use in the kernels).
inline void __syncwarp(unsigned mask = 0xffffffffu) {
    if (mask != 0xffffffffu) {
        emu::fail("only full-warp barriers are emulated");
    }
    emu::ThreadBlock& b = emu::ThreadBlock::active();
    b.arriveAndWait(b.warps[threadIdx.x >> 5]);
}

inline unsigned __ballot_sync(unsigned mask, int predicate) {
    const uint64_t* lanes = emu::exchange(mask, predicate ? 1u : 0u);
    unsigned bits = 0;
    for (unsigned l = 0; l < 32; l++) {
        bits |= lanes[l] ? 1u << l : 0u;
    }
    return bits;
}

inline int __ffs(unsigned x) {
    return x == 0 ? 0 : __builtin_ctz(x) + 1;
}

// Fibers on one OS thread never interleave inside a function, so plain read-modify-writes are atomic.
inline int atomicMin(int* address, int value) {
    int old = *address;
    *address = value < old ? value : old;
    return old;
}

inline int atomicMax(int* address, int value) {
    int old = *address;
    *address = value > old ? value : old;
    return old;
}

inline unsigned atomicAdd(unsigned* address, unsigned value) {
    unsigned old = *address;
    *address = old + value;
    return old;
}

inline unsigned long long atomicAdd(unsigned long long* address, unsigned long long value) {
    unsigned long long old = *address;
    *address = old + value;
    return old;
}

inline uint32_t __float_as_uint(float x) {
    uint32_t bits;
    std::memcpy(&bits, &x, 4);
    return bits;
}

inline float __uint_as_float(uint32_t bits) {
    float x;
    std::memcpy(&x, &bits, 4);
    return x;
}

inline int __float_as_int(float x) {
    int bits;
    std::memcpy(&bits, &x, 4);
    return bits;
}

inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
// One rounding each, never fused into a multiply-add (nor is anything here: no -mfma).
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fsub_rn(float a, float b) { return a - b; }

inline int min(int a, int b) { return a < b ? a : b; }

// The vector types of the 16- and 8-byte loads, with CUDA's alignment (the kernels reinterpret bf16 and float arrays as
// these, hence -fno-strict-aliasing in run.sh).
struct alignas(16) uint4 {
    unsigned x, y, z, w;
};

struct alignas(16) float4 {
    float x, y, z, w;
};

struct alignas(8) float2 {
    float x, y;
};

inline float2 make_float2(float x, float y) { return {x, y}; }
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }

// glibc declares its own sincosf under _GNU_SOURCE (g++'s default), so the kernels' calls are renamed.
#define sincosf emu_sincosf
inline void emu_sincosf(float angle, float* s, float* c) {
    *s = std::sin(angle);
    *c = std::cos(angle);
}

using std::ceil;
using std::exp;
using std::ldexp;
using std::log;
