package dev.zero.system;

import java.nio.file.Files;
import java.nio.file.Path;

/** What the system tests need from the machine, for skip reasons that say what is missing. */
final class Machine {
    private Machine() {
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    static boolean hasFuse() {
        return Files.exists(Path.of("/dev/fuse"));
    }

    static String missing() {
        if (!isRoot()) {
            return "the system tests mount FUSE with allow_other and must run as root (sudo ./zero test)";
        }
        if (!hasFuse()) {
            return "/dev/fuse is missing (modprobe fuse, or --device /dev/fuse in a container)";
        }
        return null;
    }
}
