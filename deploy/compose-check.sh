#!/usr/bin/env bash
# End-to-end check of docker-compose.yml on a real Docker engine:
#   the engine (installed and started here if none runs: root and Debian's packages needed),
#   local base images where no registry can be reached (built once, kept in the engine's cache),
#   the two Zero images, `docker compose up --wait` with fresh random secrets, a file written on
#   the host side of the mount and read back, the health of the service and the agent, the file
#   in the catalogue (admin REST API) and, after the upload delay, in the store; then
#   `docker compose down -v`, and the engine stopped and its traces removed if this script
#   started it.
#
# Prints "SKIPPED: <reason>" and exits 0 where no engine can be had; "PASSED" and exits 0 when
# everything held; exits 1 otherwise. Idempotent; cleans up after itself on every exit.
#
# Needs `mvn -DskipTests package` first (the images copy target/quarkus-app).
#
# Environment (all optional):
#   ZERO_DOCKER_WORK        the engine's work dir when this script starts one (/var/tmp/zero-docker;
#                           its image cache survives between runs)
#   ZERO_CHECK_BASE_IMAGE   a JRE 25+ image to build on (default: zero-local/jre:25, made here
#                           from a debootstrapped Debian and the host's JDK)
#   ZERO_CHECK_POSTGRES_IMAGE  the PostgreSQL image (default: zero-local/postgres:15, built
#                           from deploy/test-images/postgres)
#   ZERO_CHECK_KEEP_ENGINE=1   leave an engine this script started running
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
W="${ZERO_DOCKER_WORK:-/var/tmp/zero-docker}"
PROJECT=zero-check
DEBIAN_IMAGE=zero-local/debian:bookworm
JRE_IMAGE="${ZERO_CHECK_BASE_IMAGE:-zero-local/jre:25}"
PG_IMAGE="${ZERO_CHECK_POSTGRES_IMAGE:-zero-local/postgres:15}"
VOLUME=checkvol
HOSTNAME_=check-host

T0=$(date +%s.%N); PHASE=""; PHASE_T=$T0
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
phase() {  # phase NAME: ends the running phase (printing its time), starts NAME
  local t; t=$(now)
  [ -n "$PHASE" ] && echo "== $PHASE: $(secs "$PHASE_T" "$t") s"
  PHASE="$1"; PHASE_T=$t
  [ -n "$PHASE" ] && echo "== $PHASE ..."
  return 0
}
say() { echo "   $*"; }
skip() { echo "SKIPPED: $*"; exit 0; }
fail() { echo "FAILED: $*" >&2; FAILED=1; exit 1; }

STARTED_ENGINE=0; COMPOSE_UP=0; SHARED_MOUNT=""; TMP=""; FAILED=0

# --- cleanup, on every exit -------------------------------------------------------------------
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$COMPOSE_UP" = 1 ]; then
    if [ "$rc" != 0 ] || [ "$FAILED" = 1 ]; then
      echo "--- docker compose ps / logs (last 60 lines each) ---"
      dc ps -a 2>&1 || true
      dc logs --no-color --tail 60 2>&1 || true
    fi
    phase "compose down -v"
    timeout 120 "${DC[@]}" down -v --remove-orphans --timeout 60 2>&1 | sed 's/^/   /' || true
  fi
  if [ -n "$TMP" ]; then
    # A mount left by an agent that did not stop cleanly, then the shared bind made for it.
    if grep -qs " $TMP/mnt/$VOLUME fuse" /proc/mounts; then umount -l "$TMP/mnt/$VOLUME" 2>/dev/null || true; fi
    if [ -n "$SHARED_MOUNT" ]; then umount -l "$SHARED_MOUNT" 2>/dev/null || true; fi
    rm -rf "$TMP"
  fi
  if [ "$STARTED_ENGINE" = 1 ] && [ "${ZERO_CHECK_KEEP_ENGINE:-0}" != 1 ]; then
    phase "engine stop and clean-up"
    stop_engine
  fi
  phase ""
  echo "== total: $(secs "$T0" "$(now)") s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the engine -------------------------------------------------------------------------------
DC=()  # docker compose for this check, with the check's env file only (not the caller's .env or environment)
set_dc() {
  DC=(env -i PATH="$PATH" HOME="${HOME:-/root}")
  [ -n "${DOCKER_HOST:-}" ] && DC+=(DOCKER_HOST="$DOCKER_HOST")
  [ -n "${DOCKER_CONFIG:-}" ] && DC+=(DOCKER_CONFIG="$DOCKER_CONFIG")
  DC+=(docker compose -p "$PROJECT" --project-directory "$ROOT" -f "$ROOT/docker-compose.yml" --env-file "$TMP/env")
}
dc() { "${DC[@]}" "$@"; }

