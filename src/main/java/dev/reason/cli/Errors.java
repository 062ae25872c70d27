package dev.reason.cli;

import dev.reason.engine.DeviceException;
import dev.reason.model.ModelException;

import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

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
        if (e instanceof FileSystemException f) {  // a path given on the command line: its message is the path alone
            err.println("reason: cannot use " + f.getFile() + ": " + problem(f) + "; choose another path");
            return ExitCodes.USAGE;
        }
        if (System.getenv("REASON_DEBUG") != null) {
            e.printStackTrace(err);
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
        err.println("reason: internal error: " + msg + " (REASON_DEBUG=1 prints the stack trace; please report it)");
        return ExitCodes.INTERNAL_ERROR;
    }

    private static String problem(FileSystemException f) {
        if (f instanceof AccessDeniedException) {
            return "permission denied";
        } else if (f instanceof NoSuchFileException) {
            return "no such file or folder";
        } else if (f instanceof NotDirectoryException) {
            return "not a folder";
        } else if (f instanceof FileAlreadyExistsException) {
            return "a file of that name is in the way";
        }
        return f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
    }
}
