#!/usr/bin/env bash
# Runs the whole OrderActors system on this machine: two silos and the HTTP gateway, against the
# PostgreSQL and Redis named by ConnectionStrings__Postgres / ConnectionStrings__Redis, or, when
# those are not both set, against local ones started with scripts/infra.sh.
# Logs go to .data/logs/{silo1,silo2,gateway}.log. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
logs="$repo/.data/logs"
export DOTNET_ENVIRONMENT=${DOTNET_ENVIRONMENT:-Development}

# A message nobody can read any more (Ctrl-C also ended a reader: scripts/run.sh | tee run.log) is skipped, not fatal.
say() { echo "run: $*" || true; }

started_infra=false
if [[ -z ${ConnectionStrings__Postgres:-} || -z ${ConnectionStrings__Redis:-} ]]; then
  scripts/infra.sh status >/dev/null 2>&1 || started_infra=true
  say "starting local PostgreSQL and Redis"
  scripts/infra.sh up
  eval "$(scripts/infra.sh env)"
fi

pids=()
names=()
# shellcheck disable=SC2317 # reached through the traps below
stop_all() {
  trap - EXIT
  # Ignored SIGPIPE is inherited by infra.sh too: stopping finishes even when the output's reader is gone.
  trap '' INT TERM PIPE
  local i
  # Gateway first, so it never sees the silos vanish under it.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -0 "${pids[i]}" 2>/dev/null || continue
    say "stopping ${names[i]}"
    kill -TERM "${pids[i]}" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  if $started_infra; then
    say "stopping local PostgreSQL and Redis"
    scripts/infra.sh down
  fi
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for port in 8080 8081 8082 11111 11112 30000 30001; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    say "port $port is already in use; is OrderActors already running?"
    exit 1
  fi
done

say "building OrderActors.sln (Release)"
dotnet build OrderActors.sln -c Release -nologo -v quiet

mkdir -p "$logs"
# Started from its output folder so the host finds its appsettings*.json there.
start() {
  local name=$1 dir=$2 dll=$3 url=$4
  shift 4
  say "starting $name on $url (log: .data/logs/$name.log)"
  # Its own session: Ctrl-C reaches only this script, which then stops the processes in order (gateway first).
  (cd "$dir" && exec setsid env "$@" dotnet "$dll" --urls "$url") >"$logs/$name.log" 2>&1 </dev/null &
  pids+=("$!")
  names+=("$name")
}
silo_bin=src/Silo/bin/Release/net10.0
gateway_bin=src/Gateway/bin/Release/net10.0
start silo1 "$silo_bin" OrderActors.Silo.dll http://127.0.0.1:8081 Orleans__SiloPort=11111 Orleans__GatewayPort=30000
start silo2 "$silo_bin" OrderActors.Silo.dll http://127.0.0.1:8082 Orleans__SiloPort=11112 Orleans__GatewayPort=30001
start gateway "$gateway_bin" OrderActors.Gateway.dll http://127.0.0.1:8080

say "waiting for http://127.0.0.1:8080/health/ready (up to 90 s)"
deadline=$((SECONDS + 90))
until curl -fsS -o /dev/null --max-time 2 http://127.0.0.1:8080/health/ready 2>/dev/null; do
  if ((SECONDS >= deadline)); then
    say "the gateway did not become ready in 90 s; last lines of each log:"
    for name in "${names[@]}"; do echo "--- $name"; tail -n 20 "$logs/$name.log"; done
    exit 1
  fi
  for i in "${!pids[@]}"; do
    if ! kill -0 "${pids[i]}" 2>/dev/null; then
      say "${names[i]} exited during start-up; last lines of its log:"
      tail -n 40 "$logs/${names[i]}.log"
      exit 1
    fi
  done
  sleep 1
done

say "minting a development admin token (signed with the Development key the gateway and silos share)"
token=$(cd "$gateway_bin" && dotnet OrderActors.Gateway.dll token --sub admin --role admin --hours 12)

cat <<EOF
run: OrderActors is up.
  API:        http://127.0.0.1:8080   (docs: http://127.0.0.1:8080/docs)
  Dashboards (admins; each URL signs the browser in and drops the token from the address bar):
    http://127.0.0.1:8081/dashboard/?access_token=$token
    http://127.0.0.1:8082/dashboard/?access_token=$token
  Metrics:    http://127.0.0.1:8080/metrics   http://127.0.0.1:8081/metrics   http://127.0.0.1:8082/metrics
  Logs:       $logs/{silo1,silo2,gateway}.log
  Admin token (12 h), for another shell:
    export TOKEN=$token
    curl -H "authorization: Bearer \$TOKEN" http://127.0.0.1:8080/api/admin/cluster
  A customer's token: dotnet $gateway_bin/OrderActors.Gateway.dll token --sub alice
Press Ctrl-C to stop.
EOF

# Returns when a process exits on its own (then everything stops) or when Ctrl-C arrives.
wait -n "${pids[@]}" || true
for i in "${!pids[@]}"; do
  kill -0 "${pids[i]}" 2>/dev/null || say "${names[i]} exited on its own; see .data/logs/${names[i]}.log"
done
exit 1
