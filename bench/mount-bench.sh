#!/usr/bin/env bash
# Benchmarks a Zero mount against the bare backing file system and a C passthrough
# (bindfs --multithreaded) over the same file system, in the same run, metric by metric: Zero on
# its default transport (kernel: /dev/fuse spoken directly, inode-based, with passthrough) and on
# its fallback (jnr-fuse: libfuse2's path API).
#
#   bench/mount-bench.sh                 # starts two Zero agents (fuse-agent jar) on temp dirs
#   ZERO_BENCH_MOUNT=/mnt/zero ZERO_BENCH_BACKING=/var/cache/zero/tree bench/mount-bench.sh
#                                        # measures an already running mount (e.g. from ./zero up)
#                                        # in the "zero" column (no jnr-fuse agent is started)
#
# Knobs (env): ZERO_BENCH_FILES (small files per metadata phase, 3000), ZERO_BENCH_SIZE_MB
# (sequential file size, 1024), ZERO_BENCH_SECONDS (per random-I/O test, 5), JAVA_HOME,
# ZERO_BENCH_JAVA_OPTS (extra JVM options for the agent, e.g. -Dzero.agent.mount.dir-attr-timeout=0s),
# ZERO_BENCH_JAR (the agent's quarkus-run.jar, to A/B two builds; default fuse-agent/target/quarkus-app),
# ZERO_BENCH_FRESH_FS (e.g. 8G: every target on a new ext4 of that size, made for the run on a loop
# device; root; without it the targets share the file system of /tmp).
# Needs: bash, python3, dd, tar, fusermount; installs nothing. bindfs and fio are used when present
# (apt-get install bindfs fio); without bindfs its column is "-", without fio a python loop
# measures random I/O. Root is needed to drop the page cache between write and read.
# Everything it creates (mounts, agent process, temp dirs) is removed on exit, Ctrl-C included.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FILES=${ZERO_BENCH_FILES:-3000}
SIZE_MB=${ZERO_BENCH_SIZE_MB:-1024}
SECS=${ZERO_BENCH_SECONDS:-5}
JAR=${ZERO_BENCH_JAR:-$ROOT/fuse-agent/target/quarkus-app/quarkus-run.jar}

WORK=""
LOOP=""
IMAGE=""
AGENT_PID=""
JNR_PID=""
JMNT=""
ZMNT=""
BMNT=""
TARGETS=()
declare -A DIR

log() { printf '%s\n' "$*" >&2; }

