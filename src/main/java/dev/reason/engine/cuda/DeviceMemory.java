package dev.reason.engine.cuda;

import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

/** Device buffers and pinned host buffers that are freed together (the weights, or one batch). */
final class DeviceMemory implements AutoCloseable {
    private final List<CUdeviceptr> device = new ArrayList<>();
    private final List<Pointer> pinned = new ArrayList<>();

    /** A host buffer the GPU copies from and to directly: per-step inputs and results. */
    record Pinned(Pointer pointer, ByteBuffer buffer) {
    }

    static boolean isOutOfMemory(CudaException e) {
        return String.valueOf(e.getMessage()).contains("CUDA_ERROR_OUT_OF_MEMORY");
    }

    CUdeviceptr alloc(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        cuMemAlloc(p, Math.max(bytes, 4));
        device.add(p);
        return p;
    }

    /** Frees one buffer of this set now (a batch's grown prompt pool leaves the old one). */
    void free(CUdeviceptr p) {
        if (device.remove(p)) {
            cuMemFree(p);
        }
    }

    CUdeviceptr upload(float[] data) {
        CUdeviceptr p = alloc(4L * data.length);
        cuMemcpyHtoD(p, Pointer.to(data), 4L * data.length);
        return p;
    }

    CUdeviceptr upload(short[] data) {
        CUdeviceptr p = alloc(2L * data.length);
        cuMemcpyHtoD(p, Pointer.to(data), 2L * data.length);
        return p;
    }

    Pinned pinned(long bytes) {
        Pointer p = new Pointer();
        cuMemAllocHost(p, bytes);
        pinned.add(p);
        return new Pinned(p, p.getByteBuffer(0, bytes).order(ByteOrder.nativeOrder()));
    }

    /** Frees everything, going on past a failure (a broken context fails every call) and throwing the first. */
    @Override
    public void close() {
        CudaException first = null;
        for (CUdeviceptr p : device) {
            try {
                cuMemFree(p);
            } catch (CudaException e) {
                first = first == null ? e : first;
            }
        }
        for (Pointer p : pinned) {
            try {
                cuMemFreeHost(p);
            } catch (CudaException e) {
                first = first == null ? e : first;
            }
        }
        device.clear();
        pinned.clear();
        if (first != null) {
            throw first;
        }
    }

    /** Closes after {@code failure}, keeping it the exception to report. */
    void closeAfter(RuntimeException failure) {
        try {
            close();
        } catch (CudaException e) {
            failure.addSuppressed(e);
        }
    }
}
