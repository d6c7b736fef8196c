#!/usr/bin/env bash
# Benchmarks OrderActors against its ceilings (docs/benchmarks.md): builds Release, starts its own silos, gateway
# and hello-world server on loopback ports it picks, runs the scenarios at BENCH_CONCURRENCY (default 32), prints the
# table and writes docs/benchmarks/results.json and ratios.png (only the figures of the scenarios that ran).
# Each side of each ratio first runs its load unmeasured in windows of BENCH_WINDOW seconds (default 5) until two
# consecutive windows' throughputs differ by less than BENCH_STABLE_PERCENT % (default 5) and the nodes' background JIT
# used less than BENCH_JIT_PERCENT % of a core (default 2) in the second, for at most BENCH_WARMUP_CAP seconds
# (default 90; BENCH_WARMUP=0: no warm-up), then measured for BENCH_SECONDS (default 10); R1's and R2's sides, once all
# warm, take turns for BENCH_ROUNDS rounds (default 3), so that a slow minute falls on both sides. BENCH_SCENARIOS picks
# scenarios, e.g. BENCH_SCENARIOS=R1,R3 (default all: R1,R2,R3,R4,R5,FRESH).
# SOAK, the Black-Friday gate, runs only when named (BENCH_SCENARIOS=SOAK): an open-model load at each rate of
# BENCH_SOAK_RPM (default 50000,100000 a minute) for BENCH_SOAK_MINUTES (default 10) on two silos, one restarted
# mid-run, after the same load unmeasured until steady (at most BENCH_SOAK_WARMUP seconds, default 180); at most
# BENCH_SOAK_IN_FLIGHT (default 2000) in flight; BENCH_SOAK_RESTART=replace-first starts the replacement before the
# SIGTERM (default stop-first). It writes soak.json and soak.png (docs/benchmarks.md, "SOAK"); run alone, it leaves results.json alone.
# BENCH_BUILD=plain runs the silo and gateway from the plain build instead of as they ship (see below).
# PostgreSQL and Redis: ConnectionStrings__Postgres / ConnectionStrings__Redis when both are set, otherwise local
# ones started with scripts/infra.sh. The bench uses its own database (BENCH_DATABASE, default orderactors_bench).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { echo "bench: $*"; }

# The gateway's environment for the run, in one place: a rate limit high enough never to throttle the load.
gateway_env=(
  RateLimiting__TokenLimit=100000000
  RateLimiting__TokensPerPeriod=100000000
  RateLimiting__ReplenishmentPeriod=00:00:01
)
# Tokens: a signing key that lives only for this run (every process inherits it), and an admin token minted with
# it, sent as "Authorization: Bearer <token>" on every HTTP request (BENCH_TOKEN, unless already set).
Auth__SigningKey=$(head -c 48 /dev/urandom | base64 | tr -d '\n')
export Auth__SigningKey

for tool in wrk /usr/lib/postgresql/15/bin/pgbench; do
  command -v "$tool" >/dev/null && continue
  package=$([[ $tool == wrk ]] && echo wrk || echo postgresql-client-15)
  if [[ $EUID -ne 0 ]]; then
    say "$tool is missing; install it as root: apt-get update && apt-get install -y $package"
    exit 1
  fi
  say "installing $package with apt-get"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package"
done

if [[ -z ${ConnectionStrings__Postgres:-} || -z ${ConnectionStrings__Redis:-} ]]; then
  say "starting local PostgreSQL and Redis (scripts/infra.sh up)"
  scripts/infra.sh up
  eval "$(scripts/infra.sh env)"
fi

say "building OrderActors.sln (Release)"
dotnet build OrderActors.sln -c Release -nologo -v quiet
# The silo and gateway run as they ship (Directory.Build.props: self-contained, composite ReadyToRun), published here;
# the first publish after a change precompiles .NET with them, a few minutes each. BENCH_BUILD=plain runs the build above.
# The bench runs each from the folder the script prints (BENCH_SHIPPED_SILO, BENCH_SHIPPED_GATEWAY).
if [[ ${BENCH_BUILD:-shipped} == shipped ]]; then
  say "publishing src/Silo as it ships (linux-x64)"
  export BENCH_SHIPPED_SILO; BENCH_SHIPPED_SILO=$(scripts/publish-shipped.sh Silo Release)
  say "publishing src/Gateway as it ships (linux-x64)"
  export BENCH_SHIPPED_GATEWAY; BENCH_SHIPPED_GATEWAY=$(scripts/publish-shipped.sh Gateway Release)
fi

export BENCH_TOKEN=${BENCH_TOKEN:-$(dotnet src/Gateway/bin/Release/net10.0/OrderActors.Gateway.dll token --sub bench --role admin)}

args=()
for setting in "${gateway_env[@]}"; do args+=(--gateway-env "$setting"); done
say "running ${BENCH_SCENARIOS:-every scenario} (all of them: 10-25 minutes, as soon as each load is steady)"
dotnet bench/OrderActors.Bench/bin/Release/net10.0/OrderActors.Bench.dll "${args[@]}"
