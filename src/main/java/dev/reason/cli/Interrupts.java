package dev.reason.cli;

import sun.misc.Signal;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Ctrl-C: the first one asks the search to stop and print its best answer so far; a second one exits at once.
 * SIGTERM, for {@code reason serve}: the server stops taking requests and ends.
 * sun.misc.Signal (module jdk.unsupported) is the only way to catch SIGINT without killing the JVM.
 */
final class Interrupts {
    private Interrupts() {
    }

    static void install(AtomicBoolean flag) {
        try {
            Signal.handle(new Signal("INT"), s -> {
                if (flag.getAndSet(true)) {
                    System.exit(ExitCodes.INTERRUPTED);
                }
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGINT on this platform or it is reserved: Ctrl-C then simply ends the process
        }
    }

    /** SIGTERM sets {@code flag} instead of ending the JVM: a server finishes its requests first. */
    static void onTerminate(AtomicBoolean flag) {
        try {
            Signal.handle(new Signal("TERM"), s -> flag.set(true));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // no SIGTERM here: the process ends as the platform ends it
        }
    }
}
