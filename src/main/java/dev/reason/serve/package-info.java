/**
 * {@code reason serve}: an OpenAI-compatible HTTP server whose chat requests each spend a search budget. {@link
 * dev.reason.serve.Server} takes requests, queues their searches for one decode thread that runs them together in
 * one batch, and answers as JSON or as a stream of server-sent events. Uses the search, the decode loop, the model
 * and the engine interface; the command line opens the engine and makes each request's search ({@link
 * dev.reason.serve.Searches}), so this package never sees an engine's implementation or picocli.
 */
package dev.reason.serve;
