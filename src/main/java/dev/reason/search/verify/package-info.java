/**
 * The verifiers: exact checks of a chain's arithmetic and Game of 24 steps, on exact rational arithmetic, never
 * by solving the question. Uses answer.
 */
package dev.reason.search.verify;
