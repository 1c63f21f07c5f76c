package dev.zero.api;

import java.util.ArrayList;
import java.util.List;

/**
 * An operator's request to move files now: {@code action} applied to every regular file named by
 * {@code paths} (relative to the volume root; a directory stands for every file below it).
 */
public record CommandRequest(TaskKind action, List<String> paths) {
    public static final int MAX_PATHS = 10_000;

    public CommandRequest {
        Checks.present("action", action);
        Checks.present("paths", paths);
        if (paths.isEmpty() || paths.size() > MAX_PATHS) {
            throw new IllegalArgumentException("paths must hold 1 to " + MAX_PATHS + " paths, got " + paths.size());
        }
        List<String> clean = new ArrayList<>(paths.size());
        for (int i = 0; i < paths.size(); i++) {
            clean.add(VolumePath.normalise("paths[" + i + "]", paths.get(i)));
        }
        paths = List.copyOf(clean);
    }
}
