package dev.zero.agent.mount;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.zero.agent.config.AgentConfig;

/** The libfuse {@code -o} options the agent mounts with. */
public final class MountOptions {
    private MountOptions() {
    }

    /**
     * default_permissions: the kernel checks permissions with the backing modes and owners;
     * big_writes: 128 KiB writes instead of 4 KiB; use_ino: inode numbers of the backing tree;
     * no hard_remove: libfuse2 renames a file unlinked while open to {@code .fuse_hidden*} (removed on
     * release) so that path-based calls on it keep working; with hard_remove, fstat of an
     * unlinked open file (a tmpfile pattern) fails with ENOENT because the kernel's GETATTR
     * then carries no file handle. The price: the hidden name is visible until the last close
     * and keeps its directory non-empty;
     * timeouts as configured (see {@link AgentConfig.Mount#attrTimeout()}).
     */
    public static List<String> of(String volume, boolean allowOther, Duration attr, Duration entry, Duration negative, List<String> extra) {
        List<String> o = new ArrayList<>();
        if (allowOther) {
            o.add("allow_other");
        }
        o.add("default_permissions");
        o.add("big_writes");
        o.add("use_ino");
        o.add("fsname=zero-" + volume);
        o.add("subtype=zero");
        o.add("attr_timeout=" + seconds(attr));
        o.add("entry_timeout=" + seconds(entry));
        o.add("negative_timeout=" + seconds(negative));
        o.addAll(extra);
        return o;
    }

    /** jnr-fuse caches names (found or not) this long unless configured. */
    static final Duration JNR_NAME_TIMEOUT = Duration.ofSeconds(1);

    public static List<String> of(AgentConfig config) {
        AgentConfig.Mount m = config.mount();
        return of(config.volume(), m.allowOther(), m.attrTimeout().orElse(Duration.ZERO), m.entryTimeout().orElse(JNR_NAME_TIMEOUT),
                m.negativeTimeout().orElse(JNR_NAME_TIMEOUT),
                m.extraOptions().orElse(List.of()));
    }

    private static String seconds(Duration d) {
        return Double.toString(d.toNanos() / 1e9);
    }
}
