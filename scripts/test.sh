#!/usr/bin/env bash
# The README's test command: unit, integration (real PostgreSQL and Redis), e2e and browser tests.
# Each integration/e2e test file makes a database of its own from a template this run migrates, on the
# server named by TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), and uses its own
# Redis key prefix on TEST_REDIS_URL (default redis://127.0.0.1:6379).
# Extra arguments go to Jest (e.g. `npm test -- libs/registers`). JEST_JSON=path writes Jest's JSON results.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379}"
node scripts/check-services.js "$TEST_DATABASE_URL" "$TEST_REDIS_URL"
json_args=()
if [ -n "${JEST_JSON:-}" ]; then json_args=(--json --outputFile="$JEST_JSON"); fi
# --forceExit: a driver that keeps a socket open after its suite must not hold the whole run hostage.
exec scripts/jest.sh --maxWorkers="${JEST_WORKERS:-2}" --forceExit "${json_args[@]}" "$@"
