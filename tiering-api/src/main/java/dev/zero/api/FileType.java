package dev.zero.api;

/** The POSIX file types a volume can hold. */
public enum FileType {
    FILE, DIRECTORY, SYMLINK, FIFO, SOCKET, CHAR_DEVICE, BLOCK_DEVICE
}
