/**
 * The GPU engine: the project's own CUDA kernels (native/, loaded from the fatbin among this package's resources)
 * launched through JCuda's driver API, with the weights read from the ONNX file and tokens drawn on the GPU. Uses
 * the engine interfaces, the model directory, the sampling parameters and the weights reader; never the CPU engine or
 * the choice between the two ({@code engine.choice}).
 */
package dev.reason.engine.cuda;
