/**
 * The decode loop: {@link dev.reason.runtime.Generator} runs many chains in batched steps, refilling freed slots,
 * drawing failing lines again and ending loops; {@link dev.reason.runtime.Chain} is one chain's text and numbers.
 * Uses the engine only through its interfaces, and the sampling and model packages.
 */
package dev.reason.runtime;
