#!/bin/bash
# The official postgres image's start-up contract, in short: on an empty PGDATA, initdb with
# POSTGRES_USER as the superuser and POSTGRES_PASSWORD as its password, create POSTGRES_DB,
# run /docker-entrypoint-initdb.d/*.sql and *.sh, then run the server as postgres, listening on
# every address with scram-sha-256 password authentication from the network.
set -euo pipefail

if [ "${1:-postgres}" != postgres ]; then exec "$@"; fi
shift || true

PGDATA="${PGDATA:-/var/lib/postgresql/data}"
POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
AUTH="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
else
  as_postgres() { "$@"; }
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$AUTH" != trust ]; then
    echo "error: the database is uninitialised and POSTGRES_PASSWORD is not set" >&2
    echo "       (set POSTGRES_PASSWORD, or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection unauthenticated)" >&2
    exit 1
  fi
  pwfile="$(mktemp)"; chown postgres "$pwfile"; chmod 600 "$pwfile"
  printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  # shellcheck disable=SC2086
  as_postgres initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 \
    --locale=C.UTF-8 --auth-local=trust --auth-host="$AUTH" ${POSTGRES_INITDB_ARGS:-} -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  printf '\nhost all all all %s\n' "$AUTH" >>"$PGDATA/pg_hba.conf"

  # A server on the socket only, so no one connects before the set-up is done.
  as_postgres pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --dbname postgres -q)
  if [ "$POSTGRES_DB" != postgres ]; then
    as_postgres "${psql[@]}" -c "CREATE DATABASE \"$POSTGRES_DB\""
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sql) as_postgres "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sh) . "$f" ;;
    esac
  done
  as_postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "database initialised in $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
fi

exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" -c listen_addresses='*' "$@"
