/**
 * Drawing tokens on the host: temperature, min-p, top-k and top-p, the repetition penalties, the n-gram ban and
 * each chain's random stream. Uses no other package of reason.
 */
package dev.reason.sampling;
