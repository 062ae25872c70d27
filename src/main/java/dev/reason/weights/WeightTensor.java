package dev.reason.weights;

import java.util.Arrays;

/** One weight tensor of an ONNX file, read on demand; matrices come in Hugging Face orientation [out, in]. */
public final class WeightTensor {
    private final StoredTensor stored;
    private final int[] shape;
    private final boolean transpose;

    /** shape is the logical shape; transpose says the file holds the matrix as [shape[1], shape[0]]. */
    WeightTensor(StoredTensor stored, int[] shape, boolean transpose) {
        this.stored = stored;
        this.shape = shape;
        this.transpose = transpose;
    }

    /** The initializer's name, for messages. */
    public String name() {
        return stored.name;
    }

    /** Logical shape: [out, in] for matrices, [n] for vectors. */
    public int[] shape() {
        return shape.clone();
    }

    /** How the file stores its elements: fp32, fp16 or bf16. */
    public String storedType() {
        return stored.typeName();
    }

    /** Its number of elements. */
    public long elements() {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** The bytes the file stores it in. */
    public long storedBytes() {
        return elements() * stored.elementBytes();
    }

    /** Row-major values, converted from fp32/fp16/bf16, transposed when the graph stores the matrix [in, out]. */
    public float[] toFloats() {
        float[] v = stored.toFloats();
        return transpose ? transposed(v, shape[1], shape[0]) : v;
    }

    StoredTensor stored() {
        return stored;
    }

    boolean transposed() {
        return transpose;
    }

    /** a is [rows, cols]; returns [cols, rows]. Blocked so that large matrices stay cache-friendly. */
    private static float[] transposed(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        final int block = 64;
        for (int r0 = 0; r0 < rows; r0 += block) {
            int r1 = Math.min(rows, r0 + block);
            for (int c0 = 0; c0 < cols; c0 += block) {
                int c1 = Math.min(cols, c0 + block);
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        t[c * rows + r] = a[r * cols + c];
                    }
                }
            }
        }
        return t;
    }

    @Override
    public String toString() {
        return name() + Arrays.toString(shape);
    }
}
