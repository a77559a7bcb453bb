#!/usr/bin/env bash
# Runs AspireShop with the Aspire dashboard: installs what is missing (infrastructure/setup.sh), then starts the AppHost.
# Infrastructure mode is picked automatically (containers when Docker/Podman answers, native otherwise); force one with
#   ./run.sh --Infrastructure:Mode=native   or   ./run.sh --Infrastructure:Mode=containers
set -euo pipefail
cd "$(dirname "$0")"
./infrastructure/setup.sh
# No trusted dev certificate on these machines: the dashboard and OTLP stay on plain HTTP on loopback.
export ASPIRE_ALLOW_UNSECURED_TRANSPORT=true
echo "Starting AspireShop: open the dashboard with the 'Login to the dashboard at …' link printed below; the shop is at the 'AspireShop is ready at …' URL (Ctrl+C stops everything)."
exec dotnet run --project AppHost --launch-profile http -- "$@"
