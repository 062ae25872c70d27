package dev.reason.engine.cpu;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * Gives a direct buffer's native memory back at once. The collector would free it only once it finds the buffer
 * unreachable, and a batch's KV cache is large while its Java object is small: a server that opens batch after batch
 * would hold gigabytes of dead caches between collections. Through the JDK's {@code sun.misc.Unsafe.invokeCleaner};
 * on a JDK without it, the collector frees them as before.
 */
final class DirectBuffers {
    private static final MethodHandle CLEANER = cleaner();

    private DirectBuffers() {
    }

    /**
     * Frees each buffer, which must be one that {@link ByteBuffer#allocateDirect} returned (not a view of one); no
     * tensor over it may be open, and nothing may read it after.
     */
    static void free(ByteBuffer... buffers) {
        if (CLEANER == null) {
            return;
        }
        for (ByteBuffer b : buffers) {
            if (b != null) {
                try {
                    CLEANER.invokeExact(b);
                } catch (Throwable e) {
                    throw new IllegalStateException("cannot free a direct buffer: " + e, e);
                }
            }
        }
    }

    private static MethodHandle cleaner() {
        try {
            Class<?> unsafe = Class.forName("sun.misc.Unsafe");
            Field the = unsafe.getDeclaredField("theUnsafe");
            the.setAccessible(true);
            return MethodHandles.lookup().findVirtual(unsafe, "invokeCleaner",
                    MethodType.methodType(void.class, ByteBuffer.class)).bindTo(the.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
