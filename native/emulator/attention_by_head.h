// The attention kernel Kernels.attentionKernel picks for a head size, copied (keep the two in step): the tests call
// this, so that each kernel is checked at the head sizes it serves.
#pragma once

#include <type_traits>

template <typename KV>
void attention_by_head(const float* qkv, KV* out, int heads, int kvHeads, int headDim, const KV* promptK,
                       const KV* promptV, int promptCap, const int* prompts, const KV* slotK, const KV* slotV,
                       int maxNew, const int* lengths, int decode, float scale) {
    if constexpr (std::is_same_v<KV, float>) {  // one kernel for every head size in fp32
        attention_f32(qkv, out, heads, kvHeads, headDim, promptK, promptV, promptCap, prompts, slotK, slotV, maxNew,
                      lengths, decode, scale);
    } else {
        auto kernel = headDim <= 64 ? attention_bf16_d64 : headDim <= 128 ? attention_bf16_d128 : attention_bf16;
        kernel(qkv, out, heads, kvHeads, headDim, promptK, promptV, promptCap, prompts, slotK, slotV, maxNew, lengths,
               decode, scale);
    }
}
