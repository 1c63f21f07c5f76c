#!/usr/bin/env bash
# What one create-and-close costs on a Zero mount: creates per second on the mount and on the bare
# file system under it, round by round in the same run, then the agent's system calls per create
# (strace -c over N creates). The count does not depend on how loaded the disk or CPU is, so it is
# the figure to compare two builds by; the rates show what the count buys.
#
#   bench/create-syscalls.sh                     # the agent in fuse-agent/target/quarkus-app
#   ZERO_BENCH_JAR=/tmp/old/quarkus-run.jar bench/create-syscalls.sh   # another build
#
# Knobs (env): ZERO_BENCH_FILES (creates per round, 2000), ZERO_BENCH_ROUNDS (3), JAVA_HOME,
# ZERO_BENCH_JAVA_OPTS. Needs root, python3 and strace (apt-get install strace).
# The agent, mount and temp dirs are removed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAR=${ZERO_BENCH_JAR:-$ROOT/fuse-agent/target/quarkus-app/quarkus-run.jar}
FILES=${ZERO_BENCH_FILES:-2000}
ROUNDS=${ZERO_BENCH_ROUNDS:-3}
JAVA=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
command -v strace >/dev/null || { echo "needs strace (apt-get install strace)" >&2; exit 1; }
[ -f "$JAR" ] || { echo "no agent jar at $JAR (mvn -pl fuse-agent -am package -DskipTests)" >&2; exit 1; }

WORK=$(mktemp -d /tmp/zero-create.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/bare"
PID=""
cleanup() {
    umount "$WORK/mnt" 2>/dev/null || true
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=bench/agent.sh
. "$ROOT/bench/agent.sh"
bench_agent "$WORK/mnt" "$WORK/cache" "$WORK/agent.log" || { PID=$AGENT_STARTED_PID; exit 1; }
PID=$AGENT_STARTED_PID
echo "agent: $(grep -o 'mounted .*' "$WORK/agent.log" | head -1)"

# creates N files in a new directory DIR, each opened O_CREAT|O_EXCL and closed; prints files/s
creates() {
    python3 - "$1" "$2" <<'PY'
import os, sys, time
d, n = sys.argv[1], int(sys.argv[2])
os.makedirs(d)
t = time.perf_counter()
for i in range(n):
    os.close(os.open(f"{d}/f{i}", os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o644))
print(f"{n / (time.perf_counter() - t):.0f}")
PY
}

creates "$WORK/mnt/warm-up" 500 >/dev/null
printf '%-6s %12s %12s %8s\n' round "zero /s" "bare /s" ratio
for r in $(seq "$ROUNDS"); do
    z=$(creates "$WORK/mnt/r$r" "$FILES")
    b=$(creates "$WORK/bare/r$r" "$FILES")
    printf '%-6s %12s %12s %8s\n' "$r" "$z" "$b" "$(awk -v z="$z" -v b="$b" 'BEGIN { printf "%.2f", z / b }')"
done

strace -f -c -o "$WORK/strace" -p "$PID" 2>/dev/null &
TRACE=$!
sleep 1
creates "$WORK/mnt/traced" 1000 >/dev/null
sleep 0.5
kill -INT "$TRACE"; wait "$TRACE" 2>/dev/null || true
echo "agent system calls per create-and-close (strace -c over 1000; calls made at least once per 2 creates):"
awk '$NF != "total" && $4 ~ /^[0-9]+$/ && $4 >= 500 { printf "  %-18s %5.1f\n", $NF, $4 / 1000 }' "$WORK/strace" | sort -k2 -nr
awk '$NF == "total" { printf "  %-18s %5.1f\n", "all", $4 / 1000 }' "$WORK/strace"
