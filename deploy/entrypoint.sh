#!/bin/sh
# The container's roles (Dockerfile, compose.yaml): api | timers | brieven | migrate | any other command.
set -eu
case "${1:-api}" in
  api)
    # prometheus-client's multiprocess mode: the figures of this container's processes, emptied at start
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR" && rm -f "$PROMETHEUS_MULTIPROC_DIR"/*.db
    # Forwarded headers are read by the application from MELDPUNT_TRUSTED_PROXIES only (--no-proxy-headers);
    # uvicorn's access log is off (it writes query strings): the application writes its own, in JSON.
    # MELDPUNT_API_PROCESSES unset or 0: one process per core on PostgreSQL, one on SQLite (`meldpunt api-processes`)
    processes="$(meldpunt api-processes)"
    # a database not at this version's schema (not migrated, or migrated by a newer version): the reason in Dutch and
    # exit code 1 here (each API process checks it again at start-up; so do the timer and letter workers)
    meldpunt db check >/dev/null
    exec uvicorn api.app:create_app --factory --host 0.0.0.0 --port 8000 \
      --workers "$processes" --no-proxy-headers --no-access-log \
      --log-config /app/deploy/logging.json ;;
  timers)
    exec meldpunt timers run --poll "${MELDPUNT_TIMER_POLL_SECONDS:-5}" ;;
  brieven)
    exec meldpunt brieven run ;;
  migrate)
    meldpunt db upgrade
    exec meldpunt processes deploy ;;
  *)
    exec "$@" ;;
esac
