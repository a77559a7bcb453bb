#!/usr/bin/env bash
# Native-mode PostgreSQL for AspireShop, started by the AppHost as an executable resource.
# Inputs (set by the AppHost): PG_BIN, PGDATA, PGPORT, POSTGRES_PASSWORD. Ends with exec so DCP owns the server's PID.
set -euo pipefail
: "${PG_BIN:?set PG_BIN to the PostgreSQL bin directory}" "${PGDATA:?}" "${PGPORT:?}" "${POSTGRES_PASSWORD:?}"

as_owner=()
mkdir -p "$PGDATA"
if [ "$(id -u)" = 0 ]; then
  # initdb and postgres refuse to run as root; setpriv switches user in place, keeping the PID.
  as_owner=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  chown postgres:postgres "$PGDATA"
fi
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile="$PGDATA/../.pg-initdb-pw"
  printf '%s' "$POSTGRES_PASSWORD" > "$pwfile"
  [ "$(id -u)" = 0 ] && chown postgres "$pwfile"
  # --no-sync: a dev cluster is rebuilt from nothing in a second, so durability of initdb itself buys nothing.
  "${as_owner[@]}" "$PG_BIN/initdb" -D "$PGDATA" -U postgres --pwfile="$pwfile" \
    --auth-host=scram-sha-256 --auth-local=scram-sha-256 --encoding=UTF8 --no-locale --no-sync >/dev/null
  rm -f "$pwfile"
  echo "aspireshop: initialised a PostgreSQL cluster in $PGDATA"
fi

# wal_level=logical and replication slots for the CdcRelay; synchronous_commit stays on (off delays CDC by ~150 ms).
# fsync off: a dev/test cluster trades crash-safety of the machine for speed; its data is reproducible from seeds.
exec "${as_owner[@]}" "$PG_BIN/postgres" -D "$PGDATA" -p "$PGPORT" \
  -c listen_addresses=localhost \
  -c unix_socket_directories="$PGDATA" \
  -c max_connections=400 \
  -c shared_buffers=128MB \
  -c wal_level=logical \
  -c max_replication_slots=32 \
  -c max_wal_senders=32 \
  -c max_slot_wal_keep_size=2GB \
  -c synchronous_commit=on \
  -c fsync="${PG_FSYNC:-off}" \
  -c full_page_writes="${PG_FSYNC:-off}" \
  -c log_min_messages=warning \
  -c log_min_error_statement=error
