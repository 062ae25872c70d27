package dev.reason.engine.cuda;

import dev.reason.engine.KernelTime;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static jcuda.driver.JCudaDriver.cuEventCreate;
import static jcuda.driver.JCudaDriver.cuEventDestroy;
import static jcuda.driver.JCudaDriver.cuEventElapsedTime;
import static jcuda.driver.JCudaDriver.cuEventRecord;
import static jcuda.driver.JCudaDriver.cuEventSynchronize;

/**
 * GPU time per kernel, from a pair of CUDA events recorded around each launch on the default stream (what {@code
 * REASON_CUDA_PROFILE=1} turns on, for a breakdown of the decode step). Times are read back in batches, so the
 * launches stay asynchronous; the gaps between kernels are in no kernel's time.
 */
final class KernelProfile {
    private static final int READ_EVERY = 2048;  // pending launches before their events are read and freed

    private record Pending(String kernel, CUevent start, CUevent end) {
    }

    private final List<Pending> pending = new ArrayList<>();
    private final Map<String, KernelTime> totals = new HashMap<>();

    /** An event recorded before a launch. */
    CUevent before() {
        return recorded();
    }

    /** Records the end of {@code kernel}'s launch that {@code start} preceded. */
    void after(String kernel, CUevent start) {
        pending.add(new Pending(kernel, start, recorded()));
        if (pending.size() >= READ_EVERY) {
            read();
        }
    }

    /** The totals since the last call, longest first, and a fresh start. */
    List<KernelTime> take() {
        read();
        List<KernelTime> out = new ArrayList<>(totals.values());
        out.sort(Comparator.comparingDouble(KernelTime::milliseconds).reversed());
        totals.clear();
        return out;
    }

    private static CUevent recorded() {
        CUevent e = new CUevent();
        cuEventCreate(e, CUevent_flags.CU_EVENT_DEFAULT);
        cuEventRecord(e, Kernels.DEFAULT_STREAM);
        return e;
    }

    private void read() {
        float[] ms = new float[1];
        for (Pending p : pending) {
            cuEventSynchronize(p.end());
            cuEventElapsedTime(ms, p.start(), p.end());
            totals.merge(p.kernel(), new KernelTime(p.kernel(), 1, ms[0]), (a, b) ->
                    new KernelTime(a.kernel(), a.launches() + 1, a.milliseconds() + b.milliseconds()));
            cuEventDestroy(p.start());
            cuEventDestroy(p.end());
        }
        pending.clear();
    }
}
