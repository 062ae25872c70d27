/**
 * Benchmarks: datasets, a pool of chains sampled once per problem, and its offline replay under every strategy and
 * stopping rule, with their estimators, reports and charts; and the merge of a run's shards. Uses the search, the
 * decode loop, the engine interfaces and the shards; never the command line.
 */
package dev.reason.bench;
