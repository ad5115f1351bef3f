"""Sending the outbox after commit (``meldpunt mail run``; docs/NOTIFICATIONS.md).

Delivery is **at most once**, with retries where it is certain that nothing was delivered:

1. A row (or a user's day of overview rows) is claimed in its own short transaction: ``pending`` → ``sending``
   with a fresh ``claim`` token, committed *before* the mail server is spoken to. On PostgreSQL the claim reads
   with ``FOR UPDATE SKIP LOCKED`` (the overview: the user's preference row), so two senders never claim the same
   row; SQLite serialises writers, one sender is safe there.
2. Envelope (MAIL FROM, RCPT TO) refused, or the server unreachable, or STARTTLS/login failing: nothing was
   handed over, so the row goes back to ``pending`` with ``retry_at`` doubling per attempt (settings
   ``mail_retry_seconds`` … ``mail_retry_max_seconds``).
3. DATA accepted (250): ``sent``, committed. DATA broken off (a timeout, a dropped connection): the server may
   have the message, so the row becomes ``onzeker`` and is NOT sent again.
4. A sender that dies between 1 and 3 leaves ``sending``; a later sender (or the restarted one) finds it older
   than the lease and marks it ``onzeker`` as well: never a second mail.

A lost notification costs little (the worklist shows the same work; the next event mails again); a duplicate
would train people to ignore them, and the product promises "never twice". Every mail carries a Message-ID made
from its rows, so a relay that deduplicates on it also folds any copy.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import func, select, update

from engine.clock import now
from engine.config import Settings, get_settings
from engine.db import Database
from engine.identity.models import User
from engine.legal_terms import local_date
from engine.notifications.models import DIGEST, DIRECT, OFF, Notification, NotificationPreference
from engine.notifications.service import KINDS, PREFERENCES_PAGE, preference

log = logging.getLogger(__name__)

UNCERTAIN, DROPPED = "onzeker", "vervallen"


class NotDelivered(Exception):
    """The server did not take the message and certainly does not have it: try again later."""


class Uncertain(Exception):
    """The conversation broke off after the message was handed over: the server may have it."""


@dataclass
class Mail:
    to: str
    subject: str
    body: str
    message_id: str


# --------------------------------------------------------------------------- the text

def _url(settings: Settings, link: str) -> str:
    return settings.base_url.rstrip("/") + link


def _footer(settings: Settings) -> str:
    return ("\n\nDeze e-mail bevat bewust geen gegevens over zaken, personen of meldingen: die leest u alleen in "
            "Meldpunt zelf.\nU ontvangt deze e-mail volgens uw meldingsvoorkeuren; wijzigen kan hier: "
            f"{_url(settings, PREFERENCES_PAGE)}\n")


def _domain(settings: Settings) -> str:
    return settings.mail_sender.rpartition("@")[2] or "meldpunt"


def direct_mail(row: Notification, to: str, settings: Settings) -> Mail:
    subject, sentence = KINDS[row.kind]
    body = f"Goedendag,\n\n{sentence}\n\nBekijk het in Meldpunt: {_url(settings, row.link)}" + _footer(settings)
    return Mail(to=to, subject=f"Meldpunt: {subject.lower()}", body=body,
                message_id=f"<melding-{row.id}@{_domain(settings)}>")


def digest_mail(rows: list[Notification], to: str, day: date, settings: Settings) -> Mail:
    from engine.functions import dutch_date

    counts: dict[str, int] = {}
    for row in rows:
        counts[row.kind] = counts.get(row.kind, 0) + 1
    lines = "\n".join(f"- {KINDS[kind][0]}: {n}" for kind, n in sorted(counts.items()))
    body = (f"Goedendag,\n\nDit is uw overzicht van {dutch_date(day)}. Er is in Meldpunt iets voor u:\n\n{lines}\n\n"
            f"Bekijk het in Meldpunt: {_url(settings, '/werkvoorraad')}" + _footer(settings))
    first = min(r.id for r in rows)
    return Mail(to=to, subject="Meldpunt: dagelijks overzicht", body=body,
                message_id=f"<overzicht-{first}-{len(rows)}@{_domain(settings)}>")


# --------------------------------------------------------------------------- SMTP

class Connection:
    """One SMTP session, opened on first use and reused for the sweep."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        if not s.smtp_host:
            raise NotDelivered("geen SMTP-server ingesteld")
        try:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
            smtp.ehlo()
            if s.smtp_starttls:
                context = ssl.create_default_context(cafile=str(s.smtp_ca_file) if s.smtp_ca_file else None)
                smtp.starttls(context=context)
                smtp.ehlo()
            elif s.smtp_user:
                smtp.close()
                raise NotDelivered("aanmelden bij de SMTP-server zonder STARTTLS geweigerd")
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except NotDelivered:
            raise
        except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
            raise NotDelivered(_error(exc)) from None
        return smtp

    def send(self, mail: Mail) -> None:
        if self.smtp is None:
            self.smtp = self._open()
        smtp, s = self.smtp, self.settings
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = s.mail_sender, mail.to, mail.subject
        msg["Date"] = format_datetime(now())
        msg["Message-ID"] = mail.message_id
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(mail.body)
        try:  # the envelope: a refusal here means the server has nothing
            code, reply = smtp.mail(s.mail_sender)
            if code != 250:
                raise NotDelivered(f"MAIL {code}")
            code, reply = smtp.rcpt(mail.to)
            if code not in (250, 251):
                smtp.rset()
                raise NotDelivered(f"RCPT {code}")
        except NotDelivered:
            raise
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise NotDelivered(_error(exc)) from None
        try:
            code, reply = smtp.data(msg.as_bytes())
        except smtplib.SMTPDataError as exc:  # an explicit refusal of the message: not taken
            raise NotDelivered(f"DATA {exc.smtp_code}") from None
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise Uncertain(_error(exc)) from None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


