package dev.zero.api;

/** Brings the last stored version of the file deleted at {@code path} back, to {@code to} (default: the same path). */
public record UndeleteRequest(String path, String to) {
    public UndeleteRequest {
        path = VolumePath.normalise("path", path);
        to = to == null ? path : VolumePath.normalise("to", to);
        if (path.isEmpty() || to.isEmpty()) {
            throw new IllegalArgumentException("path and to must name a file, not the volume root");
        }
    }
}
