package dev.zero.service.store;

import dev.zero.api.TierInfo;

/**
 * The names of stored objects. One content version of one file is uploaded under
 * {@code <volume>/<fileId>/<version>-<nonce>}, with its manifest beside it under the same name
 * plus {@link #MANIFEST_SUFFIX}. The name is derived from what the agent keeps in the file's own
 * attribute (file id, stored version, nonce), so the tree alone finds its objects again.
 */
public final class ObjectKeys {
    public static final String MANIFEST_SUFFIX = ".manifest";

    private ObjectKeys() {
    }

    public static String content(String volume, long fileId, long version, long nonce) {
        return volume + "/" + fileId + "/" + version + "-" + TierInfo.nonceHex(nonce);
    }

    public static String manifest(String contentKey) {
        return contentKey + MANIFEST_SUFFIX;
    }
}
