package dev.zero.agent.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.zero.agent.posix.ErrnoException;

class ErrnoMapperTest {
    static Stream<Arguments> table() {
        return Stream.of(
                Arguments.of(new ErrnoException(39, "rmdir"), -39),
                Arguments.of(new ErrnoException(61, "getxattr"), -61),
                Arguments.of(new NoSuchFileException("x"), -2),
                Arguments.of(new FileAlreadyExistsException("x"), -17),
                Arguments.of(new DirectoryNotEmptyException("x"), -39),
                Arguments.of(new NotDirectoryException("x"), -20),
                Arguments.of(new AccessDeniedException("x"), -13),
                Arguments.of(new ClosedChannelException(), -9),
                Arguments.of(new IOException("disk on fire"), -5),
                Arguments.of(new IllegalStateException("bug"), -5));
    }

    @ParameterizedTest
    @MethodSource("table")
    void maps(Throwable e, int errno) {
        assertEquals(errno, ErrnoMapper.toErrno(e, "op"));
    }
}
