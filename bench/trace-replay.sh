#!/usr/bin/env bash
# Replays a file-access trace through a real Zero mount (embedded PostgreSQL, the fs store, the
# FUSE agent) under a disk target, once with the planner's ranking and once with plain LRU,
# and prints hit ratio, byte-hit ratio, bytes restored and store calls side by side.
#
#   bench/trace-replay.sh TRACE TARGET_BYTES [SCALE [ACCESSES]]
#   bench/trace-replay.sh ../shared/data/zipf-0.9.trace.gz 25000000 4 4000
#
# SCALE divides every size of the trace (TARGET_BYTES is in scaled units); ACCESSES replays the
# first N. The replay compresses the trace's time: every open counts as a use
# (access interval 0), uploads start at once and nothing is held by minimum residency, so the
# two rankings differ only in what they evict. The planner evicts from 90% down to 60% of the
# target every 500 ms. Needs root (FUSE), python3, curl. Everything it starts is removed on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TRACE=$(readlink -f "${1:?usage: bench/trace-replay.sh TRACE TARGET_BYTES [SCALE [ACCESSES]]}")
TARGET=${2:?target bytes}
SCALE=${3:-1}
ACCESSES=${4:-0}
W=$(mktemp -d /tmp/zero-replay.XXXXXX)
chmod 755 "$W"
export ZERO_CONFIG=$W/none.yml ZERO_VOLUME=replay
export ZERO_PLANNER_INTERVAL=0.5s ZERO_AGENT_JOURNAL_ACCESS_INTERVAL=0s ZERO_AGENT_JOURNAL_HEARTBEAT_INTERVAL=1s
export ZERO_AGENT_TIERING_ROOM_WAIT=60s

log() { printf '%s\n' "$*" >&2; }
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    for h in "$W"/home-*; do [ -d "$h" ] && ZERO_HOME=$h "$ROOT/zero" down >/dev/null 2>&1; done
    if [ "$rc" != 0 ]; then
        rm -rf /tmp/zero-replay-logs && mkdir -p /tmp/zero-replay-logs
        for h in "$W"/home-*; do [ -d "$h/logs" ] && cp -r "$h/logs" "/tmp/zero-replay-logs/$(basename "$h")"; done
        log "logs kept in /tmp/zero-replay-logs"
    fi
    rm -rf "$W"
    exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM
[ "$(id -u)" = 0 ] || { log "run as root (FUSE)"; exit 1; }

results=()
for ranking in score lru; do
    export ZERO_HOME=$W/home-$ranking ZERO_PLANNER_RANKING=$ranking
    log "replaying $(basename "$TRACE") with ranking=$ranking under $TARGET bytes ..."
    "$ROOT/zero" up "$W/mnt-$ranking" >"$W/up-$ranking.log" 2>&1 || { cat "$W/up-$ranking.log" >&2; exit 1; }
    eval "$("$ROOT/zero" env)"
    "$ROOT/zero" policy set "targetDiskUsage=$TARGET" highWatermark=90% lowWatermark=60% uploadDelay=0s minResidency=0s >/dev/null
    results+=("$(python3 "$ROOT/bench/trace_replay.py" "$TRACE" --target "$TARGET" --scale "$SCALE" --accesses "$ACCESSES" --label "$ranking" | tee -a "${ZERO_REPLAY_OUT:-/dev/null}")")
    "$ROOT/zero" down >/dev/null 2>&1
    ZERO_NO_BUILD=1
    export ZERO_NO_BUILD
done

printf '%s\n' "${results[@]}" | python3 "$ROOT/bench/trace_replay.py" --table "$(basename "$TRACE")" "$SCALE"
