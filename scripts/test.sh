#!/usr/bin/env bash
# The full test run on a machine without Docker (`npm run test:local`): lint, typecheck, unit, integration and deploy
# tests against the local stack (scripts/stack.sh: Kafka, Apicurio Registry, FerretDB, simulator).
#   - installs node_modules with `npm ci` when they are missing (with them Node 24, which runs everything here),
#     and the deploy-check tools (scripts/install-tools.sh);
#   - starts the stack (idempotent: services already running are left alone) and exports .stack/env;
#   - stops again, on exit, only the services this script started;
#   - exits with npm test's exit code. Extra arguments go to jest, e.g. `scripts/test.sh --testPathPatterns inject`.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [[ ! -x node_modules/.bin/node ]]; then
  echo "test: node_modules missing: npm ci"
  npm ci
fi
export PATH="$ROOT/node_modules/.bin:$PATH"

# Services not running now are the ones this run starts, and therefore stops.
mapfile -t started < <( (scripts/stack.sh status || true) | awk '$2 == "stopped" { print $1 }')

stop_started() {
  if ((${#started[@]} > 0)); then
    echo "test: stopping what this run started: ${started[*]}"
    scripts/stack.sh down "${started[@]}" || echo "test: scripts/stack.sh down ${started[*]} failed" >&2
  fi
}
trap stop_started EXIT

# helm, kubeconform and docker-compose for the deploy checks (built with Go on first use, cached).
tools_bin="$(bash scripts/install-tools.sh)"
export PATH="$tools_bin:$PATH"

scripts/stack.sh up
# shellcheck source=/dev/null
source .stack/env

rc=0
# Style is not a matter of review: the formatter and the linter (biome.json) first, then the tests.
npm run lint || rc=$?
if (($# > 0)); then npm test -- "$@" || rc=$?; else npm test || rc=$?; fi
exit "$rc"