def _error(exc: BaseException) -> str:
    code = getattr(exc, "smtp_code", None)
    return f"{type(exc).__name__}" + (f" {code}" if code else "")


# --------------------------------------------------------------------------- the sweep

def lease(settings: Settings) -> timedelta:
    """How long a claim may stay ``sending`` before it counts as abandoned (a sender died mid-conversation)."""
    return timedelta(seconds=4 * settings.smtp_timeout_seconds + 60)


def _backoff(attempts: int, settings: Settings) -> timedelta:
    return timedelta(seconds=min(settings.mail_retry_seconds * 2 ** min(attempts - 1, 30),
                                 settings.mail_retry_max_seconds))


def _due(moment):
    return (Notification.state == "pending") & (
        Notification.retry_at.is_(None) | (Notification.retry_at <= moment))


def abandon_stale(*, database: Database, settings: Settings) -> int:
    """Claims older than the lease: their sender died while talking to the server. Marked ``onzeker``."""
    with database.session() as session:
        return session.execute(
            update(Notification).where(Notification.state == "sending",
                                       Notification.claimed_at < now() - lease(settings))
            .values(state=UNCERTAIN, last_error="afzender gestopt tijdens verzenden")
            .execution_options(synchronize_session=False)).rowcount


def claim_direct(*, database: Database, skip_locked: bool) -> tuple[str, list[int]] | None:
    """Claim one due direct notification (committed before any SMTP). None: nothing due."""
    with database.session() as session:
        q = (select(Notification).where(_due(now()), Notification.delivery == DIRECT)
             .order_by(Notification.retry_at.is_not(None), Notification.id).limit(1))
        if skip_locked:
            q = q.with_for_update(skip_locked=True)
        row = session.scalars(q).first()
        if row is None:
            return None
        token = str(uuid.uuid4())
        row.state, row.claim, row.claimed_at, row.attempts = "sending", token, now(), row.attempts + 1
        return token, [row.id]