is_mounted() { awk -v m="$1" '$2 == m { found = 1 } END { exit !found }' /proc/mounts; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    for t in "${TARGETS[@]}"; do
        [ -n "${DIR[$t]:-}" ] && rm -rf "${DIR[$t]}"
    done
    if [ -n "$BMNT" ] && is_mounted "$BMNT"; then
        fusermount -u "$BMNT" 2>/dev/null || fusermount -u -z "$BMNT"
    fi
    for pid in $JNR_PID $AGENT_PID; do
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    for m in "$JMNT" "$ZMNT"; do
        [ -n "$m" ] && [ "$m" != "${ZERO_BENCH_MOUNT:-}" ] && is_mounted "$m" && { fusermount -u "$m" 2>/dev/null || umount -l "$m"; }
    done
    if [ -n "$LOOP" ]; then
        umount "$WORK" 2>/dev/null || umount -l "$WORK"
        losetup -d "$LOOP"
        rm -f "$IMAGE"
    fi
    [ -n "$WORK" ] && rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

find_java() {
    local j
    for j in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
        [ -x "$j/bin/java" ] || continue
        local v
        v=$("$j/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ { print $2 }')
        if [ "${v%%.*}" -ge 25 ] 2>/dev/null; then echo "$j"; return; fi
    done
    log "no JDK >= 25 found (set JAVA_HOME)"; exit 1
}

# ---- set up the three targets ----

if [ -n "${ZERO_BENCH_MOUNT:-}" ]; then
    ZMNT=$(realpath "$ZERO_BENCH_MOUNT")
    BACKING=$(realpath "${ZERO_BENCH_BACKING:?set ZERO_BENCH_BACKING to the mount\'s backing tree}")
    is_mounted "$ZMNT" || { log "$ZMNT is not mounted"; exit 1; }
    # temp dirs on the backing file system, outside the backing tree
    if [ "$(stat -c %d /tmp)" = "$(stat -c %d "$BACKING")" ]; then
        WORK=$(mktemp -d /tmp/zero-bench.XXXXXX)
    else
        WORK=$(mktemp -d "$(dirname "$BACKING")/.zero-bench.XXXXXX")
    fi
else
    WORK=$(mktemp -d /tmp/zero-bench.XXXXXX)
    if [ -n "${ZERO_BENCH_FRESH_FS:-}" ]; then
        # every target on an ext4 made for this run (with its journal, mkfs defaults), on a loop
        # device with direct I/O so that the image file is not cached a second time: no inode
        # freed by earlier work for the allocator to step over, whatever the machine's disk holds
        IMAGE=$WORK.img
        truncate -s "$ZERO_BENCH_FRESH_FS" "$IMAGE"
        mkfs.ext4 -q -F "$IMAGE"
        LOOP=$(losetup --find --show --direct-io=on "$IMAGE")
        mount "$LOOP" "$WORK"
        log "a fresh ext4 of $ZERO_BENCH_FRESH_FS on $LOOP at $WORK"
    fi
    chmod 755 "$WORK"
    JAVA_HOME=$(find_java)
    if [ ! -f "$JAR" ]; then
        log "building fuse-agent ..."
        (cd "$ROOT" && JAVA_HOME=$JAVA_HOME mvn -q -o -pl fuse-agent -am package -DskipTests)
    fi
    JAVA=$JAVA_HOME/bin/java
    # shellcheck source=bench/agent.sh
    . "$ROOT/bench/agent.sh"
    # start_agent NAME TRANSPORT: an agent on $WORK/NAME-mnt, its cache in $WORK/NAME-cache
    start_agent() {
        log "starting a Zero agent on $2 (log: $WORK/$1.log) ..."
        bench_agent "$WORK/$1-mnt" "$WORK/$1-cache" "$WORK/$1.log" -Dzero.agent.mount.transport="$2" \
            || { kill -KILL "$AGENT_STARTED_PID" 2>/dev/null; exit 1; }
        STARTED_PID=$AGENT_STARTED_PID
    }
    start_agent zero kernel
    AGENT_PID=$STARTED_PID
    ZMNT=$WORK/zero-mnt
    BACKING=$WORK/zero-cache/tree
    grep -q "kernel transport" "$WORK/zero.log" || log "warning: the agent fell back from the kernel transport: $(grep -m1 'cannot mount' "$WORK/zero.log")"
    if [ "${ZERO_BENCH_JNR:-1}" = 1 ]; then
        start_agent jnr jnr-fuse
        JNR_PID=$STARTED_PID
        JMNT=$WORK/jnr-mnt
    fi
fi
log "zero mount:   $ZMNT (backing $BACKING): $(awk -v m="$ZMNT" '$2 == m { print $4 }' /proc/mounts)"

TARGETS=(zero bare)
DIR[zero]=$ZMNT/.bench-$$
DIR[bare]=$WORK/bare
mkdir -p "${DIR[zero]}" "${DIR[bare]}"
if command -v bindfs >/dev/null; then
    BSRC=$WORK/bindfs-src
    BMNT=$WORK/bindfs-mnt
    mkdir -p "$BSRC" "$BMNT"
    # big_writes: bindfs on Debian 12 is built on libfuse2, which otherwise writes in 4 KiB pieces
    bindfs --multithreaded -o big_writes "$BSRC" "$BMNT"
    TARGETS+=(bindfs)
    DIR[bindfs]=$BMNT/bench
    mkdir -p "${DIR[bindfs]}"
    log "bindfs mount: $BMNT ($(bindfs --version 2>&1 | head -1), --multithreaded -o big_writes)"
else
    log "bindfs not installed (apt-get install bindfs): its column stays empty"
fi
if [ -n "$JMNT" ]; then
    TARGETS+=(jnr)
    DIR[jnr]=$JMNT/.bench-$$
    mkdir -p "${DIR[jnr]}"
    log "zero on jnr-fuse: $JMNT"
fi

# ---- measurements ----

declare -A R
METRICS=()
metric() { METRICS+=("$1"); }

drop_caches() {
    sync
    if [ "$(id -u)" = 0 ]; then echo 3 >/proc/sys/vm/drop_caches; fi
}

# dd's own rate, recomputed as MB/s (10^6 bytes) from its byte count and seconds
dd_rate() {
    dd "$@" 2>&1 | awk '/copied/ { for (i = 1; i <= NF; i++) if ($i ~ /^s,?$/) s = $(i-1); printf "%.0f", $1 / s / 1e6 }'
}

cat >"$WORK/meta.py" <<'EOF'
import os, sys, time
d, n, phase = sys.argv[1], int(sys.argv[2]), sys.argv[3]
names = [os.path.join(d, "f%05d" % i) for i in range(n)]
t = time.perf_counter()
if phase == "create":
    for p in names:
        os.close(os.open(p, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644))
elif phase == "stat":
    for p in names:
        os.stat(p)
elif phase == "list":  # ls -l: read the directory, stat every name in it
    for e in os.scandir(d):
        os.lstat(e.path)
elif phase == "rename":
    for p in names:
        os.rename(p, p + "r")
elif phase == "unlink":
    for p in names:
        os.unlink(p + "r")
print("%.0f" % (n / (time.perf_counter() - t)))
EOF

cat >"$WORK/randio.py" <<'EOF'
import os, random, sys, time
path, mode, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
fd = os.open(path, os.O_RDWR)
blocks = os.fstat(fd).st_size // 4096
buf = b"\xa5" * 4096
n, end = 0, time.perf_counter() + secs
while time.perf_counter() < end:
    for _ in range(256):
        off = random.randrange(blocks) * 4096
        if mode == "read":
            os.pread(fd, 4096, off)
        else:
            os.pwrite(fd, buf, off)
    n += 256
os.close(fd)
print("%.0f" % (n / secs))
EOF

rand_io() { # file read|write [jobs]
    if command -v fio >/dev/null; then
        local rw=randread field=8
        [ "$2" = write ] && rw=randwrite field=49
        # invalidate=0: fio's default drops the file's cached pages with fadvise(DONTNEED) first,
        # which empties bare's cache but, through FUSE passthrough, never reaches the backing
        # file's (the kernel sends no request for it): the two would run from different cache
        # states (bare's reads from the disk; bare's writes into fresh small folios, the mount's
        # into the large folios the read left, where ext4 walks every block of the folio per write)
        fio --name=r --filename="$1" --rw=$rw --bs=4k --ioengine=psync --runtime="$SECS" --time_based --invalidate=0 \
            --numjobs="${3:-1}" --group_reporting --output-format=terse 2>/dev/null | awk -F';' -v f=$field '{ printf "%.0f", $f }'
    else
        python3 "$WORK/randio.py" "$1" "$2" "$SECS"
    fi
}

log "metadata: $FILES files per phase ..."
# One unmeasured pass of the phases first, on every target alike: the agent is a long-running
# daemon, and a fresh JVM spends its first seconds interpreting and compiling its request path
# (measured: the first 500 creates after a mount at a quarter of the rate of later rounds). The
# table shows the steady state.
for t in "${TARGETS[@]}"; do
    mkdir -p "${DIR[$t]}/w"
    for phase in create stat rename unlink; do
        python3 "$WORK/meta.py" "${DIR[$t]}/w" "$FILES" "$phase" >/dev/null
    done
    rmdir "${DIR[$t]}/w"
done
for phase in create stat stat-cold list rename unlink; do
    metric "$phase/s"
    for t in "${TARGETS[@]}"; do
        mkdir -p "${DIR[$t]}/m"
        # stat runs 1.1 s later, when what a 1 s timeout lets the kernel cache has expired (bindfs,
        # jnr-fuse); the kernel transport's caches last 1 h, so its row is the kernel's own cache.
        # stat-cold and list (ls -l) run after the dentry and inode caches are dropped: every
        # target's daemon answers every name.
        [ "$phase" = stat ] && sleep 1.1
        [ "$phase" = stat-cold ] && drop_caches
        [ "$phase" = list ] && { sleep 1.1; drop_caches; }
        R[$t,$phase/s]=$(python3 "$WORK/meta.py" "${DIR[$t]}/m" "$FILES" "${phase%-cold}")
    done
done

# A real metadata-heavy workload: unpacking a tree of small files (the C headers of this
# machine) and walking it again (find + du) once the caches are dropped.
if [ -d /usr/include ]; then
    tar -cf "$WORK/include.tar" -C /usr include 2>/dev/null
    ENTRIES=$(tar -tf "$WORK/include.tar" | wc -l)
    log "unpacking /usr/include: $ENTRIES entries ..."
    metric "untar entries/s"
    metric "find+du entries/s"
    now() { date +%s.%N; }
    per_s() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
    for t in "${TARGETS[@]}"; do
        mkdir -p "${DIR[$t]}/u"
        drop_caches
        t0=$(now); tar -xf "$WORK/include.tar" -C "${DIR[$t]}/u"; t1=$(now)
        R[$t,untar entries/s]=$(per_s "$ENTRIES" "$t0" "$t1")
        sleep 1.1
        drop_caches
        t0=$(now); find "${DIR[$t]}/u" >/dev/null; du -s "${DIR[$t]}/u" >/dev/null; t1=$(now)
        R[$t,find+du entries/s]=$(per_s "$ENTRIES" "$t0" "$t1")
        rm -rf "${DIR[$t]}/u"
    done
fi

log "sequential I/O: ${SIZE_MB} MiB ..."
metric "seq write MB/s (page cache)"
metric "seq write MB/s (conv=fsync)"
metric "seq read MB/s (cold cache)"
metric "seq read MB/s (warm cache)"
metric "4k rand read IOPS"
metric "4k rand read IOPS, 16 jobs"
metric "4k rand write IOPS"
# Memory in the same state before every target's measured write or cold read: on this VM, pages
# the guest freed and left idle for a few seconds are handed back to the host (free page
# reporting), and the next writer to take them runs at a tenth of the speed, whichever target it
# is (measured: 450-750 MB/s against 4.3-5.8 GB/s right after other pages were freed). Writing
# and deleting a file of the same size on the bare file system first takes them back.
prime_memory() {
    dd if=/dev/zero of="${DIR[bare]}/.prime" bs=1M count="$SIZE_MB" status=none
    rm -f "${DIR[bare]}/.prime"
}
for t in "${TARGETS[@]}"; do
    f=${DIR[$t]}/big
    drop_caches
    prime_memory
    R[$t,seq write MB/s (page cache)]=$(dd_rate if=/dev/zero of="$f" bs=1M count="$SIZE_MB")
    rm -f "$f"
    drop_caches
done
for t in "${TARGETS[@]}"; do
    f=${DIR[$t]}/big
    prime_memory
    R[$t,seq write MB/s (conv=fsync)]=$(dd_rate if=/dev/zero of="$f" bs=1M count="$SIZE_MB" conv=fsync)
done
for t in "${TARGETS[@]}"; do
    f=${DIR[$t]}/big
    drop_caches
    prime_memory
    R[$t,seq read MB/s (cold cache)]=$(dd_rate if="$f" of=/dev/null bs=1M)
    R[$t,seq read MB/s (warm cache)]=$(dd_rate if="$f" of=/dev/null bs=1M)
done
log "random 4 KiB I/O: ${SECS} s each ..."
for t in "${TARGETS[@]}"; do
    # Same cache state for every target: the file read once right before (the drop_caches of the
    # later targets' cold reads evicted the earlier targets' backing files, so without this only
    # the last target read from a warm backing cache), and kept (see rand_io): every row reads
    # from the host's page cache; a mount without passthrough answers each read in its daemon.
    cat "${DIR[$t]}/big" >/dev/null
    R[$t,4k rand read IOPS]=$(rand_io "${DIR[$t]}/big" read)
done
if command -v fio >/dev/null; then
    # 16 parallel readers: many requests in flight, so the daemon's threading shows
    for t in "${TARGETS[@]}"; do
        cat "${DIR[$t]}/big" >/dev/null
        R[$t,4k rand read IOPS, 16 jobs]=$(rand_io "${DIR[$t]}/big" read 16)
    done
fi
for t in "${TARGETS[@]}"; do
    cat "${DIR[$t]}/big" >/dev/null
    R[$t,4k rand write IOPS]=$(rand_io "${DIR[$t]}/big" write)
done

# ---- report ----

echo
echo "Zero mount benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  nproc=$(nproc)  kernel=$(uname -r)  fs=$(findmnt -no FSTYPE -T "$BACKING")${LOOP:+ (fresh, on $LOOP)}"
echo "files=$FILES  size=${SIZE_MB}MiB  random-io=${SECS}s  $(command -v fio >/dev/null && echo fio || echo python)"
printf '%-30s %12s %12s %12s %12s %12s %12s\n' metric zero bare zero-jnr bindfs-mt zero/bare zero/bindfs
printf '%-30s %12s %12s %12s %12s %12s %12s\n' ------------------------------ ------------ ------------ ------------ ------------ ------------ ------------
ratio() { if [[ "$1" =~ ^[0-9]+$ && "$2" =~ ^[0-9]+$ && "$2" -gt 0 ]]; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; else echo -; fi; }
for m in "${METRICS[@]}"; do
    z=${R[zero,$m]:--}
    b=${R[bare,$m]:--}
    j=${R[jnr,$m]:--}
    c=${R[bindfs,$m]:--}
    printf '%-30s %12s %12s %12s %12s %12s %12s\n' "$m" "$z" "$b" "$j" "$c" "$(ratio "$z" "$b")" "$(ratio "$z" "$c")"
done
echo "zero: $(grep -m1 -o 'kernel transport, passthrough [a-z]*, requests over [^,]*' "$WORK/zero.log" 2>/dev/null || echo "the mount given")"
