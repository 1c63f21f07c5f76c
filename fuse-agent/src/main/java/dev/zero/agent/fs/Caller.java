package dev.zero.agent.fs;

/** The process a FUSE request comes from (fuse_context): new objects are owned by it. */
public record Caller(int uid, int gid) {
}
