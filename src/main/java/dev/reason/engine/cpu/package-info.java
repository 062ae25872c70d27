/**
 * The CPU engine: the model's ONNX graph run by ONNX Runtime, its KV cache in direct buffers that the graph
 * writes in place. Uses the engine interfaces and the model directory; never the GPU engine or the choice between
 * the two ({@code engine.choice}).
 */
package dev.reason.engine.cpu;
