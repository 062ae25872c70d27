package dev.reason.weights;

/** PLACEHOLDER until the weights reader (another worktree) lands: the agreed API only. Delete before merging. */
public final class WeightTensor {
    public String name() {
        throw new UnsupportedOperationException("placeholder");
    }

    public int[] shape() {
        throw new UnsupportedOperationException("placeholder");
    }

    public float[] toFloats() {
        throw new UnsupportedOperationException("placeholder");
    }
}
