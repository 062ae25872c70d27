package dev.reason.model;

/** A model directory that cannot be used; the message is one line a user can act on. */
public final class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
