#!/usr/bin/env bash
# Starts one more silo against the running OrderActors cluster and waits until it has joined.
#
# Usage: scripts/add-silo.sh [--foreground]
#   By default the silo runs in the background: its log goes to .data/logs/silo-<web port>.log and the script
#   prints its pid; `kill <pid>` (SIGTERM) later drains it and takes it out of the cluster.
#   --foreground runs it in this terminal instead (for a second machine, systemd or a container); Ctrl-C stops it.
#
# On this machine, free ports are picked upward from 11111 (silo), 30000 (gateway) and 8081 (dashboard and health).
# On another machine, set what the cluster must reach and where its shared state lives:
#   Orleans__AdvertisedAddress (an address of this machine the other silos and gateways can dial),
#   Orleans__SiloPort, Orleans__GatewayPort, Urls (e.g. http://0.0.0.0:8081),
#   ConnectionStrings__Postgres, ConnectionStrings__Redis, and Orleans__ClusterId / Orleans__ServiceId if not the default.
# Every Orleans__*, Orleans__ActivationRebalancing included, is passed on to the silo as it is.
# ORDERACTORS_API (default http://127.0.0.1:8080) is the gateway asked whether the new silo is active, with the admin
# token ORDERACTORS_TOKEN (the cluster view is for admins); without one the script mints one with the built gateway,
# which holds where this machine has the cluster's signing key (Auth__SigningKey, or Development's);
# ORDERACTORS_CONFIGURATION (default Release) picks the build, ORDERACTORS_LOGS the log folder.
# ORDERACTORS_SHIPPED=true runs the silo as it ships instead (scripts/publish-shipped.sh, run here each time, as
# bench/run.sh does: self-contained, composite ReadyToRun), which is ready sooner on a busy machine (docs/operations.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD

foreground=false
case "${1:-}" in
  --foreground) foreground=true ;;
  "") ;;
  *) echo "usage: $0 [--foreground]" >&2; exit 2 ;;
esac

say() { echo "add-silo: $*" >&2; }

configuration=${ORDERACTORS_CONFIGURATION:-Release}
api=${ORDERACTORS_API:-http://127.0.0.1:8080}
logs=${ORDERACTORS_LOGS:-$repo/.data/logs}
silo_bin="$repo/src/Silo/bin/$configuration/net10.0"
silo=(dotnet OrderActors.Silo.dll)
export DOTNET_ENVIRONMENT=${DOTNET_ENVIRONMENT:-Development}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# The first port from $1 upward that nothing listens on (the three ranges are far apart, so they never meet).
free_port() {
  local port=$1
  while port_taken "$port"; do port=$((port + 1)); done
  echo "$port"
}

export Orleans__SiloPort=${Orleans__SiloPort:-$(free_port 11111)}
export Orleans__GatewayPort=${Orleans__GatewayPort:-$(free_port 30000)}
export Urls=${Urls:-http://127.0.0.1:$(free_port 8081)}
address=${Orleans__AdvertisedAddress:-127.0.0.1}
# The first of the silo's URLs, as this machine reaches it.
health=$(sed -E 's/;.*//; s#//(\+|\*|0\.0\.0\.0|\[::\])#//127.0.0.1#' <<<"$Urls")/health/ready

if [[ ${ORDERACTORS_SHIPPED:-false} == true ]]; then
  # Every time, so that a published silo is never older than the code: seconds when nothing changed.
  say "publishing src/Silo as it ships ($configuration, linux-x64; a few minutes after a change)"
  silo_bin=$(scripts/publish-shipped.sh Silo "$configuration")
  silo=(./OrderActors.Silo)
elif [[ ! -f "$silo_bin/OrderActors.Silo.dll" ]]; then
  say "building src/Silo ($configuration)"
  dotnet build src/Silo -c "$configuration" -nologo -v quiet
fi

say "silo port $Orleans__SiloPort, gateway port $Orleans__GatewayPort, web $Urls (dashboard: $Urls/dashboard)"
if $foreground; then
  cd "$silo_bin"
  exec "${silo[@]}"
fi

mkdir -p "$logs"
log="$logs/silo-${Urls##*:}.log"
say "starting it in the background (log: $log)"
# Its own session, so that a Ctrl-C in this terminal later does not reach it.
(cd "$silo_bin" && exec setsid "${silo[@]}") >"$log" 2>&1 </dev/null &
pid=$!
# On stdout for scripts, at once, so that a caller can stop the silo even if waiting for it fails below.
echo "pid=$pid"

say "waiting for $health (up to 90 s)"
deadline=$((SECONDS + 90))
until curl -fsS -o /dev/null --max-time 2 "$health" 2>/dev/null; do
  if ! kill -0 "$pid" 2>/dev/null; then
    say "the silo exited during start-up; last lines of its log:"
    tail -n 40 "$log" >&2
    exit 1
  fi
  if ((SECONDS >= deadline)); then
    say "the silo did not become ready in 90 s; it keeps running as pid $pid; see $log"
    exit 1
  fi
  sleep 0.5
done

# A ready silo has joined; the gateway's view confirms the rest of the cluster sees it too.
token=${ORDERACTORS_TOKEN:-}
gateway_bin="$repo/src/Gateway/bin/$configuration/net10.0"
if [[ -z $token && -f "$gateway_bin/OrderActors.Gateway.dll" ]]; then
  token=$(cd "$gateway_bin" && dotnet OrderActors.Gateway.dll token --sub add-silo --role admin --hours 1 2>/dev/null) || token=
fi
auth=()
[[ -n $token ]] && auth=(-H "authorization: Bearer $token")
# The view's body, then its HTTP status on a line of its own (000: nothing answered).
cluster_view() { curl -sS --max-time 5 "${auth[@]}" -w '\n%{http_code}' "$api/api/admin/cluster" 2>/dev/null || true; }
view=$(cluster_view)
status=${view##*$'\n'}
case $status in
  200)
    until grep -q "\"address\":\"$address:$Orleans__SiloPort@[^}]*\"status\":\"Active\"" <<<"${view%$'\n'*}"; do
      if ((SECONDS >= deadline)); then
        say "$api/api/admin/cluster does not list the silo as active after 90 s; it keeps running as pid $pid"
        exit 1
      fi
      sleep 0.5
      view=$(cluster_view)
    done
    say "$api/api/admin/cluster lists it as active"
    ;;
  401 | 403)
    say "$api/api/admin/cluster refused the cluster view (HTTP $status): set ORDERACTORS_TOKEN to an admin token to check it"
    ;;
  *)
    say "no gateway answers at $api (set ORDERACTORS_API to check the cluster's view)"
    ;;
esac

say "silo $address:$Orleans__SiloPort is in the cluster (${SECONDS} s); stop it with: kill $pid"
