#!/usr/bin/env bash
# Runs every test of OrderActors: builds the solution, then `dotnet test` on it.
# Without ORDERACTORS_TEST_POSTGRES / ORDERACTORS_TEST_REDIS it starts the local servers
# (scripts/infra.sh up) and points the tests at them. Extra arguments go to `dotnet test`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ -z ${ORDERACTORS_TEST_POSTGRES:-} || -z ${ORDERACTORS_TEST_REDIS:-} ]]; then
  echo "test: starting local PostgreSQL and Redis"
  scripts/infra.sh up
  export ORDERACTORS_TEST_POSTGRES=${ORDERACTORS_TEST_POSTGRES:-"Host=127.0.0.1;Port=${ORDERACTORS_PG_PORT:-55432};Username=postgres;Database=orderactors_test;Maximum Pool Size=20"}
  export ORDERACTORS_TEST_REDIS=${ORDERACTORS_TEST_REDIS:-"127.0.0.1:${ORDERACTORS_REDIS_PORT:-56379}"}
fi

# ApiDocsTests lint /openapi/v1.json with the pinned Redocly CLI (tools/redocly/package-lock.json).
if [[ ! -x tools/redocly/node_modules/.bin/redocly ]]; then
  echo "test: installing the OpenAPI linter (npm ci --prefix tools/redocly)"
  npm ci --prefix tools/redocly --no-audit --no-fund --loglevel=error
fi

# Cluster tests start silos and gateways from the built dlls, so the build comes first.
echo "test: building OrderActors.sln (Release)"
dotnet build OrderActors.sln -c Release -nologo -v quiet

echo "test: running dotnet test"
# A hung test fails the run (with a dump) instead of eating the whole CI budget.
# One test project at a time (-m:1): the process and browser tests start silos, gateways and Chromium, and two
# such suites at once starve a 2-core machine until its timings mean nothing.
exec dotnet test OrderActors.sln -c Release --no-build -m:1 --blame-hang-timeout 15m "$@"
