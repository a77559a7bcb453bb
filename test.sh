#!/usr/bin/env bash
# Runs every AspireShop test on real infrastructure: installs what is missing (infrastructure/setup.sh, with chromium
# for the browser tests), builds, and runs dotnet test. The integration tests start Postgres, Redis and the
# Kafka-protocol broker themselves (native mode).
# Extra arguments go to dotnet test, e.g. ./test.sh --filter "FullyQualifiedName~Platform".
set -euo pipefail
cd "$(dirname "$0")"
ASPIRESHOP_BROWSER=1 ./infrastructure/setup.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# --blame-hang-timeout: a wedged test fails with a dump instead of holding CI until its deadline.
dotnet test AspireShop.sln --no-restore --blame-hang-timeout 10m "$@" 2>&1 | tee "$log" || status=$?

# One plain summary line over all test assemblies, for readers that do not parse dotnet test's per-assembly lines.
awk '/(Passed|Failed)! +- +Failed: /{
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
