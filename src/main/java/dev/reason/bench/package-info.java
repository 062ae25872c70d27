/**
 * Benchmarks: datasets, a pool of chains sampled once per problem, and its offline replay under every strategy and
 * stopping rule, with their estimators, reports and charts. Uses the search, the decode loop and the engine
 * interfaces; never the command line.
 */
package dev.reason.bench;
