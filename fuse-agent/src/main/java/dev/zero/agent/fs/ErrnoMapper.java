package dev.zero.agent.fs;

import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

import org.jboss.logging.Logger;

import dev.zero.agent.posix.ErrnoException;
import ru.serce.jnrfuse.ErrorCodes;

/**
 * The only place where exceptions become errno values for the kernel (negated, as FUSE wants).
 * Unknown exceptions give EIO, with the stack at debug and the class name at warn.
 */
public final class ErrnoMapper {
    private static final Logger LOG = Logger.getLogger(ErrnoMapper.class);

    private ErrnoMapper() {
    }

    public static int toErrno(Throwable e, String op) {
        if (e instanceof ErrnoException errno) {
            return -errno.errno();
        }
        if (e instanceof NoSuchFileException) {
            return -ErrorCodes.ENOENT();
        }
        if (e instanceof FileAlreadyExistsException) {
            return -ErrorCodes.EEXIST();
        }
        if (e instanceof DirectoryNotEmptyException) {
            return -ErrorCodes.ENOTEMPTY();
        }
        if (e instanceof NotDirectoryException) {
            return -ErrorCodes.ENOTDIR();
        }
        if (e instanceof AccessDeniedException) {
            return -ErrorCodes.EACCES();
        }
        if (e instanceof ClosedChannelException) {
            return -ErrorCodes.EBADF();
        }
        LOG.warnf("%s failed with %s, answering EIO", op, e.getClass().getName());
        LOG.debugf(e, "%s failed", op);
        return -ErrorCodes.EIO();
    }
}
