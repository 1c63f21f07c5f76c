#!/usr/bin/env bash
# Moves of one file between a Zero mount and its object store, on a real `./zero up` stack
# (embedded PostgreSQL, the fs store, the FUSE agent), each beside a plain copy measured in the
# same run; then stat/s through the mount for files never tiered, files tiered (whose true
# times the agent keeps), the bare backing file system and, optionally, an earlier build.
#
#   bench/tiering-bench.sh
#   ZERO_BENCH_BEFORE=30668ff bench/tiering-bench.sh     # also stat/s of that revision's agent
#
# Knobs (env): ZERO_BENCH_SIZE_MB (1024), ZERO_BENCH_RUNS (3; the median is printed),
# ZERO_BENCH_STAT_FILES (2000). Needs root (FUSE, drop_caches), python3, curl. Builds what is
# missing; everything it starts or creates is stopped and removed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZE_MB=${ZERO_BENCH_SIZE_MB:-1024}
RUNS=${ZERO_BENCH_RUNS:-3}
STAT_FILES=${ZERO_BENCH_STAT_FILES:-2000}
W=$(mktemp -d /tmp/zero-tiering-bench.XXXXXX)
chmod 755 "$W"
export ZERO_HOME=$W/home ZERO_CONFIG=$W/none.yml ZERO_VOLUME=bench
MNT=$W/mnt
OLD_PID=""
OLD_MNT=""

log() { printf '%s\n' "$*" >&2; }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    "$ROOT/zero" down >/dev/null 2>&1
    if [ -n "$OLD_PID" ]; then kill -TERM "$OLD_PID" 2>/dev/null; wait "$OLD_PID" 2>/dev/null; fi
    [ -n "$OLD_MNT" ] && fusermount -u -z "$OLD_MNT" 2>/dev/null
    [ -n "${ZERO_BENCH_BEFORE:-}" ] && git -C "$ROOT" worktree remove --force "$W/before" 2>/dev/null
    rm -rf "$W"
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

