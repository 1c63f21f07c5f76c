package dev.zero.agent.reconcile;

import dev.zero.agent.cache.TierXattrs;
import dev.zero.agent.fs.Native;
import dev.zero.agent.fs.Stat;
import dev.zero.api.FileMeta;
import dev.zero.api.FileType;
import dev.zero.api.VolumeView;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Walks a backing tree and reports every file as (id, parent id, name, attributes), parents
 * before children. Ids come from the files' {@code trusted.zero.id}; a file without one (put
 * there behind the agent's back) gets one. Uses absolute paths, since the mount owns the
 * process's working directory.
 */
public final class TreeWalker {
    private static final Logger LOG = Logger.getLogger(TreeWalker.class);
    /** What libfuse leaves for files unlinked while open; never part of the namespace. */
    public static final String FUSE_HIDDEN_PREFIX = ".fuse_hidden";
    /** lstat buffer; a walker serves one walk at a time (the Reconciler serialises them). */
    private final jnr.ffi.Pointer st = Stat.allocate();

    /** Receives each file found. {@code parentId} and {@code name} are null for the root. */
    @FunctionalInterface
    public interface Visitor {
        void file(long fileId, Long parentId, String name, FileMeta meta, String linkTarget);
    }

    /** What a walk found. */
    public record Totals(long files, long idsAssigned, long leftoversRemoved, long unreadable) {
    }

    private final TierXattrs xattrs;

    public TreeWalker(TierXattrs xattrs) {
        this.xattrs = xattrs;
    }

    /**
     * Walks {@code root}. With {@code removeLeftovers} (only while nothing is mounted) it deletes
     * libfuse's {@code .fuse_hidden*} files, which outlive a crash.
     */
    public Totals walk(Path root, boolean removeLeftovers, Visitor visitor) throws IOException {
        Path top = root.toAbsolutePath();
        Map<Path, Long> dirIds = new HashMap<>();
        long[] totals = new long[4];
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                Long id = report(dir, top, dirIds, visitor, totals);
                if (id == null) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                dirIds.put(dir, id);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (file.getFileName().toString().startsWith(FUSE_HIDDEN_PREFIX)) {
                    if (removeLeftovers && Files.deleteIfExists(file)) {
                        totals[2]++;
                    }
                    return FileVisitResult.CONTINUE;
                }
                report(file, top, dirIds, visitor, totals);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                // Gone or unreadable during a live walk: the journal carries what happened to it.
                totals[3]++;
                LOG.debugf("walk: skipped %s: %s", file, e.getMessage());
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                dirIds.remove(dir);
                return FileVisitResult.CONTINUE;
            }
        });
        return new Totals(totals[0], totals[1], totals[2], totals[3]);
    }

    private Long report(Path path, Path top, Map<Path, Long> dirIds, Visitor visitor, long[] totals) {
        try {
            var name = Native.cstr(path.toString());
            Stat.lstat(name, st);
            FileType type = Stat.type(Stat.mode(st));
            boolean isRoot = path.equals(top);
            long id;
            long version = 0;
            if (isRoot) {
                id = VolumeView.ROOT_FILE_ID;
            } else {
                Long existing = xattrs.idOrNull(name);
                id = existing != null ? existing : xattrs.ensureId(name);
                if (existing == null) {
                    totals[1]++;
                }
                if (type == FileType.FILE) {
                    version = xattrs.version(name);
                }
            }
            // The same description of a backing file as the mount journals (Stat.meta).
            FileMeta meta = Stat.meta(st, version);
            String target = type == FileType.SYMLINK ? Files.readSymbolicLink(path).toString() : null;
            if (isRoot) {
                visitor.file(id, null, null, meta, null);
            } else {
                Long parent = dirIds.get(path.getParent());
                if (parent == null) {
                    return null;
                }
                visitor.file(id, parent, path.getFileName().toString(), meta, target);
            }
            totals[0]++;
            return id;
        } catch (IOException e) {
            totals[3]++;
            LOG.debugf("walk: skipped %s: %s", path, e.getMessage());
            return null;
        }
    }

}
