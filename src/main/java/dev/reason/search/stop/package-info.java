/**
 * The stopping rules: when the vote so far counts as decided (AC-Beta, AC-Dirichlet, ESC, expected gain, first
 * verified, online DeepConf). Uses vote and verify.
 */
package dev.reason.search.stop;
