package dev.zero.api;

/**
 * A volume (one mounted tree) and where its journal stands: {@code appliedSeq} is the highest
 * journal sequence number the catalogue has applied, so an agent resumes shipping after it.
 */
public record VolumeView(long id, String name, String host, long appliedSeq, long files) {
    /** The file id of every volume's root directory. Agents allocate all other ids above it. */
    public static final long ROOT_FILE_ID = 1;
}
