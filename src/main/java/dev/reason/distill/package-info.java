/** Turns search results into fine-tuning data: which chains to keep, their JSON Lines records, and a resumable run's files. */
package dev.reason.distill;