# What an earlier run that was killed left of the project (containers restart with the engine).
remove_leftovers() {
  local ids
  ids="$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")"
  [ -n "$ids" ] && { say "removing containers an earlier run left"; docker rm -f $ids >/dev/null; }
  ids="$(docker volume ls -q --filter "label=com.docker.compose.project=$PROJECT")"
  [ -n "$ids" ] && docker volume rm $ids >/dev/null
  ids="$(docker network ls -q --filter "label=com.docker.compose.project=$PROJECT")"
  [ -n "$ids" ] && docker network rm $ids >/dev/null
  return 0
}

engine_answers() { timeout 20 docker info >/dev/null 2>&1; }

install_engine() {
  command -v apt-get >/dev/null || skip "no Docker engine and no apt-get to install one (install docker.io, or run one)"
  say "installing docker.io containerd runc iptables (Debian packages)"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
          docker.io containerd runc iptables; } >"$W/apt.log" 2>&1; then
    skip "no Docker engine, and apt-get could not install docker.io: $(grep -E '^(E|W):' "$W/apt.log" | tail -1)"
  fi
}

# Compose v2: Debian 12 ships only v1; Debian 13's docker-compose package is v2 (a static binary).
install_compose() {
  local plugins="$W/docker-config/cli-plugins" apt="$W/trixie-apt"
  export DOCKER_CONFIG="$W/docker-config"
  [ -x "$plugins/docker-compose" ] && docker compose version >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null || skip "docker compose v2 is missing and there is no apt-get to fetch it"
  say "fetching Compose v2 from Debian 13's docker-compose package"
  mkdir -p "$plugins" "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources" "$apt/deb"
  local mirror
  mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)"
  [ -n "$mirror" ] || mirror="$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" >"$apt/sources/trixie.sources"
  local o=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/sources" -o "Dir::State::Lists=$apt/lists"
           -o "Dir::Cache=$apt/cache" -o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root)
  if ! { apt-get "${o[@]}" update -qq && (cd "$apt/deb" && apt-get "${o[@]}" download docker-compose); } >"$W/apt-compose.log" 2>&1; then
    skip "docker compose v2 is missing and Debian 13's docker-compose package could not be fetched: $(grep -E '^(E|W):' "$W/apt-compose.log" | tail -1)"
  fi
  rm -rf "$apt/x" && dpkg-deb -x "$apt"/deb/docker-compose_*.deb "$apt/x"
  install -m 755 "$apt/x/usr/libexec/docker/cli-plugins/docker-compose" "$plugins/docker-compose"
  docker compose version >/dev/null 2>&1 || skip "docker compose v2 from Debian 13 does not run here"
}

