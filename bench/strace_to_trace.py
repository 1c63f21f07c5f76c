#!/usr/bin/env python3
"""Turns `strace -f -e trace=openat -e status=successful` output into a file-access trace
("PATH SIZE" per open of a regular file, in order) for tracesim.py and trace_replay.py.
Files gone since (a build's temporaries) are sized 0 and left out; so are /proc, /sys and /dev.

    strace -f -qq -e trace=openat -e status=successful -o build.strace mvn package
    bench/strace_to_trace.py build.strace > build.trace
"""
import os, re, sys

OPEN = re.compile(r'openat\((?:AT_FDCWD|\d+<[^>]*>|\d+), "((?:[^"\\]|\\.)*)", ([A-Z_|]+)[^)]*\) = \d+')

def main():
    for line in open(sys.argv[1], errors="replace"):
        m = OPEN.search(line)
        if not m or "O_DIRECTORY" in m.group(2):
            continue
        path = m.group(1)
        if not path.startswith("/") or path.startswith(("/proc/", "/sys/", "/dev/")):
            continue
        try:
            st = os.stat(path)
        except OSError:
            continue
        if not os.path.isfile(path) or st.st_size == 0:
            continue
        print(path.replace(" ", "_"), st.st_size)

if __name__ == "__main__":
    main()
