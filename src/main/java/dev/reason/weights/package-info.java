/**
 * The weights of a Llama-family model read straight from its ONNX file, by a hand-written protobuf reader that
 * finds them through the graph's data flow. Uses the model package only.
 */
package dev.reason.weights;
