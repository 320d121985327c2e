#!/usr/bin/env bash
# Quick start: the whole thing running locally, end to end, without Docker.
#   1. installs node_modules (npm ci, which brings Node 24) when missing and builds dist/;
#   2. starts the local stack (scripts/stack.sh up: Kafka 3.9, Apicurio Registry, FerretDB, the TIXnGO
#      simulator), creates the topics and registers the Avro schemas;
#   3. starts the bridge with every role (BRIDGE_ROLE=all; readable log lines on a terminal) and runs the demo
#      (src/tools/demo-producer.ts): printed tickets, cancellations and controls, a ticket transferred in the
#      wallet and then reprinted to its new owner; it prints what TIXnGO received per role;
#   4. prints the commands to look further and leaves the bridge running. Ctrl-C stops it;
#      `scripts/stack.sh down` stops the stack.
# Env: DEMO_TICKETS (default 200), DEMO_RATE_PER_SECOND (default 20), HTTP_PORT (8080), any bridge setting
# (README); the STACK_*_PORT variables of scripts/stack.sh.
set -Eeuo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

[[ -x node_modules/.bin/node ]] || npm ci
export PATH="$ROOT/node_modules/.bin:$PATH"
npm run build --silent
scripts/stack.sh up
# shellcheck source=/dev/null
source .stack/env # the services, the roles' required settings, this checkout's Node: the CLI needs nothing more

node dist/tools/create-topics.js
node dist/tools/register-schemas.js

export BRIDGE_ROLE="${BRIDGE_ROLE:-all}"
export HOLDER_SYNC_POLL_INTERVAL_MS="${HOLDER_SYNC_POLL_INTERVAL_MS:-2000}"
export HTTP_HOST=127.0.0.1 HTTP_PORT="${HTTP_PORT:-8080}"

node dist/main.js &
bridge=$!
stop_bridge() {
  trap - EXIT INT TERM
  kill -TERM "$bridge" 2>/dev/null || true
  wait "$bridge" 2>/dev/null || true
}
trap stop_bridge EXIT INT TERM

echo "dev: bridge (every role) on http://127.0.0.1:${HTTP_PORT} (/livez /readyz /metrics), pid $bridge"
node dist/tools/demo-producer.js
sim="${TIXNGO_BASE_URL%/v3}"
cat <<EOF
dev: look further (in another terminal, after \`source .stack/env\`):
  npm run cli -- status                   lag and last batches per role, the holder-sync key
  npm run cli -- trace <ticket id>        one ticket's story (the ids above)
  npm run cli -- dlq list                 dead letters, if any
  curl -s '$sim/_sim/received?ticketId=<ticket id>'   what TIXnGO holds for it
  scripts/stack.sh kafka-tool consumer-groups --describe --all-groups
dev: the bridge keeps running; Ctrl-C stops it, \`scripts/stack.sh down\` stops the stack.
EOF
wait "$bridge"
