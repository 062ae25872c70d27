/**
 * The model directory: config.json, generation_config.json, the tokenizer, the chat template and the prompt it
 * makes. Uses no other package of reason.
 */
package dev.reason.model;
