package dev.zero.agent.cache;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import dev.zero.agent.posix.Stat.Timespec;
import dev.zero.api.TierInfo;
import dev.zero.api.TierState;

/**
 * The agent's whole record of one backing file, kept in ONE extended attribute
 * ({@value #NAME}) in a fixed, versioned binary form of {@value #SIZE} bytes, small enough to
 * stay inside the inode on ext4 (three attributes, or one over ~64 bytes, spill into a separate
 * 4 KiB block per file). Every file type carries its stable id; regular files also their tier
 * state, content version, which upload holds their stored copy, and the true ctime the mount
 * shows while the backing file's own ctime has been moved by tiering.
 *
 * <pre>
 * offset size  field
 *  0     1     format ({@value #FORMAT})
 *  1     1     state (TierState ordinal)
 *  2     2     flags: 1 pinned, 2 true ctime kept, 4 stored copy known
 *  4     4     fingerprint of (size, mtime) when the stored copy was confirmed or restored
 *  8     8     file id
 * 16     8     content version
 * 24     8     stored version (content version of the stored copy)
 * 32     8     nonce of the upload that holds the stored copy
 * 40     8     true ctime, seconds
 * 48     4     true ctime, nanoseconds
 * 52     4     reserved (0)
 * </pre>
 * All integers little-endian.
 */
public record TierAttr(TierState state, boolean pinned, long fileId, long contentVersion, Stored stored, int fingerprint,
        Timespec trueCtime) {

    public static final String NAME = "trusted.zero";
    public static final int SIZE = 56;
    public static final int FORMAT = 1;
    private static final int PINNED = 1;
    private static final int TRUE_CTIME = 2;
    private static final int HAS_STORED = 4;
    private static final TierState[] STATES = TierState.values();

    /** The upload that holds a copy of the file's content in the object store. */
    public record Stored(long version, long nonce) {
    }

    /** A new file (or directory, symlink, node): its id, LOCAL, version 0. */
    public static TierAttr fresh(long fileId) {
        return new TierAttr(TierState.LOCAL, false, fileId, 0, null, 0, null);
    }

    public TierAttr withState(TierState newState) {
        return new TierAttr(newState, pinned, fileId, contentVersion, stored, fingerprint, trueCtime);
    }

    public TierAttr withContentVersion(long version) {
        return new TierAttr(state, pinned, fileId, version, stored, fingerprint, trueCtime);
    }

    public TierAttr withStored(Stored copy, int newFingerprint) {
        return new TierAttr(state, pinned, fileId, contentVersion, copy, newFingerprint, trueCtime);
    }

    public TierAttr withFingerprint(int newFingerprint) {
        return new TierAttr(state, pinned, fileId, contentVersion, stored, newFingerprint, trueCtime);
    }

    public TierAttr withTrueCtime(Timespec ctime) {
        return new TierAttr(state, pinned, fileId, contentVersion, stored, fingerprint, ctime);
    }

    public TierAttr withPinned(boolean pin) {
        return new TierAttr(state, pin, fileId, contentVersion, stored, fingerprint, trueCtime);
    }

    /** True when the stored copy holds exactly the current content. */
    public boolean storedIsCurrent() {
        return stored != null && stored.version() == contentVersion;
    }

    /** The record as the journal and the catalogue carry it. */
    public TierInfo info() {
        return stored == null ? new TierInfo(state, contentVersion, null, null)
                : new TierInfo(state, contentVersion, stored.version(), TierInfo.nonceHex(stored.nonce()));
    }

    /** What a file's size and mtime were: compared before an eviction, to catch changes made behind the agent's back. */
    public static int fingerprint(long size, Timespec mtime) {
        long h = size * 0x9E3779B97F4A7C15L ^ mtime.sec() * 0xC2B2AE3D27D4EB4FL ^ mtime.nsec() * 0x165667B19E3779F9L;
        h ^= h >>> 29;
        h *= 0xBF58476D1CE4E5B9L;
        return (int) (h ^ (h >>> 32));
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int flags = (pinned ? PINNED : 0) | (trueCtime != null ? TRUE_CTIME : 0) | (stored != null ? HAS_STORED : 0);
        b.put((byte) FORMAT).put((byte) state.ordinal()).putShort((short) flags).putInt(fingerprint);
        b.putLong(fileId).putLong(contentVersion);
        b.putLong(stored == null ? 0 : stored.version()).putLong(stored == null ? 0 : stored.nonce());
        b.putLong(trueCtime == null ? 0 : trueCtime.sec()).putInt(trueCtime == null ? 0 : trueCtime.nsec()).putInt(0);
        return b.array();
    }

    /** Decodes {@code length} bytes; throws IllegalArgumentException for a format this agent does not know. */
    public static TierAttr decode(byte[] bytes, int length) {
        if (length < SIZE || bytes[0] != FORMAT) {
            throw new IllegalArgumentException("unknown " + NAME + " format " + (length > 0 ? bytes[0] : -1) + " (" + length + " bytes)");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        b.get();
        int stateOrdinal = b.get();
        int flags = b.getShort();
        int fingerprint = b.getInt();
        long fileId = b.getLong();
        long version = b.getLong();
        long storedVersion = b.getLong();
        long nonce = b.getLong();
        long ctimeSec = b.getLong();
        int ctimeNsec = b.getInt();
        if (stateOrdinal < 0 || stateOrdinal >= STATES.length) {
            throw new IllegalArgumentException(NAME + " holds an unknown state " + stateOrdinal);
        }
        return new TierAttr(STATES[stateOrdinal], (flags & PINNED) != 0, fileId, version,
                (flags & HAS_STORED) != 0 ? new Stored(storedVersion, nonce) : null, fingerprint,
                (flags & TRUE_CTIME) != 0 ? new Timespec(ctimeSec, ctimeNsec) : null);
    }
}
