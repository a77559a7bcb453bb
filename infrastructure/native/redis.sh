#!/usr/bin/env bash
# Native-mode Redis for AspireShop, started by the AppHost as an executable resource.
# Inputs (set by the AppHost): REDIS_SERVER, REDIS_PORT, REDIS_PASSWORD, REDIS_DATA. Ends with exec so DCP owns the PID.
set -euo pipefail
: "${REDIS_SERVER:?}" "${REDIS_PORT:?}" "${REDIS_PASSWORD:?}" "${REDIS_DATA:?}"
mkdir -p "$REDIS_DATA"

# No persistence: caches, counters and mirrors are rebuilt from Postgres; carts live only here, so a restart empties them.
# Keyspace expiry events (Ex) prompt fast reservation release; they are lossy, so a sweeper stays the guarantee.
exec "$REDIS_SERVER" \
  --port "$REDIS_PORT" \
  --bind 127.0.0.1 -::1 \
  --protected-mode yes \
  --requirepass "$REDIS_PASSWORD" \
  --dir "$REDIS_DATA" \
  --save "" \
  --appendonly no \
  --notify-keyspace-events Ex \
  --daemonize no \
  --loglevel warning
