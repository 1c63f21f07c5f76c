package dev.zero.api;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.regex.PatternSyntaxException;

/**
 * A per-path rule of a volume policy. {@code glob} is matched against the path from the
 * volume root (no leading slash), with the syntax of {@link java.nio.file.FileSystem#getPathMatcher}
 * ({@code photos/**} is everything below photos; {@code **.tmp} any .tmp file).
 * PIN keeps matching files on the host (and brings them back if evicted); NEVER_UPLOAD keeps them
 * out of the object store (they count against the target); EVICT_AFTER_IDLE evicts them once
 * synced and unread for {@code idleSeconds}.
 */
public record PathRule(String glob, Action action, Long idleSeconds) {
    public enum Action { PIN, NEVER_UPLOAD, EVICT_AFTER_IDLE }

    public PathRule {
        Checks.present("rule.glob", glob);
        Checks.text("rule.glob", glob);
        if (glob.isBlank() || glob.startsWith("/")) {
            throw new IllegalArgumentException("rule.glob must be a relative glob such as 'photos/**', got \"" + glob + '"');
        }
        try {
            FileSystems.getDefault().getPathMatcher("glob:" + glob);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("rule.glob \"" + glob + "\" is not a valid glob: " + e.getDescription());
        }
        Checks.present("rule.action", action);
        if (action == Action.EVICT_AFTER_IDLE) {
            Checks.positive("rule.idleSeconds", Checks.present("rule.idleSeconds", idleSeconds));
        } else if (idleSeconds != null) {
            throw new IllegalArgumentException("rule.idleSeconds applies to EVICT_AFTER_IDLE only, not " + action);
        }
    }

    /** Whether the rule applies to a path relative to the volume root. */
    public boolean matches(String path) {
        return !path.isEmpty() && matcher().matches(Path.of(path));
    }

    private PathMatcher matcher() {
        return FileSystems.getDefault().getPathMatcher("glob:" + glob);
    }
}
