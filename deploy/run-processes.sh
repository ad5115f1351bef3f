#!/usr/bin/env bash
# The production topology as plain processes (no container runtime needed): N API processes (uvicorn, one port
# each, behind the reverse proxy), M timer workers (`meldpunt timers run`) and L letter workers (`meldpunt brieven
# run`, rendering the letters of committed steps) against one PostgreSQL database.
# Every process is supervised: one that dies (a crash, the OOM killer, kill -9) is started again after a second.
# Ctrl-C or SIGTERM stops them all. See docs/DEPLOYMENT.md.
#
# Settings (environment; the MELDPUNT_* settings of the application pass through unchanged):
#   MELDPUNT_DATABASE_URL      required, e.g. postgresql+psycopg://meldpunt@127.0.0.1:5432/meldpunt
#   MELDPUNT_BASE_URL          required, where reporters and staff reach Meldpunt over https (letters and e-mails
#                              link there), e.g. https://meldpunt.example.nl; this script runs in production
#                              (MELDPUNT_PRODUCTION=true), and without it nothing starts
#   MELDPUNT_API_PROCESSES     API processes (default, or 0: one per core on PostgreSQL, one on SQLite)
#   MELDPUNT_TIMER_WORKERS     timer workers (default 2)
#   MELDPUNT_LETTER_WORKERS    letter workers (default 2; each letter is rendered exactly once)
#   MELDPUNT_API_HOST          address the API processes listen on (default 127.0.0.1)
#   MELDPUNT_API_PORT          port of the first API process; process i listens on port + i - 1 (default 8000)
#   MELDPUNT_TIMER_POLL_SECONDS  seconds between a worker's rounds (default 5)
#   MELDPUNT_RUN_DIR           pid files and the metrics directory (default ./run)
#   MELDPUNT_MIGRATE           run `meldpunt db upgrade` and `meldpunt processes deploy` first (default true);
#                              without it the database must already be at this version's schema (`meldpunt db check`)
#   MELDPUNT_PYTHON            the Python with Meldpunt installed (default .venv/bin/python, else python3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

: "${MELDPUNT_DATABASE_URL:?set MELDPUNT_DATABASE_URL (PostgreSQL for several processes)}"
TIMER_WORKERS="${MELDPUNT_TIMER_WORKERS:-2}"
LETTER_WORKERS="${MELDPUNT_LETTER_WORKERS:-2}"
HOST="${MELDPUNT_API_HOST:-127.0.0.1}"
PORT="${MELDPUNT_API_PORT:-8000}"
POLL="${MELDPUNT_TIMER_POLL_SECONDS:-5}"
RUN_DIR="${MELDPUNT_RUN_DIR:-$ROOT/run}"
if [[ -z "${MELDPUNT_PYTHON:-}" ]]; then
  if [[ -x "$ROOT/.venv/bin/python" ]]; then MELDPUNT_PYTHON="$ROOT/.venv/bin/python"; else MELDPUNT_PYTHON=python3; fi
fi
PY="$MELDPUNT_PYTHON"
# Production: every process refuses to start without MELDPUNT_BASE_URL (https, not this machine itself); the first
# command below says why and the script stops before anything is migrated or started.
export MELDPUNT_PRODUCTION=true
API_PROCESSES="$("$PY" -m cli.main api-processes)"  # MELDPUNT_API_PROCESSES, or one per core on PostgreSQL

# JSON logs with request ids (engine/logs.py); the timer and letter workers in their own processes, never inside the
# server.
export MELDPUNT_LOG_JSON=true MELDPUNT_TIMERS_IN_SERVER=false MELDPUNT_BRIEVEN_IN_SERVER=false PYTHONUNBUFFERED=1
# prometheus-client's multiprocess mode: every process of this host writes its HTTP figures here, and any API
# process answers /metrics with their sum. Emptied at start (figures of a previous run are not carried over).
export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$RUN_DIR/metrics}"
mkdir -p "$RUN_DIR" "$PROMETHEUS_MULTIPROC_DIR"
rm -f "$PROMETHEUS_MULTIPROC_DIR"/*.db "$RUN_DIR"/*.pid "$RUN_DIR/stopping"

say() {  # one JSON line on stderr, like the processes' own logs
  printf '{"level": "%s", "logger": "meldpunt.run-processes", "message": "%s"}\n' "$1" "$2" >&2
}

if [[ "${MELDPUNT_MIGRATE:-true}" == "true" ]]; then
  "$PY" -m cli.main db upgrade
  "$PY" -m cli.main processes deploy
fi
# Every process refuses a database not at this version's schema (not migrated, or migrated by a newer version); say
# so once, here, and start nothing (with MELDPUNT_MIGRATE=false the supervisors would otherwise retry every second).
"$PY" -m cli.main db check >/dev/null

# supervise NAME COMMAND...: runs the command, writes its pid to $RUN_DIR/NAME.pid, starts it again when it ends
# (unless we are stopping).
supervise() {
  local name="$1"; shift
  trap 'exit 0' TERM
  while true; do
    "$@" &
    local child=$!
    echo "$child" > "$RUN_DIR/$name.pid"
    local status=0
    wait "$child" 2>/dev/null || status=$?  # its status goes into our own line below, not bash's "Killed"
    [[ -e "$RUN_DIR/stopping" ]] && exit 0
    say warning "$name (pid $child) ended with status $status; started again in 1 s"
    sleep 1
    [[ -e "$RUN_DIR/stopping" ]] && exit 0
  done
}

supervisors=()
stop_all() {
  trap - INT TERM
  touch "$RUN_DIR/stopping"
  say info "stopping"
  for pidfile in "$RUN_DIR"/*.pid; do
    [[ -e "$pidfile" ]] && kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
  done
  wait "${supervisors[@]}" 2>/dev/null || true
  rm -f "$RUN_DIR"/*.pid
  exit 0
}
trap stop_all INT TERM

for ((i = 1; i <= API_PROCESSES; i++)); do
  # Proxy headers are read by the application, from MELDPUNT_TRUSTED_PROXIES only (api/client_address.py);
  # uvicorn's access log is off (it writes query strings), the application writes its own (api/observability.py).
  supervise "api-$i" "$PY" -m uvicorn api.app:create_app --factory --host "$HOST" --port "$((PORT + i - 1))" \
    --no-proxy-headers --no-access-log --log-config "$ROOT/deploy/logging.json" &
  supervisors+=($!)
done
for ((i = 1; i <= TIMER_WORKERS; i++)); do
  supervise "timers-$i" "$PY" -m cli.main timers run --poll "$POLL" &
  supervisors+=($!)
done
for ((i = 1; i <= LETTER_WORKERS; i++)); do
  supervise "letters-$i" "$PY" -m cli.main brieven run &
  supervisors+=($!)
done
say info "started $API_PROCESSES API processes (ports $PORT-$((PORT + API_PROCESSES - 1))), $TIMER_WORKERS timer workers and $LETTER_WORKERS letter workers"
wait "${supervisors[@]}"
