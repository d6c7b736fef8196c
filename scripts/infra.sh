#!/usr/bin/env bash
# Local PostgreSQL and Redis for OrderActors, with their data under the repo's .data/ folder.
# Usage: scripts/infra.sh up|down|status|env
# Ports: ORDERACTORS_PG_PORT (default 55432), ORDERACTORS_REDIS_PORT (default 56379).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data="$repo/.data"
pg_link="$data/postgres"
# Where the cluster really is: the postgres user may not be able to follow the link (see below).
pg_dir=$(readlink -m "$pg_link")
redis_dir="$data/redis"
pg_bin=/usr/lib/postgresql/15/bin
pg_port=${ORDERACTORS_PG_PORT:-55432}
redis_port=${ORDERACTORS_REDIS_PORT:-56379}

# Where SIGPIPE is ignored (run.sh stopping), a message nobody can read is skipped instead of ending the script.
say() { echo "infra: $*" >&2 || true; }
die() { say "$*"; exit 1; }

# PostgreSQL refuses to run as root, so root runs it as the postgres user; anyone else as themselves.
as_pg() {
  if [[ $EUID -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pg_running() { [[ -f "$pg_dir/PG_VERSION" ]] && as_pg "$pg_bin/pg_ctl" status -D "$pg_dir" >/dev/null 2>&1; }

redis_pid() { [[ -f "$redis_dir/redis.pid" ]] && cat "$redis_dir/redis.pid"; }
redis_running() {
  local pid
  pid=$(redis_pid) && kill -0 "$pid" 2>/dev/null && grep -q redis-server "/proc/$pid/cmdline" 2>/dev/null
}

install_missing() {
  local missing=()
  [[ -x "$pg_bin/postgres" ]] || missing+=(postgresql-15)
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing+=(redis-server)
  [[ ${#missing[@]} -eq 0 ]] && return
  if [[ $EUID -ne 0 ]]; then
    die "missing ${missing[*]}; install it as root: apt-get update && apt-get install -y ${missing[*]}"
  fi
  say "installing ${missing[*]} with apt-get"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# The postgres user must traverse every folder above its cluster; a repo under /root (mode 700)
# does not allow that, so such a repo keeps its cluster in /var/lib and links to it from .data.
# The link is the record of that choice: later runs follow it.
choose_pg_dir() {
  [[ -e "$pg_link" || -L "$pg_link" || $EUID -ne 0 ]] && return
  if ! runuser -u postgres -- test -x "$data" || (( ${#pg_link} > 80 )); then
    local home
    home="/var/lib/orderactors/$(printf %s "$repo" | sha256sum | cut -c1-12)"
    say "postgres cannot use $pg_link (unreachable, or too long a socket path); using $home/postgres"
    mkdir -p "$home"
    chmod 755 /var/lib/orderactors "$home"
    ln -sfn "$home/postgres" "$pg_link"
    pg_dir="$home/postgres"
  fi
}

init_pg() {
  choose_pg_dir
  say "initializing PostgreSQL in $pg_dir"
  # Also recreates a cluster folder deleted since the link to it was made.
  mkdir -p "$pg_dir"
  [[ $EUID -eq 0 ]] && chown postgres: "$pg_dir"
  as_pg "$pg_bin/initdb" -D "$pg_dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  # initdb's pg_hba.conf only lists loopback; listen on loopback alone too.
  cat >>"$pg_dir/postgresql.conf" <<EOF

# OrderActors local development server (scripts/infra.sh)
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pg_dir'
max_connections = 300
EOF
}

pg_up() {
  if pg_running; then
    [[ $(sed -n 4p "$pg_dir/postmaster.pid") == "$pg_port" ]] ||
      die "PostgreSQL from $pg_dir runs on another port than $pg_port; run '$0 down' first"
    say "PostgreSQL already running ($pg_dir)"
    return
  fi
  port_taken "$pg_port" && die "port $pg_port is taken by another server; set ORDERACTORS_PG_PORT"
  [[ -f "$pg_dir/PG_VERSION" ]] || init_pg
  say "starting PostgreSQL on 127.0.0.1:$pg_port (log: $pg_dir/server.log)"
  as_pg "$pg_bin/pg_ctl" start -D "$pg_dir" -w -t 60 -o "-p $pg_port" -l "$pg_dir/server.log" >/dev/null
}

pg_create_databases() {
  local db
  for db in orderactors orderactors_test; do
    if [[ -z $("$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
      say "creating database $db"
      "$pg_bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres "$db"
    fi
  done
}

redis_up() {
  if redis_running; then
    [[ $(redis-cli -h 127.0.0.1 -p "$redis_port" info server 2>/dev/null | tr -d '\r' |
      sed -n 's/^process_id://p') == "$(redis_pid)" ]] ||
      die "Redis from $redis_dir runs on another port than $redis_port; run '$0 down' first"
    say "Redis already running ($redis_dir)"
    return
  fi
  port_taken "$redis_port" && die "port $redis_port is taken by another server; set ORDERACTORS_REDIS_PORT"
  mkdir -p "$redis_dir"
  say "starting Redis on 127.0.0.1:$redis_port (log: $redis_dir/redis.log)"
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$redis_dir" --appendonly yes \
    --daemonize yes --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log"
  for _ in $(seq 50); do
    [[ $(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null) == PONG ]] && return
    sleep 0.2
  done
  die "Redis did not answer on port $redis_port; see $redis_dir/redis.log"
}

up() {
  install_missing
  mkdir -p "$data"
  pg_up
  pg_create_databases
  redis_up
}

down() {
  if pg_running; then
    say "stopping PostgreSQL"
    as_pg "$pg_bin/pg_ctl" stop -D "$pg_dir" -m fast -w >/dev/null
  else
    say "PostgreSQL not running"
  fi
  if redis_running; then
    local pid
    pid=$(redis_pid)
    say "stopping Redis"
    # SIGTERM is Redis's graceful SHUTDOWN, sent to our pid: the configured port may be another's.
    kill -TERM "$pid"
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
    die "Redis (pid $pid) did not stop within 30 s"
  else
    say "Redis not running"
  fi
}

# Exits 0 only when both servers run.
status() {
  local rc=0
  if pg_running; then
    echo "postgres: running, port $(sed -n 4p "$pg_dir/postmaster.pid"), data $pg_dir"
  else
    echo "postgres: stopped"; rc=3
  fi
  if redis_running; then
    echo "redis: running, pid $(redis_pid), data $redis_dir"
  else
    echo "redis: stopped"; rc=3
  fi
  return "$rc"
}

env_lines() {
  echo "export ConnectionStrings__Postgres='Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=orderactors'"
  echo "export ConnectionStrings__Redis='127.0.0.1:$redis_port'"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  env) env_lines ;;
  *) die "usage: $0 up|down|status|env" ;;
esac