def claim_digest(*, database: Database, skip_locked: bool) -> tuple[str, list[int]] | None:
    """Claim one user's overview of one finished day (engine clock; Europe/Amsterdam), all its rows at once."""
    moment = now()
    today = local_date(moment)
    with database.session() as session:
        groups = session.execute(
            select(Notification.user_id, Notification.day).where(_due(moment), Notification.delivery == DIGEST,
                                                                 Notification.day < today)
            .group_by(Notification.user_id, Notification.day)
            .order_by(Notification.day, Notification.user_id).limit(50)).all()
        for user_id, day in groups:
            if skip_locked:  # the user's preference row guards their overview: one sender per user at a time
                locked = session.scalars(select(NotificationPreference.user_id)
                                         .where(NotificationPreference.user_id == user_id)
                                         .with_for_update(skip_locked=True)).first()
                if locked is None:
                    continue
            rows = session.scalars(select(Notification).where(_due(moment), Notification.delivery == DIGEST,
                                                              Notification.user_id == user_id,
                                                              Notification.day == day)).all()
            if not rows:
                continue
            token = str(uuid.uuid4())
            for row in rows:
                row.state, row.claim, row.claimed_at, row.attempts = "sending", token, moment, row.attempts + 1
            return token, [r.id for r in rows]
    return None


def _finish(database: Database, token: str, *, state: str, error: str | None = None,
            settings: Settings | None = None) -> None:
    with database.session() as session:
        rows = session.scalars(select(Notification).where(Notification.claim == token,
                                                          Notification.state == "sending")).all()
        for row in rows:
            row.state, row.last_error = state, error
            if state == "sent":
                row.sent_at = now()
            elif state == "pending":
                row.retry_at = now() + _backoff(row.attempts, settings)


def _deliver(database: Database, conn: Connection, token: str, settings: Settings) -> str:
    """Send the claimed rows as one mail. Returns the rows' new state."""
    with database.session() as session:
        rows = session.scalars(select(Notification).where(Notification.claim == token)
                               .order_by(Notification.id)).all()
        user = session.get(User, rows[0].user_id)
        address = (user.email or "").strip() if user is not None and user.active else ""
        if not address or preference(session=session, user_id=rows[0].user_id) == OFF:
            mail = None
        elif rows[0].delivery == DIGEST:
            mail = digest_mail(list(rows), address, rows[0].day, settings)
        else:
            mail = direct_mail(rows[0], address, settings)
    if mail is None:
        _finish(database, token, state=DROPPED, error="uitgeschakeld of geen e-mailadres")
        return DROPPED
    try:
        conn.send(mail)
    except NotDelivered as exc:
        log.warning("notification mail not delivered, retried later: %s", exc)
        _finish(database, token, state="pending", error=str(exc), settings=settings)
        return "pending"
    except Uncertain as exc:
        log.error("notification mail outcome unknown, not retried: %s", exc)
        _finish(database, token, state=UNCERTAIN, error=str(exc))
        return UNCERTAIN
    _finish(database, token, state="sent")
    return "sent"


def send_due(*, database: Database, settings: Settings | None = None, limit: int | None = None) -> int:
    """Send what is due now (direct mails, then finished days' overviews). Returns the mails sent.

    Stops at the first server that is down or refuses (the next sweep tries again; each row waits its backoff)."""
    settings = settings or get_settings()
    skip_locked = database.dialect == "postgresql"
    abandon_stale(database=database, settings=settings)
    conn, sent = Connection(settings), 0
    try:
        for claim in (claim_direct, claim_digest):
            while limit is None or sent < limit:
                claimed = claim(database=database, skip_locked=skip_locked)
                if claimed is None:
                    break
                outcome = _deliver(database, conn, claimed[0], settings)
                if outcome == "sent":
                    sent += 1
                elif outcome == "pending":
                    return sent
    finally:
        conn.close()
    return sent


def backlog(*, session) -> int:
    """Notifications waiting to be sent (for monitoring)."""
    return session.scalar(select(func.count()).select_from(Notification)
                          .where(Notification.state.in_(("pending", "sending")))) or 0
