"""The timer worker loop (``meldpunt timers run``), also startable inside the server."""
from __future__ import annotations

import logging
import threading

from engine.audit.checkpoint import write_if_due
from engine.contact.service import sweep_in as contact_sweep_in
from engine.db import Database
from engine.records.service import daily_run as retention_daily
from engine.register.service import start_due_in as start_due_inventories
from engine.timers.service import fire_due

log = logging.getLogger(__name__)


def run(*, database: Database, once: bool = False, poll_seconds: float = 5.0,
        stop: threading.Event | None = None) -> int:
    total = 0
    stop = stop or threading.Event()
    while True:
        try:
            total += fire_due(database=database)
        except Exception:  # keep the worker alive; the next sweep retries
            log.exception("timer sweep failed")
        if stop.is_set():  # shutting down: the remaining sweeps wait for the next start
            return total
        try:  # reporter contact (engine.contact), on the engine clock: check-ins after closure, unsigned transcripts
            contact_sweep_in(database)
        except Exception:
            log.exception("reporter contact sweep failed")
        try:  # the yearly risk inventories and thematic monitoring (engine.register) whose date has come; idempotent
            start_due_inventories(database)
        except Exception:
            log.exception("starting risk inventories failed")
        try:  # receipt codes sealed for a report form sent twice: wiped after their window (engine.intake)
            _expire_form_submissions(database)
        except Exception:
            log.exception("expiring report form submissions failed")
        write_if_due(database)  # a signed audit checkpoint when one is due (never raises)
        try:  # the daily retention run (destruction of approved lists, a new concept list); once a day
            retention_daily(database=database)
        except Exception:
            log.exception("retention run failed")
        if once or stop.wait(poll_seconds):
            return total


def _expire_form_submissions(database: Database) -> None:
    from engine.intake import submissions

    with database.session() as session:
        submissions.expire(session)


def start_background(*, database: Database, poll_seconds: float = 5.0) -> tuple[threading.Thread, threading.Event]:
    stop = threading.Event()
    thread = threading.Thread(target=run, kwargs={"database": database, "poll_seconds": poll_seconds, "stop": stop},
                              name="meldpunt-timers", daemon=True)
    thread.start()
    return thread, stop


def stop_background(handle: tuple[threading.Thread, threading.Event], timeout: float = 30.0) -> None:
    """Stop the worker and wait for the sweep in progress to commit or roll back: a server that shuts down must not
    leave a transaction running behind it (it would hold row and table locks after the process says it has stopped)."""
    thread, stop = handle
    stop.set()
    thread.join(timeout=timeout)
    if thread.is_alive():
        log.warning("timer worker still busy after %.0f s at shutdown", timeout)
