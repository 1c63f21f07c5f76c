package dev.zero.agent.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.Channels;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;

import dev.zero.agent.cache.ContentSource;
import dev.zero.agent.cache.Refused;
import dev.zero.agent.config.AgentConfig;
import dev.zero.api.ObjectManifest;
import dev.zero.api.TaskView;
import dev.zero.api.TierInfo;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Recreates a deleted file from a stored copy. The file is written through the mount, so it is a
 * new file like any other (journalled, cached, uploaded in its turn): into a hidden temporary
 * name beside its destination, checked against the stored SHA-256, given the deleted file's mode,
 * owner and mtime, and only then linked to its name, which fails if something took the name
 * meanwhile. A failed undelete leaves nothing behind and never replaces a file.
 */
@ApplicationScoped
public class Undeleter {
    private final ContentSource content;
    private final AgentConfig config;

    Undeleter(ContentSource content, AgentConfig config) {
        this.content = content;
        this.config = config;
    }

    /** Recreates the file {@code task} names; returns the bytes written. {@code written} follows them for progress reports. */
    public long undelete(TaskView task, AtomicLong written) throws Refused, IOException {
        TaskView.Recreate as = task.recreate();
        if (as == null || task.path() == null || task.path().isEmpty()) {
            throw new Refused("the undelete task names no stored copy or no destination");
        }
        if (!config.mount().enabled()) {
            throw new Refused("the volume is not mounted on this host; an undeleted file is recreated through the mount");
        }
        long nonce = TierInfo.parseNonce("nonce", as.nonce());
        Path mount = config.mountpoint();
        Path dest = mount.resolve(task.path()).normalize();
        Path parent = dest.getParent();
        if (!dest.startsWith(mount) || parent == null || !Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
            throw new Refused("the directory of " + task.path() + " does not exist; undelete to a path whose directory exists");
        }
        if (Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
            throw new Refused(task.path() + " exists; undelete to another path");
        }
        ObjectManifest manifest = content.manifest(task.fileId(), task.contentVersion(), nonce);
        Path temp = parent.resolve(".zero-undelete-" + task.id());
        Files.deleteIfExists(temp); // left by an earlier attempt of this task
        boolean linked = false;
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream out = new DigestOutputStream(Channels.newOutputStream(channel), sha);
                if (manifest.size() > 0) {
                    try (InputStream in = content.open(task.fileId(), task.contentVersion(), nonce, 0, manifest.size())) {
                        byte[] buffer = new byte[1 << 20];
                        for (int n; (n = in.read(buffer)) > 0; ) {
                            out.write(buffer, 0, n);
                            written.addAndGet(n);
                        }
                    }
                }
                out.flush();
                channel.force(true);
            }
            String got = HexFormat.of().formatHex(sha.digest());
            if (written.get() != manifest.size() || !got.equals(manifest.sha256())) {
                throw new IOException("the stored copy of " + task.path() + " came back as " + written.get() + " bytes with SHA-256 " + got
                        + ", not the " + manifest.size() + " bytes with SHA-256 " + manifest.sha256() + " that were stored");
            }
            Files.setAttribute(temp, "unix:mode", as.mode() & 07777);
            Files.setAttribute(temp, "unix:uid", as.uid());
            Files.setAttribute(temp, "unix:gid", as.gid());
            if (as.mtime() != null) {
                Files.setLastModifiedTime(temp, FileTime.from(as.mtime()));
            }
            try {
                Files.createLink(dest, temp); // atomic: fails if the name was taken meanwhile
                linked = true;
            } catch (FileAlreadyExistsException e) {
                throw new Refused(task.path() + " was created while the undelete ran; undelete to another path");
            }
            return manifest.size();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            Files.deleteIfExists(temp);
            if (!linked) {
                written.set(0);
            }
        }
    }
}
