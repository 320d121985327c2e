#!/usr/bin/env bash
# Quick start, part one: the whole thing running locally, end to end, without Docker.
#   1. installs node_modules (npm ci) when missing and builds dist/;
#   2. starts the local stack (scripts/stack.sh up: Kafka 3.9, the registry test double, FerretDB, the
#      TIXnGO simulator), creates the topics and registers the Avro schemas;
#   3. starts the bridge with every role (BRIDGE_ROLE=all) in the foreground, and feeds it sample events
#      with the demo producer, so tickets flow into the simulator (see `curl localhost:8090/_sim/received`).
# Ctrl-C stops the bridge; `scripts/stack.sh down` stops the stack.
# Env: DEMO_TICKETS (default 200), DEMO_RATE_PER_SECOND (default 20), any bridge setting (README).
set -Eeuo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

[[ -d node_modules ]] || npm ci
npm run build --silent
scripts/stack.sh up
# shellcheck source=/dev/null
source .stack/env

node dist/tools/create-topics.js
node dist/tools/register-schemas.js

export BRIDGE_ROLE="${BRIDGE_ROLE:-all}"
export INJECT_SALES_CHANNEL_CODE="${INJECT_SALES_CHANNEL_CODE:-BRIDGE}"
export INJECT_POS_CODE="${INJECT_POS_CODE:-POS-TIXNGO}"
export CANCEL_SHIPMENT_MODES="${CANCEL_SHIPMENT_MODES:-MOBILE}"
export CONTROL_SHIPMENT_MODES="${CONTROL_SHIPMENT_MODES:-MOBILE}"
export HOLDER_SYNC_POLL_INTERVAL_MS="${HOLDER_SYNC_POLL_INTERVAL_MS:-2000}"
export HTTP_HOST=127.0.0.1 HTTP_PORT="${HTTP_PORT:-8080}"

node dist/tools/demo-producer.js &
demo=$!
trap 'kill $demo 2>/dev/null || true' EXIT
echo "dev: bridge on http://127.0.0.1:${HTTP_PORT} (/livez /readyz /metrics); simulator on ${TIXNGO_BASE_URL%/v3}/_sim/received"
node dist/main.js
