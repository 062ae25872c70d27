/**
 * Shards: one fixed part of a run's problems, so several processes or machines can split a run and merge it after.
 * {@link dev.reason.shard.Shard} is the part and its choice of problems; {@link dev.reason.shard.Schedulers} reads
 * it from a Slurm array task or a Kubernetes Indexed Job. Uses nothing of the project; bench and the command line
 * use it.
 */
package dev.reason.shard;
