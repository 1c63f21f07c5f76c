#!/usr/bin/env bash
# Simulation benchmark of Zero's eviction ranking against textbook policies.
#
#   bench/ranking/run.sh [TRACE_DIR]
#
# Writes the synthetic traces (gen_traces.py, seeded: byte-identical every run) into TRACE_DIR
# (default: a temporary directory, removed on exit), then runs every tracesim.py policy plus
# Zero's ranking (zero_policy.py) at 1%, 5% and 20% of each trace's working set, and on the
# shared trace ../shared/data/zipf-0.9.trace.gz (if present) also at 100 MB, and prints markdown
# tables on stdout (per-cell numbers and CPU time go to stderr). Needs only python3.
#
# Environment: TRACESIM=path/to/tracesim.py (default <repo>/../shared/tools/tracesim.py),
# SHARED_TRACE=path (default <repo>/../shared/data/zipf-0.9.trace.gz), ACCESSES=N (accesses
# per synthetic trace, default 300000), FRACTIONS=0.01,0.05,0.2.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export TRACESIM=${TRACESIM:-$ROOT/../shared/tools/tracesim.py}
SHARED_TRACE=${SHARED_TRACE:-$ROOT/../shared/data/zipf-0.9.trace.gz}
ACCESSES=${ACCESSES:-300000}
FRACTIONS=${FRACTIONS:-0.01,0.05,0.2}
[ -f "$TRACESIM" ] || { echo "tracesim.py not found at $TRACESIM (set TRACESIM)" >&2; exit 1; }

if [ $# -ge 1 ]; then
    DIR=$1; mkdir -p "$DIR"
else
    DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT
fi

echo "generating traces into $DIR ..." >&2
python3 "$HERE/gen_traces.py" "$DIR" --accesses "$ACCESSES" >&2

traces=()
extra=()
if [ -f "$SHARED_TRACE" ]; then
    traces+=("shared-zipf-0.9=$SHARED_TRACE")
    extra+=(--extra "shared-zipf-0.9=100000000")
fi
for t in zipf-0.9 zipf-1.1 shift scan drift rise uniform; do
    traces+=("$DIR/$t.trace.gz")
done

python3 "$HERE/compare.py" --fractions "$FRACTIONS" "${extra[@]}" "${traces[@]}"
