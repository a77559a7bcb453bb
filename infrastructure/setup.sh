#!/usr/bin/env bash
# Installs what AspireShop needs on a fresh Debian machine and restores the solution. Idempotent and quiet when
# everything is already there. Native mode (no container engine) needs Debian's postgresql and redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${Infrastructure__Mode:-${ASPIRESHOP_MODE:-auto}}"
container_engine_up() { command -v docker >/dev/null 2>&1 && timeout 10 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

need=()
if [ "$mode" = native ] || { [ "$mode" != containers ] && ! container_engine_up; }; then
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need+=(redis-server)
fi
# Browser tests (Playwright) drive Debian's chromium: a test tool's own browser download is not possible on these
# machines. test.sh asks for it (ASPIRESHOP_BROWSER=1); running the shop does not need it.
if [ "${ASPIRESHOP_BROWSER:-0}" = 1 ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi
# libsasl2/libssl are loaded by librdkafka's centos8 build that the embedded broker and clients fall back to.
[ -e /usr/lib/x86_64-linux-gnu/libsasl2.so.2 ] || need+=(libsasl2-2)

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]} (Debian packages)"
  $sudo apt-get update -qq
  # policy-rc.d 101: install the binaries without starting Debian's own postgres/redis services on fixed ports.
  policy_created=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null && $sudo chmod +x /usr/sbin/policy-rc.d && policy_created=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  [ -z "$policy_created" ] || $sudo rm -f /usr/sbin/policy-rc.d
fi

dotnet restore AspireShop.sln --verbosity quiet
# Local tools (dotnet-ef for migrations) come from dotnet-tools.json.
dotnet tool restore >/dev/null
