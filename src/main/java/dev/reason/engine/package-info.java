/**
 * Runs a model on one device: the {@link dev.reason.engine.Engine} and {@link dev.reason.engine.DecodeBatch}
 * interfaces that the decode loop and the search use, and {@link dev.reason.engine.Engines}, which opens the CPU or
 * CUDA engine below it. Uses the model directory and the sampling parameters; never the decode loop, the search or
 * the command line.
 */
package dev.reason.engine;
