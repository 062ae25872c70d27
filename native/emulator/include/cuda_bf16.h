// Stand-in for CUDA's cuda_bf16.h under the emulator: the type and the two conversions the kernels use.
#pragma once

#include <cstdint>
#include <cstring>

struct __nv_bfloat16 {
    uint16_t bits;
};

// Round to nearest even, as the GPU (and DeviceWeights.bf16 on the host); NaN stays NaN.
inline __nv_bfloat16 __float2bfloat16(float f) {
    uint32_t b;
    std::memcpy(&b, &f, 4);
    if ((b & 0x7fffffffu) > 0x7f800000u) {
        return {0x7fc0};
    }
    b += 0x7fffu + ((b >> 16) & 1u);
    return {(uint16_t) (b >> 16)};
}

inline float __bfloat162float(__nv_bfloat16 h) {
    uint32_t b = (uint32_t) h.bits << 16;
    float f;
    std::memcpy(&f, &b, 4);
    return f;
}
