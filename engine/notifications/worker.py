"""The sender worker loop (``meldpunt mail run``): find deadline events, then send the outbox."""
from __future__ import annotations

import logging
import threading

from engine.config import get_settings
from engine.db import Database
from engine.notifications import sender, service

log = logging.getLogger(__name__)


def scan(*, database: Database) -> int:
    """Write the deadline notifications due now, of the work items and of the contact tasks around the reporter
    (one transaction; rows deduplicated by key)."""
    days = get_settings().notify_deadline_working_days
    with database.session() as session:
        return (service.scan_deadlines(session, working_days=days)
                + service.scan_contact_deadlines(session, working_days=days))


def run(*, database: Database, once: bool = False, poll_seconds: float | None = None,
        stop: threading.Event | None = None) -> int:
    """Sweep until stopped (or once). Returns the number of mails sent."""
    settings = get_settings()
    poll = settings.mail_poll_seconds if poll_seconds is None else poll_seconds
    stop = stop or threading.Event()
    total = 0
    while True:
        try:
            scan(database=database)
        except Exception:  # keep the worker alive; the next sweep retries
            log.exception("deadline scan failed")
        try:
            total += sender.send_due(database=database, settings=settings)
        except Exception:
            log.exception("mail sweep failed")
        if once or stop.wait(poll):
            return total


def start_background(*, database: Database, poll_seconds: float | None = None
                     ) -> tuple[threading.Thread, threading.Event]:
    """Run the sender in a daemon thread of this process (``MELDPUNT_MAIL_IN_SERVER``); set the event to stop it
    after its current round."""
    stop = threading.Event()
    thread = threading.Thread(target=run, kwargs={"database": database, "poll_seconds": poll_seconds, "stop": stop},
                              name="meldpunt-mail", daemon=True)
    thread.start()
    return thread, stop