start_engine() {
  export DOCKER_HOST="unix://$W/docker.sock"
  if engine_answers; then say "an engine this script started earlier still runs: using it"; STARTED_ENGINE=1; return; fi
  # What to restore afterwards (kept from an earlier run that could not clean up: that is the
  # state before any engine of ours).
  [ -f "$W/forward-policy" ] || iptables -S FORWARD 2>/dev/null | awk '$1 == "-P" {print $3; exit}' >"$W/forward-policy"
  [ -s "$W/forward-policy" ] || echo ACCEPT >"$W/forward-policy"
  [ -f "$W/ip-forward" ] || cat /proc/sys/net/ipv4/ip_forward >"$W/ip-forward" 2>/dev/null || echo 0 >"$W/ip-forward"
  mkdir -p "$W/docker" "$W/exec"
  rm -f "$W/docker.sock" "$W/dockerd.pid"
  dockerd --data-root "$W/docker" --exec-root "$W/exec" --pidfile "$W/dockerd.pid" \
    -H "unix://$W/docker.sock" >"$W/dockerd.log" 2>&1 </dev/null &
  local pid=$!
  STARTED_ENGINE=1
  for _ in $(seq 1 120); do
    engine_answers && { say "dockerd $pid up (data root $W/docker)"; return; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  STARTED_ENGINE=0
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  clean_engine_traces
  skip "dockerd does not start here: $(grep -iE 'level=(fatal|error)|failed' "$W/dockerd.log" | tail -1)"
}

stop_engine() {
  local pid=""
  [ -f "$W/dockerd.pid" ] && pid="$(cat "$W/dockerd.pid")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  fi
  # The containerd dockerd ran for itself goes with it; wait for it.
  local c
  c="$(pgrep -f "containerd --config $W/exec/containerd" 2>/dev/null | head -1)"
  if [ -n "$c" ]; then for _ in $(seq 1 20); do kill -0 "$c" 2>/dev/null || break; sleep 0.5; done; fi
  clean_engine_traces
  say "dockerd stopped; iptables rules, docker0 and ip_forward restored"
}

# What dockerd leaves behind: its iptables chains and rules (FORWARD policy DROP), the docker0
# bridge, ip_forward on. Later tests that build network namespaces must not meet them.
clean_engine_traces() {
  local table rule chain
  if command -v iptables >/dev/null; then
    for table in filter nat; do
      iptables-save -t "$table" 2>/dev/null | grep -E '^-A ' | grep -E 'DOCKER|docker0|br-[0-9a-f]{12}' \
        | grep -vE '^-A DOCKER' | while read -r rule; do
          # shellcheck disable=SC2086
          iptables -t "$table" -D ${rule#-A } 2>/dev/null || true
        done
      for chain in $(iptables-save -t "$table" 2>/dev/null | awk '/^:DOCKER/ {print substr($1, 2)}'); do
        iptables -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $(iptables-save -t "$table" 2>/dev/null | awk '/^:DOCKER/ {print substr($1, 2)}'); do
        iptables -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
    iptables -P FORWARD "$(cat "$W/forward-policy" 2>/dev/null || echo ACCEPT)" 2>/dev/null || true
  fi
  ip link show docker0 >/dev/null 2>&1 && ip link delete docker0 2>/dev/null
  local br
  for br in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{print $2}' | grep -E '^br-[0-9a-f]{12}$'); do
    ip link delete "$br" 2>/dev/null || true
  done
  [ -f "$W/ip-forward" ] && cat "$W/ip-forward" >/proc/sys/net/ipv4/ip_forward 2>/dev/null
  rm -f "$W/forward-policy" "$W/ip-forward"
  return 0
}

# --- local base images ------------------------------------------------------------------------
have_image() { docker image inspect "$1" >/dev/null 2>&1; }

newest_jdk() {  # a JDK 25+ of the host, for the local JRE image
  local j v
  for j in ${JAVA_HOME:-} $(ls -d /usr/lib/jvm/* 2>/dev/null | sort -rV); do
    [ -x "$j/bin/jlink" ] && [ -f "$j/release" ] || continue
    v="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$j/release")"
    [ "${v:-0}" -ge 25 ] && { echo "$j"; return 0; }
  done
  return 1
}

build_base_images() {
  if ! have_image "$DEBIAN_IMAGE" && { [ "$JRE_IMAGE" = zero-local/jre:25 ] && ! have_image "$JRE_IMAGE" \
       || [ "$PG_IMAGE" = zero-local/postgres:15 ] && ! have_image "$PG_IMAGE"; }; then
    command -v debootstrap >/dev/null || { apt-get install -y -qq --no-install-recommends debootstrap >>"$W/apt.log" 2>&1 \
      || fail "debootstrap is missing and could not be installed"; }
    local mirror rootfs="$W/rootfs"
    mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null)"
    mirror="${mirror:-http://deb.debian.org/debian}"
    say "debootstrap bookworm (minbase) from $mirror"
    rm -rf "$rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$W/debootstrap.log" 2>&1 \
      || fail "debootstrap failed: $(tail -3 "$W/debootstrap.log")"
    printf 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n' >"$rootfs/etc/apt/apt.conf.d/99nocheck"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | docker import - "$DEBIAN_IMAGE" >/dev/null || fail "docker import of the rootfs failed"
    rm -rf "$rootfs"
  fi
  if [ "$JRE_IMAGE" = zero-local/jre:25 ] && ! have_image "$JRE_IMAGE"; then
    local jdk ctx="$W/jre-context" mods
    jdk="$(newest_jdk)" || fail "no JDK 25+ with jlink on this host (JAVA_HOME or /usr/lib/jvm) to make $JRE_IMAGE from"
    say "linking a Java runtime from $jdk"
    rm -rf "$ctx" && mkdir -p "$ctx"
    cp "$ROOT/deploy/test-images/jre/Dockerfile" "$ctx/"
    mods="$("$jdk/bin/java" --list-modules | sed 's/@.*//' | grep -vE '^jdk\.(jcmd|hotspot\.agent|jconsole|jdeps|jlink|jpackage|javadoc|compiler|jshell|jartool|jdi|jdwp\.agent|jstatd|editpad|internal\.ed|internal\.jvmstat|internal\.le|internal\.opt|jsobject|graal|incubator)' | paste -sd,)"
    if ! "$jdk/bin/jlink" --add-modules "$mods" --strip-debug --no-man-pages --no-header-files --output "$ctx/jre" >"$W/jlink.log" 2>&1; then
      say "jlink cannot link from this JDK ($(tail -1 "$W/jlink.log")); copying the JDK whole"
      rm -rf "$ctx/jre" && cp -a "$jdk" "$ctx/jre" && rm -rf "$ctx/jre/lib/src.zip" "$ctx/jre/man" "$ctx/jre/include"
    fi
    docker build -q --build-arg BASE_IMAGE="$DEBIAN_IMAGE" -t "$JRE_IMAGE" "$ctx" >"$W/jre-build.log" 2>&1 \
      || fail "building $JRE_IMAGE failed: $(tail -5 "$W/jre-build.log")"
    rm -rf "$ctx"
  fi
  if [ "$PG_IMAGE" = zero-local/postgres:15 ] && ! have_image "$PG_IMAGE"; then
    say "building $PG_IMAGE from deploy/test-images/postgres"
    docker build -q --build-arg BASE_IMAGE="$DEBIAN_IMAGE" -t "$PG_IMAGE" "$ROOT/deploy/test-images/postgres" \
      >"$W/postgres-build.log" 2>&1 || fail "building $PG_IMAGE failed: $(tail -5 "$W/postgres-build.log")"
  fi
  say "base images: $JRE_IMAGE, $PG_IMAGE"
}

# --- helpers for the check --------------------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { local p=$1; while ! port_free "$p"; do p=$((p + 1)); done; echo "$p"; }
token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
json_field() { grep -o "\"$1\":\"\{0,1\}[^\",}]*" | head -1 | sed 's/.*:"\{0,1\}//'; }  # the first FIELD's value
admin() {  # admin METHOD PATH [BODY]
  curl -sS -m 20 -X "$1" -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
    ${3:+--data "$3"} -w '\n%{http_code}' "http://127.0.0.1:$SERVICE_PORT$2"
}
wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...: until COMMAND succeeds
  local limit=$1 what=$2 start; shift 2; start=$(date +%s)
  until "$@"; do
    [ $(( $(date +%s) - start )) -ge "$limit" ] && fail "$what: not within ${limit}s"
    sleep 0.5
  done
}

# ==============================================================================================
echo "Zero compose check ($ROOT/docker-compose.yml)"
mkdir -p "$W" 2>/dev/null || skip "cannot create the work directory $W"

phase "engine"
if ! command -v docker >/dev/null || ! engine_answers; then
  [ "$(id -u)" = 0 ] || skip "no Docker engine answers and this is not root, so none can be started (run as root, or start dockerd)"
  command -v dockerd >/dev/null || install_engine
  command -v dockerd >/dev/null || skip "dockerd is missing after installing docker.io"
  command -v docker >/dev/null || skip "the docker client is missing after installing docker.io"
  start_engine
else
  say "using the running engine ($(docker version --format '{{.Server.Version}}' 2>/dev/null))"
fi
docker compose version >/dev/null 2>&1 || install_compose
say "$(docker compose version 2>&1 | head -1); server $(docker version --format '{{.Server.Version}}' 2>/dev/null)"
[ -e /dev/fuse ] || skip "/dev/fuse is missing on this host: the agent cannot mount (modprobe fuse)"

for m in tiering-service fuse-agent; do
  [ -f "$ROOT/$m/target/quarkus-app/quarkus-run.jar" ] || fail "$m/target/quarkus-app is missing: run mvn -DskipTests package first"
done

phase "base images"
build_base_images

# A fresh env file with random secrets, and the host side of the mount.
TMP="$(mktemp -d /tmp/zero-compose-check.XXXXXX)"
MNT="$TMP/mnt"; mkdir -p "$MNT"
VMNT="$MNT/$VOLUME"  # the agent mounts the volume below the bind
ADMIN_TOKEN="$(token)"; AGENT_API_TOKEN="$(token)"
SERVICE_PORT="$(free_port 18420)"; AGENT_PORT="$(free_port $((SERVICE_PORT + 1)))"
cat >"$TMP/env" <<EOF
POSTGRES_IMAGE=$PG_IMAGE
POSTGRES_PASSWORD=$(token)
ZERO_AUTH_ADMIN_TOKEN=$ADMIN_TOKEN
ZERO_AUTH_ENROLMENT_TOKEN=$(token)
ZERO_AGENT_API_TOKEN=$AGENT_API_TOKEN
ZERO_BASE_IMAGE=$JRE_IMAGE
ZERO_IMAGE_TAG=check
ZERO_MOUNT_DIR=$MNT
ZERO_AGENT_HOST=$HOSTNAME_
ZERO_AGENT_VOLUME=$VOLUME
ZERO_PORT=$SERVICE_PORT
ZERO_AGENT_PORT=$AGENT_PORT
EOF
chmod 600 "$TMP/env"
set_dc
remove_leftovers
dc config -q || fail "docker compose config rejects docker-compose.yml"

phase "images (docker compose build)"
dc build -q --build-arg BASE_IMAGE="$JRE_IMAGE" service agent 2>&1 | tail -20
[ "${PIPESTATUS[0]}" = 0 ] || fail "docker compose build failed"
docker image inspect --format '   {{index .RepoTags 0}} {{.Size}} bytes, user "{{.Config.User}}"' \
  zero/tiering-service:check zero/fuse-agent:check
case "$(docker image inspect --format '{{.Config.User}}' zero/tiering-service:check)" in
  "" | 0 | 0:* | root | root:*) fail "the service image runs as root" ;;
esac

phase "compose up --wait"
# rshared needs the host side on a shared mount; where / is private (no systemd), make the
# directory a shared mount of its own.
if [ "$(findmnt -no PROPAGATION -T "$MNT" 2>/dev/null)" = private ]; then
  mount --bind "$MNT" "$MNT" && mount --make-shared "$MNT" && SHARED_MOUNT="$MNT" \
    || fail "cannot make $MNT a shared mount (rshared propagation needs one)"
fi
COMPOSE_UP=1
timeout 300 "${DC[@]}" up -d --wait --no-build 2>&1 | grep -vE '^\s*$' | tail -20
[ "${PIPESTATUS[0]}" = 0 ] || fail "docker compose up --wait did not bring every service to healthy"
dc ps --format '   {{.Service}}: {{.Status}}' 2>/dev/null || dc ps

phase "health"
for p in "service:$SERVICE_PORT" "agent:$AGENT_PORT"; do
  body="$(curl -sS -m 10 "http://127.0.0.1:${p#*:}/q/health/ready")" || fail "${p%%:*}: /q/health/ready does not answer"
  echo "$body" | grep -q '"status": *"UP"' || fail "${p%%:*} is not ready: $body"
  say "${p%%:*} /q/health/ready: UP"
done
# On a kernel with FUSE passthrough (6.9+) the agent in its container mounts with Zero's own
# transport and passthrough; its requests come over io_uring where the host's fuse module has it
# on (a container's /sys is read-only, so the agent cannot turn it on itself), else over
# /dev/fuse. On an older kernel it falls back by itself, and the health says to what.
transport="$(curl -sS -m 10 "http://127.0.0.1:$AGENT_PORT/q/health" | sed -n 's/.*"transport" *: *"\([^"]*\)".*/\1/p' | head -1)"
[ -n "$transport" ] || fail "the agent's health names no transport"
say "agent transport: $transport"
kernel="$(uname -r)"; major="${kernel%%.*}"; minor="${kernel#*.}"; minor="${minor%%[!0-9]*}"
if [ "$major" -gt 6 ] || { [ "$major" = 6 ] && [ "$minor" -ge 9 ]; }; then
  case "$transport" in
    "kernel (passthrough on, requests over "*) ;;
    *) fail "on Linux $kernel the agent should mount with the kernel transport and passthrough: $transport" ;;
  esac
