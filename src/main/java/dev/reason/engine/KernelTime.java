package dev.reason.engine;

/** Device time of one kernel at one grid ("gemm_bf16 1x152x2") over a stretch of work: launches and milliseconds. */
public record KernelTime(String kernel, long launches, double milliseconds) {
}
