# Sourced by the bench scripts: one way to start a Zero agent for a measurement. The agent has no
# tiering service behind it (nothing is uploaded) and runs in its own session, so that a signal
# meant for the script's children does not reach it. Needs JAVA (a JDK 25+ java) and JAR (the
# agent's quarkus-run.jar); ZERO_BENCH_JAVA_OPTS adds JVM options.
#
#   bench_agent MOUNTPOINT CACHE_DIR LOG [JVM option ...]
#
# Returns once the agent's log says the mount is up, with its pid in AGENT_STARTED_PID; on a
# failure (the agent exited, or no mount in 60 s) prints the log's tail and returns 1.
bench_agent() {
    local mnt=$1 cache=$2 log=$3
    shift 3
    mkdir -p "$mnt" "$cache"
    # shellcheck disable=SC2086
    setsid "$JAVA" --enable-native-access=ALL-UNNAMED \
        -Dzero.agent.mountpoint="$mnt" -Dzero.agent.cache-dir="$cache" \
        -Dzero.agent.service-url=http://127.0.0.1:1 -Dzero.agent.token=bench-token-0123456789 \
        -Dquarkus.http.port=0 "$@" ${ZERO_BENCH_JAVA_OPTS:-} -jar "$JAR" >"$log" 2>&1 &
    AGENT_STARTED_PID=$!
    for _ in $(seq 600); do
        grep -q "mounted .* on $mnt " "$log" && return 0
        kill -0 "$AGENT_STARTED_PID" 2>/dev/null || { echo "the agent exited:" >&2; tail -20 "$log" >&2; return 1; }
        sleep 0.1
    done
    echo "the agent did not mount $mnt in 60 s:" >&2
    tail -20 "$log" >&2
    return 1
}