[ "$(id -u)" = 0 ] || { log "run as root (FUSE and drop_caches)"; exit 1; }
if [ -z "${JAVA_HOME:-}" ]; then
    JAVA_HOME=$(ls -d /usr/lib/jvm/*/ 2>/dev/null | while read -r j; do [ -x "$j/bin/javac" ] && echo "${j%/}"; done | sort -V | tail -n1)
fi
export JAVA_HOME

drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
mbps() { awk -v s="$1" -v mb="$SIZE_MB" 'BEGIN { printf "%.0f", mb / s }'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Seconds the command took, wall clock.
timed() { local a b; a=$(now); "$@" >/dev/null 2>&1; b=$(now); secs "$a" "$b"; }
# Seconds the service spent on a command (its own "moved in X s", without the CLI around it).
served() { sed -n 's/.* in \([0-9.]*\) s (.*/\1/p' | head -n1; }

log "starting Zero under $ZERO_HOME ..."
"$ROOT/zero" up "$MNT" >"$W/up.log" 2>&1 || { cat "$W/up.log" >&2; exit 1; }
BACKING=$ZERO_HOME/cache/tree
mkdir -p "$MNT/b"
log "writing a ${SIZE_MB} MiB file of random bytes through the mount ..."
head -c $((SIZE_MB << 20)) /dev/urandom >"$MNT/b/file"
sync

declare -a UP UPS UPREF RS RSS RSREF CAT CATREF T0 TEND TREF
for run in $(seq 1 "$RUNS"); do
    log "run $run/$RUNS"
    # a new content version, so that the whole file is uploaded again
    printf '%08d' "$run" | dd of="$MNT/b/file" bs=1 seek=0 conv=notrunc status=none
    drop
    a=$(now); out=$("$ROOT/zero" upload "$MNT/b/file" 2>/dev/null); b=$(now)
    UP+=("$(secs "$a" "$b")"); UPS+=("$(served <<<"$out")")
    drop
    UPREF+=("$(timed sh -c "cp '$BACKING/b/file' '$ZERO_HOME/objects/copy' && sync '$ZERO_HOME/objects/copy'")")
    rm -f "$ZERO_HOME/objects/copy"
    object="$ZERO_HOME/objects/$("$ROOT/zero" where --json "$MNT/b/file" | sed -n 's/.*"key":"\([^"]*\)".*/\1/p' | head -n1)"

    "$ROOT/zero" evict "$MNT/b/file" >/dev/null
    drop
    a=$(now); out=$("$ROOT/zero" restore "$MNT/b/file" 2>/dev/null); b=$(now)
    RS+=("$(secs "$a" "$b")"); RSS+=("$(served <<<"$out")")
    drop
    RSREF+=("$(timed sh -c "cp '$object' '$W/copy' && sync '$W/copy'")")
    rm -f "$W/copy"

    "$ROOT/zero" evict "$MNT/b/file" >/dev/null
    drop
    CAT+=("$(timed sh -c "cat '$MNT/b/file' >/dev/null")")
    drop
    CATREF+=("$(timed sh -c "cat '$object' >/dev/null")")

    "$ROOT/zero" evict "$MNT/b/file" >/dev/null
    drop
    T0+=("$(timed dd if="$MNT/b/file" bs=4096 count=1 of=/dev/null)")
    "$ROOT/zero" evict "$MNT/b/file" >/dev/null
    drop
    TEND+=("$(timed dd if="$MNT/b/file" bs=4096 count=1 skip=$(( (SIZE_MB << 8) - 1 )) of=/dev/null)")
    drop
    TREF+=("$(timed dd if="$object" bs=4096 count=1 skip=$(( (SIZE_MB << 8) - 1 )) of=/dev/null)")
    "$ROOT/zero" restore "$MNT/b/file" >/dev/null
done

m() { printf '%s\n' "$@" | median; }
up=$(m "${UP[@]}"); ups=$(m "${UPS[@]}"); upref=$(m "${UPREF[@]}")
rs=$(m "${RS[@]}"); rss=$(m "${RSS[@]}"); rsref=$(m "${RSREF[@]}")
cat_=$(m "${CAT[@]}"); catref=$(m "${CATREF[@]}")
t0=$(m "${T0[@]}"); tend=$(m "${TEND[@]}"); tref=$(m "${TREF[@]}")

# ---- stat/s ----
statloop() {
    python3 - "$1" <<'PY'
import os, sys, time
d = sys.argv[1]
names = [os.path.join(d, n) for n in sorted(os.listdir(d))]
best = 0
for _ in range(5):
    time.sleep(1.1)  # past the kernel's 1 s entry cache: every stat is a lookup and a getattr
    t = time.perf_counter()
    for n in names:
        os.stat(n)
    best = max(best, len(names) / (time.perf_counter() - t))
print(int(best))
PY
}
mkfiles() { python3 -c "import os, sys; d = sys.argv[1]; os.makedirs(d, exist_ok=True); [open(os.path.join(d, 'f%05d' % i), 'w').write('x') for i in range(int(sys.argv[2]))]" "$1" "$2"; }

log "stat/s over $STAT_FILES files ..."
mkfiles "$MNT/never" "$STAT_FILES"
mkfiles "$MNT/tiered" "$STAT_FILES"
mkfiles "$W/bare" "$STAT_FILES"
"$ROOT/zero" upload "$MNT/tiered" >/dev/null
kept=$(curl -s "http://127.0.0.1:$(cat "$ZERO_HOME/run/agent-port")/agent/v1/status" | sed -n 's/.*"uploads":\([0-9]*\).*/\1/p')
s_never=$(statloop "$MNT/never")
s_tiered=$(statloop "$MNT/tiered")
s_bare=$(statloop "$W/bare")
s_before="-"
if [ -n "${ZERO_BENCH_BEFORE:-}" ]; then
    log "building the agent of $ZERO_BENCH_BEFORE ..."
    git -C "$ROOT" worktree add --detach "$W/before" "$ZERO_BENCH_BEFORE" >/dev/null 2>&1
    (cd "$W/before" && mvn -q -B -pl fuse-agent -am package -DskipTests) >"$W/before-build.log" 2>&1
    OLD_MNT=$W/old-mnt
    mkdir -p "$OLD_MNT" "$W/old-cache"
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dzero.agent.mountpoint="$OLD_MNT" -Dzero.agent.cache-dir="$W/old-cache" \
        -Dzero.agent.service-url=http://127.0.0.1:1 -Dzero.agent.token=bench-token-0123456789 -Dquarkus.http.port=0 \
        -jar "$W/before/fuse-agent/target/quarkus-app/quarkus-run.jar" >"$W/old-agent.log" 2>&1 &
    OLD_PID=$!
    for _ in $(seq 300); do grep -qs " $OLD_MNT fuse" /proc/mounts && break; sleep 0.1; done
    mkfiles "$OLD_MNT/never" "$STAT_FILES"
    s_before=$(statloop "$OLD_MNT/never")
fi

printf '\n%-44s %12s %12s %8s\n' "${SIZE_MB} MiB file (median of $RUNS)" "zero" "reference" "ratio"
printf '%-44s %12s %12s %8s\n' "--------------------------------------------" "------------" "------------" "--------"
row() { printf '%-44s %12s %12s %8s\n' "$1" "$2" "$3" "$(awk -v a="$4" -v b="$5" 'BEGIN { printf "%.2f", a / b }')"; }
row "upload MB/s (./zero upload; ref cp+sync)" "$(mbps "$up")" "$(mbps "$upref")" "$upref" "$up"
row "  as the service timed it" "$(mbps "$ups")" "$(mbps "$upref")" "$upref" "$ups"
row "restore MB/s (./zero restore; ref cp+sync)" "$(mbps "$rs")" "$(mbps "$rsref")" "$rsref" "$rs"
row "  as the service timed it" "$(mbps "$rss")" "$(mbps "$rsref")" "$rsref" "$rss"
row "read of an evicted file, cat MB/s (ref cat)" "$(mbps "$cat_")" "$(mbps "$catref")" "$catref" "$cat_"
row "first 4 KiB at offset 0, ms (ref: 4 KiB cold)" "$(ms "$t0")" "$(ms "$tref")" "$t0" "$tref"
row "first 4 KiB at the end, ms (ref: 4 KiB cold)" "$(ms "$tend")" "$(ms "$tref")" "$tend" "$tref"
printf '\n%-44s %12s\n' "stat/s over $STAT_FILES files" ""
printf '%-44s %12s\n' "zero, files never tiered" "$s_never"
printf '%-44s %12s\n' "zero, files tiered ($kept with kept times)" "$s_tiered"
printf '%-44s %12s\n' "zero at ${ZERO_BENCH_BEFORE:-(not asked)}" "$s_before"
printf '%-44s %12s\n' "bare ext4" "$s_bare"
