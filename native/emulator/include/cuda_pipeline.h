// Stand-in for CUDA's cuda_pipeline.h under the emulator: copies from global to shared memory that complete in the
// background (cp.async), in groups a thread commits and later waits for. On the GPU a copy lands at some moment
// between its issue and the wait that covers its group; here it lands at one end or the other: at once in ascending
// thread order, and only at the wait in descending order (CUDA_EMULATOR_ORDER). So a kernel that reads a buffer
// before waiting for it reads stale data in the second order, and one that overwrites a buffer other threads still
// read does so visibly in the first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace emu {
struct PendingCopy {
    void* to;
    size_t bytes;
    size_t group;  // the thread's commits before it was issued
    unsigned char data[16];
};

struct ThreadCopies {
    std::vector<PendingCopy> pending;
    size_t commits = 0;
};

inline ThreadCopies copies[1024];  // by threadIdx.x; one block runs at a time

inline bool copiesLandAtOnce() {
    return !descendingOrder();
}
}  // namespace emu

inline void __pipeline_memcpy_async(void* to, const void* from, size_t bytes, size_t zfill = 0) {
    if ((bytes != 4 && bytes != 8 && bytes != 16) || zfill != 0 || ((uintptr_t) to | (uintptr_t) from) % bytes) {
        emu::fail("__pipeline_memcpy_async: 4, 8 or 16 aligned bytes, no zero fill, are emulated");
    }
    if (emu::copiesLandAtOnce()) {
        std::memcpy(to, from, bytes);
        return;
    }
    emu::ThreadCopies& mine = emu::copies[threadIdx.x];
    emu::PendingCopy copy{to, bytes, mine.commits, {}};
    std::memcpy(copy.data, from, bytes);  // the sources are not written while a kernel runs
    mine.pending.push_back(copy);
}

inline void __pipeline_commit() {
    emu::copies[threadIdx.x].commits++;
}

// Lands the copies of every group but the newest `prior` ones this thread committed.
inline void __pipeline_wait_prior(size_t prior) {
    emu::ThreadCopies& mine = emu::copies[threadIdx.x];
    std::vector<emu::PendingCopy> later;
    for (const emu::PendingCopy& copy : mine.pending) {
        if (copy.group + prior < mine.commits) {
            std::memcpy(copy.to, copy.data, copy.bytes);
        } else {
            later.push_back(copy);
        }
    }
    mine.pending.swap(later);
}