fi
if [ "$(cat /sys/module/fuse/parameters/enable_uring 2>/dev/null)" = Y ]; then
  case "$transport" in
    *"requests over io_uring"*) ;;
    *) fail "the host's fuse module has io_uring on, but the agent's requests come over /dev/fuse: $transport" ;;
  esac
fi
code="$(curl -s -o /dev/null -w '%{http_code}' -m 10 "http://127.0.0.1:$AGENT_PORT/agent/v1/status")"
[ "$code" = 401 ] || fail "the agent's API answers $code without its token (401 expected)"
code="$(curl -s -o /dev/null -w '%{http_code}' -m 10 -H "Authorization: Bearer $AGENT_API_TOKEN" "http://127.0.0.1:$AGENT_PORT/agent/v1/status")"
[ "$code" = 200 ] || fail "the agent's API answers $code with its token"
say "agent API: 401 without its token, 200 with it"

phase "write and read through the host-side mount"
if ! grep -qs " $VMNT fuse" /proc/mounts; then
  fail "$VMNT is not a FUSE mount on the host (the agent's mount did not propagate)"
fi
resp="$(admin PATCH "/api/v1/admin/volumes/$VOLUME/policy" '{"settings":{"uploadDelay":"1s"}}')"
[ "${resp##*$'\n'}" = 200 ] || fail "setting the volume's upload delay: $resp"
mkdir -p "$VMNT/compose-check"
echo "hello from the host, $(date -u +%FT%TZ)" >"$VMNT/compose-check/hello.txt"
head -c 3000000 /dev/urandom >"$VMNT/compose-check/blob.bin"
sync
want="$(sha256sum <"$VMNT/compose-check/blob.bin" | cut -d' ' -f1)"
[ "$(sha256sum <"$VMNT/compose-check/blob.bin" | cut -d' ' -f1)" = "$want" ] || fail "blob.bin reads back different"
grep -q "hello from the host" "$VMNT/compose-check/hello.txt" || fail "hello.txt reads back different"
inside="$(dc exec -T agent sha256sum /var/cache/zero/tree/compose-check/blob.bin | cut -d' ' -f1)"
[ "$inside" = "$want" ] || fail "the agent's backing tree holds other bytes (${inside:-nothing}) than written on the host"
say "wrote hello.txt and blob.bin (3000000 bytes) on the host; the same bytes in the agent's backing tree"

