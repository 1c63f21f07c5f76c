package dev.zero.agent.cache;

/**
 * A tier move the file does not allow now (open, changed since its upload, pinned, not uploaded
 * yet...): the message says why. Nothing was changed.
 */
public final class Refused extends Exception {
    public Refused(String reason) {
        super(reason, null, false, false);
    }
}
