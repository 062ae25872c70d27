package dev.reason.engine;

/** The requested device cannot run the model; the message is one line a user can act on. */
public final class DeviceException extends RuntimeException {
    public DeviceException(String message) {
        super(message);
    }
}
