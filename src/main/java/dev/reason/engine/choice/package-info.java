/**
 * Choosing the engine: {@link dev.reason.engine.choice.Engines} opens the CPU or the CUDA engine for
 * {@code --device auto|cpu|cuda|cuda:N}, and says why {@code auto} would not take the GPU. It sits above both engine
 * packages and the engine interfaces, which never use it, so that the engines do not know each other and the
 * interfaces know no engine; the command line uses it. Uses the engines and the model directory.
 */
package dev.reason.engine.choice;