phase "catalogue and store"
in_catalogue() { resp="$(admin GET "/api/v1/admin/volumes/$VOLUME/files?path=compose-check/blob.bin")"; [ "${resp##*$'\n'}" = 200 ]; }
wait_for 30 "blob.bin in the catalogue" in_catalogue
say "catalogue: compose-check/blob.bin is file $(echo "$resp" | json_field fileId), state $(echo "$resp" | json_field state)"
synced() { in_catalogue && [ "$(echo "$resp" | json_field state)" = SYNCED ]; }
wait_for 90 "blob.bin uploaded (state SYNCED)" synced
stored="$(echo "$resp" | sed -n 's/.*"stored":{[^}]*"sha256":"\([0-9a-f]*\)".*/\1/p')"
[ "$stored" = "$want" ] || fail "the stored copy's SHA-256 ${stored:-(none)} is not the file's $want"
objects="$(dc exec -T service find /var/lib/zero/objects -type f | wc -l)"
[ "$objects" -ge 1 ] || fail "the fs store has no object"
say "store: SYNCED, SHA-256 matches, $objects object file(s) in the service's fs store"
[ "$(dc exec -T service id -u)" != 0 ] || fail "the service's process runs as root"
dc exec -T service sh -c 'touch /deployments/x' 2>/dev/null && fail "the service's root file system is writable"
say "the service runs as uid $(dc exec -T service id -u) on a read-only root file system"

phase "agent killed (-9) and started again"
# A dead FUSE mount is left below the bind; the agent's next start must clear it and serve the
# same files (the bind itself is a plain directory, so the container can start).
dc kill -s KILL agent >/dev/null 2>&1 || fail "docker compose kill agent failed"
timeout 180 "${DC[@]}" up -d --wait --no-build agent 2>&1 | grep -vE '^\s*$' | tail -5
[ "${PIPESTATUS[0]}" = 0 ] || fail "the agent did not come back healthy after kill -9"
grep -qs " $VMNT fuse" /proc/mounts || fail "$VMNT is not mounted again after the agent's restart"
[ "$(grep -c " $VMNT fuse" /proc/mounts)" = 1 ] || fail "$VMNT has more than one FUSE mount (the dead one was not cleared)"
[ "$(sha256sum <"$VMNT/compose-check/blob.bin" | cut -d' ' -f1)" = "$want" ] || fail "blob.bin reads back different after the restart"
grep -q "hello from the host" "$VMNT/compose-check/hello.txt" || fail "hello.txt reads back different after the restart"
say "the agent came back, cleared the dead mount and serves the same bytes"

phase ""
echo "PASSED"
