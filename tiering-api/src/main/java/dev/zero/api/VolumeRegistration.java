package dev.zero.api;

/** An agent declares that it serves a volume from the named host. */
public record VolumeRegistration(String host) {
    public VolumeRegistration {
        Checks.name("host", host);
    }
}
