package dev.zero.agent.reconcile;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

import org.jboss.logging.Logger;

import dev.zero.agent.cache.TierAttr;
import dev.zero.agent.cache.TieredFiles;
import dev.zero.agent.posix.BackingRoot;
import dev.zero.agent.posix.Native;
import dev.zero.agent.posix.Stat;
import dev.zero.api.FileMeta;
import dev.zero.api.FileType;
import dev.zero.api.TierInfo;
import dev.zero.api.TierState;
import dev.zero.api.VolumeView;
import jnr.ffi.Pointer;

/**
 * Walks a backing tree and reports every file as (id, parent id, name, attributes, tier record),
 * parents before children. Ids come from the files' packed attribute; a file without one (put
 * there behind the agent's back) gets one. The walk before the mount appears (nothing else can
 * touch the tree then) also resolves what a previous run left in transitional tier states and
 * sets the tree's space totals.
 */
public final class TreeWalker {
    private static final Logger LOG = Logger.getLogger(TreeWalker.class);
    /** What libfuse leaves for files unlinked while open; never part of the namespace. */
    public static final String FUSE_HIDDEN_PREFIX = ".fuse_hidden";
    /** lstat buffer; a walker serves one walk at a time (the Reconciler serialises them). */
    private final Pointer st = Stat.allocate();

    /** Receives each file found. {@code parentId} and {@code name} are null for the root; {@code tier} for regular files only. */
    @FunctionalInterface
    public interface Visitor {
        void file(long fileId, Long parentId, String name, FileMeta meta, String linkTarget, TierInfo tier);
    }

    /** What a walk found: files, ids given, leftovers removed, files it could not read, transitional states resolved, and sizes. */
    public record Totals(long files, long idsAssigned, long leftoversRemoved, long unreadable, long resolved, long allocatedBytes,
            long logicalBytes) {
    }

    private final TieredFiles tiered;

    public TreeWalker(TieredFiles tiered) {
        this.tiered = tiered;
    }

    /**
     * Walks the tree. {@code startUp} (only while nothing is mounted): deletes libfuse's
     * {@code .fuse_hidden*} leftovers, resolves transitional tier states, and sets the space totals.
     */
    public Totals walk(boolean startUp, Visitor visitor) throws IOException {
        BackingRoot root = tiered.root();
        Path top = root.path();
        Map<Path, Long> dirIds = new HashMap<>();
        long[] totals = new long[7];
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                Long id = report(dir, top, dirIds, visitor, totals, startUp);
                if (id == null) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                dirIds.put(dir, id);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (file.getFileName().toString().startsWith(FUSE_HIDDEN_PREFIX)) {
                    if (startUp && Files.deleteIfExists(file)) {
                        totals[2]++;
                    }
                    return FileVisitResult.CONTINUE;
                }
                report(file, top, dirIds, visitor, totals, startUp);
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
        if (startUp) {
            tiered.space().reset(totals[5], totals[6], totals[0]);
        }
        return new Totals(totals[0], totals[1], totals[2], totals[3], totals[4], totals[5], totals[6]);
    }

    private Long report(Path path, Path top, Map<Path, Long> dirIds, Visitor visitor, long[] totals, boolean startUp) {
        BackingRoot root = tiered.root();
        try {
            boolean isRoot = path.equals(top);
            Pointer rel = isRoot ? Native.DOT : Native.cstr(top.relativize(path).toString());
            Stat.lstat(root.fd(), rel, st);
            FileType type = Stat.type(Stat.mode(st));
            long id;
            TierAttr attr = null;
            if (isRoot) {
                id = VolumeView.ROOT_FILE_ID;
            } else {
                boolean had = tiered.attrs().read(root, rel) != null;
                attr = tiered.attrs().ensure(root, rel);
                id = attr.fileId();
                if (!had) {
                    totals[1]++;
                }
                if (type == FileType.FILE && startUp && (attr.state() != TierState.LOCAL || attr.trueCtime() != null)) {
                    TierAttr before = attr;
                    attr = recover(rel, attr);
                    if (before.state() != attr.state()) {
                        totals[4]++;
                        LOG.infof("file %d (%s): %s resolved to %s", id, top.relativize(path), before.state(), attr.state());
                    }
                    Stat.lstat(root.fd(), rel, st);
                }
            }
            // The same description of a backing file as the mount journals (Stat.meta with the ctime users see).
            Stat.Timespec ctime = tiered.times().ctime(Stat.ino(st));
            FileMeta meta = Stat.meta(st, attr == null ? 0 : attr.contentVersion(), ctime != null ? ctime : Stat.ctime(st));
            String target = type == FileType.SYMLINK ? Files.readSymbolicLink(path).toString() : null;
            TierInfo tier = type == FileType.FILE && attr != null ? attr.info() : null;
            if (isRoot) {
                visitor.file(id, null, null, meta, null, null);
            } else {
                Long parent = dirIds.get(path.getParent());
                if (parent == null) {
                    return null;
                }
                visitor.file(id, parent, path.getFileName().toString(), meta, target, tier);
            }
            totals[0]++;
            totals[5] += Stat.allocated(st);
            if (type == FileType.FILE) {
                totals[6] += Stat.size(st);
            }
            return id;
        } catch (IOException e) {
            totals[3]++;
            LOG.debugf("walk: skipped %s: %s", path, e.getMessage());
            return null;
        }
    }

    private TierAttr recover(Pointer rel, TierAttr attr) throws IOException {
        int fd = tiered.root().open(rel, Native.O_RDWR | Native.O_NOATIME | Native.O_NOFOLLOW | Native.O_NONBLOCK, 0, "open (recover)");
        try {
            return tiered.recover(fd);
        } finally {
            Native.LIBC.close(fd);
        }
    }
}
