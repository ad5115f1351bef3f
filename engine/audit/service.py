"""Append-only, hash-chained audit log.

Each case has its own chain (``case:<id>``); everything else goes to ``system``.
Appending locks the chain's head row, so concurrent writers never fork a chain;
case transactions already hold the case row, so per-case chains add no contention
across cases. ``verify`` recomputes every chain and names the first broken row.

Reads are recorded without that lock (issue 14: every identity-authorised reader of a case
would otherwise queue on its head row). A read event (:data:`READ_ACTIONS`) gets no ``seq``; its
``prev_hash`` is the chain's head as this transaction sees it (an anchor: the read happened after
that event) and its ``hash`` covers its content and that anchor. ``verify`` recomputes each read
event's hash and checks that its anchor is an event of the same chain (or the chain's start).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engine.audit.models import AuditEvent, AuditHead
from engine.clock import now

GENESIS = "0" * 64
# Recorded as read events: appended by readers without locking the chain's head.
READ_ACTIONS = frozenset({"identity.read", "confidential.read", "messages.read"})


def chain_for(case_id: int | None) -> str:
    return f"case:{case_id}" if case_id is not None else "system"


def _digest(*, chain: str, seq: int | None, at: datetime, actor: str, action: str, case_id: int | None,
            task_id: str | None, details: dict, prev_hash: str) -> str:
    payload = json.dumps(
        {
            "chain": chain, "seq": seq, "at": at.isoformat(timespec="microseconds"), "actor": actor,
            "action": action, "case_id": case_id, "task_id": task_id, "details": details, "prev": prev_hash,
        },
        sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def append(*, session: Session, actor: str, action: str, case_id: int | None = None,
           task_id: str | None = None, details: dict | None = None) -> AuditEvent:
    """Append one event to the chain of ``case_id`` (or the system chain); a read: see :func:`_append_read`."""
    chain = chain_for(case_id)
    details = json.loads(json.dumps(details or {}, default=str))  # what is stored is what is hashed
    if action in READ_ACTIONS:
        return _append_read(session, chain=chain, actor=actor, action=action, case_id=case_id,
                            task_id=task_id, details=details)
    head = _locked_head(session, chain)
    at = now()
    seq = head.seq + 1
    digest = _digest(chain=chain, seq=seq, at=at, actor=actor, action=action, case_id=case_id,
                     task_id=task_id, details=details, prev_hash=head.hash)
    event = AuditEvent(chain=chain, seq=seq, at=at, actor=actor, action=action, case_id=case_id,
                       task_id=task_id, details=details, prev_hash=head.hash, hash=digest)
    session.add(event)
    head.seq, head.hash = seq, digest
    return event


def _append_read(session: Session, *, chain: str, actor: str, action: str, case_id: int | None,
                 task_id: str | None, details: dict) -> AuditEvent:
    """A read event: anchored to the head this transaction sees, no lock taken (see the module doc)."""
    cached = session.info.get("audit_heads", {}).get(chain)
    if cached is not None:
        anchor = cached.hash  # this transaction holds the head already
    else:
        anchor = session.scalar(select(AuditHead.hash).where(AuditHead.chain == chain)) or GENESIS
    at = now()
    digest = _digest(chain=chain, seq=None, at=at, actor=actor, action=action, case_id=case_id,
                     task_id=task_id, details=details, prev_hash=anchor)
    event = AuditEvent(chain=chain, seq=None, at=at, actor=actor, action=action, case_id=case_id,
                       task_id=task_id, details=details, prev_hash=anchor, hash=digest)
    session.add(event)
    return event


def _locked_head(session: Session, chain: str) -> AuditHead:
    """The chain's head, row-locked once per transaction (later appends reuse it)."""
    heads = session.info.setdefault("audit_heads", {})
    head = heads.get(chain)
    if head is None:
        head = session.execute(
            select(AuditHead).where(AuditHead.chain == chain).with_for_update()
        ).scalar_one_or_none()
        if head is None:
            head = AuditHead(chain=chain, seq=0, hash=GENESIS)
            session.add(head)
        heads[chain] = head
    return head


@event.listens_for(Session, "after_transaction_end")
def _forget_heads(session: Session, transaction) -> None:
    # The end of the outermost transaction releases the row locks. A flush also ends an
    # (internal) subtransaction and must keep the cached heads, or every flush would
    # re-read and re-lock them. A savepoint may be rolled back, which would leave a head
    # moved forward in memory: forget the heads at the end of any savepoint as well.
    if transaction.parent is None or transaction.nested:
        session.info.pop("audit_heads", None)


@dataclass
class VerifyResult:
    ok: bool
    events: int
    first_broken_id: int | None = None
    reason: str | None = None


def verify(*, session: Session) -> VerifyResult:
    """Recompute every chain; report the first broken link (by row id)."""
    heads = {h.chain: h for h in session.execute(select(AuditHead)).scalars()}
    last: dict[str, tuple[int, str]] = {}
    broken: dict[str, tuple[int, str]] = {}  # chain -> (first broken row id, reason)
    count = 0
    hashes: dict[str, set[str]] = {}  # chain -> hashes of its chained events (anchors of read events)
    for ev in session.execute(select(AuditEvent).where(AuditEvent.seq.is_not(None))
                              .order_by(AuditEvent.chain, AuditEvent.seq)).scalars():
        count += 1
        hashes.setdefault(ev.chain, set()).add(ev.hash)
        if ev.chain in broken:
            continue
        prev_seq, prev_hash = last.get(ev.chain, (0, GENESIS))
        if ev.seq != prev_seq + 1:
            broken[ev.chain] = (ev.id, f"volgnummer {ev.seq} sluit niet aan op {prev_seq} (gebeurtenis ontbreekt)")
        elif ev.prev_hash != prev_hash:
            broken[ev.chain] = (ev.id, "verwijzing naar de vorige gebeurtenis klopt niet")
        elif ev.hash != _digest(chain=ev.chain, seq=ev.seq, at=ev.at, actor=ev.actor, action=ev.action,
                                case_id=ev.case_id, task_id=ev.task_id, details=ev.details,
                                prev_hash=ev.prev_hash):
            broken[ev.chain] = (ev.id, "inhoud van de gebeurtenis is gewijzigd")
        last[ev.chain] = (ev.seq, ev.hash)
    for ev in session.execute(select(AuditEvent).where(AuditEvent.seq.is_(None))
                              .order_by(AuditEvent.id)).scalars():
        count += 1
        if ev.hash != _digest(chain=ev.chain, seq=None, at=ev.at, actor=ev.actor, action=ev.action,
                              case_id=ev.case_id, task_id=ev.task_id, details=ev.details, prev_hash=ev.prev_hash):
            broken.setdefault(f"read:{ev.id}", (ev.id, "inhoud van de gebeurtenis is gewijzigd"))
        elif ev.prev_hash != GENESIS and ev.prev_hash not in hashes.get(ev.chain, ()):
            broken.setdefault(f"read:{ev.id}", (ev.id, "verwijzing naar de keten klopt niet"))
    if broken:
        first_id, reason = min(broken.values())
        return VerifyResult(False, count, first_id, reason)
    for chain, head in heads.items():
        if last.get(chain, (0, GENESIS)) != (head.seq, head.hash):
            return VerifyResult(False, count, None, f"keten {chain}: laatste gebeurtenis ontbreekt of is gewijzigd")
    return VerifyResult(True, count)


def case_events(*, session: Session, case_id: int) -> list[AuditEvent]:
    return list(session.execute(
        select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
    ).scalars())
