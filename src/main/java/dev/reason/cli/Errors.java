package dev.reason.cli;

import dev.reason.model.ModelException;
import dev.reason.runtime.DeviceException;

import java.io.PrintStream;

/** Turns an exception that escaped a command into one line and an exit code; no stack trace unless asked for. */
final class Errors {
    private Errors() {
    }

    static int report(Exception e, PrintStream err) {
        if (e instanceof ModelException) {
            err.println("reason: " + e.getMessage());
            return ExitCodes.MODEL;
        }
        if (e instanceof DeviceException) {
            err.println("reason: " + e.getMessage());
            return ExitCodes.DEVICE;
        }
        if (e instanceof IllegalArgumentException) {
            err.println("reason: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        if (System.getenv("REASON_DEBUG") != null) {
            e.printStackTrace(err);
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        err.println("reason: internal error: " + msg + " (REASON_DEBUG=1 prints the stack trace; please report it)");
        return ExitCodes.INTERNAL_ERROR;
    }
}
