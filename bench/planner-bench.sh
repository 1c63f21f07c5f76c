#!/usr/bin/env bash
# One planning round on a catalogue of 1,000,000 files (embedded PostgreSQL), beside the same
# eviction-candidate query run by sequential scan (indexes switched off) in the same run.
#
#   bench/planner-bench.sh
#
# Runs PlannerScaleTest (which also asserts the plans use the indexes) and prints its figures.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${JAVA_HOME:-}" ]; then
    JAVA_HOME=$(ls -d /usr/lib/jvm/*/ 2>/dev/null | while read -r j; do [ -x "$j/bin/javac" ] && echo "${j%/}"; done | sort -V | tail -n1)
fi
export JAVA_HOME
cd "$ROOT"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
mvn -B -q -pl tiering-api,tiering-service verify -Dtest=PlannerScaleTest -Dsurefire.failIfNoSpecifiedTests=false >"$log" 2>&1 \
    || { tail -50 "$log" >&2; exit 1; }
grep -ho 'BENCH .*' "$log" tiering-service/target/surefire-reports/*PlannerScaleTest*-output.txt 2>/dev/null | sed 's/^BENCH //' | sort -u
