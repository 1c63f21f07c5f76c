#!/usr/bin/env python3
"""An fsx-style exerciser: random writes, truncates, reads, mmap writes and reopens on a file
under test and on a reference file on a plain file system; after every operation the file under
test must read back exactly like the reference. Usage: fsx.py FILE REFERENCE OPS SEED"""
import mmap
import os
import random
import sys

path, ref, ops, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed)
MAX = 4 << 20
fds = [os.open(p, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644) for p in (path, ref)]


def both(fn):
    return [fn(fd) for fd in fds]


def check(step, what):
    size = os.fstat(fds[1]).st_size
    got = os.fstat(fds[0]).st_size
    if got != size:
        sys.exit(f"op {step} ({what}): size {got}, expected {size}")
    off = 0
    while off < size:
        n = min(1 << 20, size - off)
        a, b = os.pread(fds[0], n, off), os.pread(fds[1], n, off)
        if a != b:
            i = next(i for i in range(n) if a[i:i + 1] != b[i:i + 1])
            sys.exit(f"op {step} ({what}): byte {off + i} differs")
        off += n


for step in range(ops):
    size = os.fstat(fds[1]).st_size
    kind = rng.choice(["write", "write", "write", "truncate", "read", "mmap", "reopen", "fsync", "hole"])
    if kind in ("write", "hole"):
        off = rng.randrange(0, MAX) if kind == "hole" else rng.randrange(0, size + 1)
        data = rng.randbytes(rng.randrange(1, 200_000))
        both(lambda fd: os.pwrite(fd, data, off))
        what = f"{kind} {len(data)}@{off}"
    elif kind == "truncate":
        new = rng.randrange(0, MAX)
        both(lambda fd: os.ftruncate(fd, new))
        what = f"truncate {new}"
    elif kind == "read":
        off, n = rng.randrange(0, size + 1), rng.randrange(1, 300_000)
        a, b = both(lambda fd: os.pread(fd, n, off))
        if a != b:
            sys.exit(f"op {step}: read {n}@{off} differs")
        what = f"read {n}@{off}"
    elif kind == "mmap" and size > 0:
        off = rng.randrange(0, size)
        data = rng.randbytes(min(rng.randrange(1, 70_000), size - off))
        for fd in fds:
            with mmap.mmap(fd, size) as m:
                m[off:off + len(data)] = data
                m.flush()
        what = f"mmap write {len(data)}@{off}"
    elif kind == "reopen":
        for fd in fds:
            os.close(fd)
        fds = [os.open(p, os.O_RDWR) for p in (path, ref)]
        what = "reopen"
    else:
        both(os.fsync)
        what = "fsync"
    check(step, what)

for fd in fds:
    os.close(fd)
print(f"fsx: {ops} operations, seed {seed}, final size {os.stat(ref).st_size}: identical")
