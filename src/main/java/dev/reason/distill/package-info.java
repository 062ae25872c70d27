/**
 * Turns search results into fine-tuning data: which chains to keep, their JSON Lines records, and a resumable run's
 * files. Uses the search's results, the decode loop's finish reasons and the benchmark's problems and grading; never
 * the command line.
 */
package dev.reason.distill;
