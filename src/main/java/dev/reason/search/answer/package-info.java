/**
 * A chain's final answer: reading it from the text, and whether two answers are the same math. Uses the model
 * package's think tags only.
 */
package dev.reason.search.answer;
