/**
 * How the chains' answers become a decision: the strategies (majority, confidence-weighted, verified), their
 * {@link dev.reason.search.vote.VoteTally}, DeepConf's confidence scores and the
 * {@link dev.reason.search.vote.ScoredChain} they read. Uses verify, answer and the decode loop's Chain.
 */
package dev.reason.search.vote;
