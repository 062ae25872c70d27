/**
 * Runs a model on one device: the {@link dev.reason.engine.Engine} and {@link dev.reason.engine.DecodeBatch}
 * interfaces that the decode loop and the search use. The engines below it (cpu, cuda) implement them, and
 * {@code choice} above them picks one; this package uses none of them. Uses the sampling parameters; never the decode
 * loop, the search or the command line.
 */
package dev.reason.engine;
