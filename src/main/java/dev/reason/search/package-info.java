/**
 * The search for one question: {@link dev.reason.search.Search} spends a {@link dev.reason.search.Budget} on
 * chains from the decode loop, votes, verifies and stops; {@link dev.reason.search.SearchResult} is what it found.
 * Uses its subpackages (vote, stop, verify, answer), the decode loop and the engine interface; the subpackages
 * never use it.
 */
package dev.reason.search;
