"""Append-only, hash-chained audit log.

Each case has its own chain (``case:<id>``); everything else goes to ``system``.
Appending locks the chain's head row, so concurrent writers never fork a chain;
case transactions already hold the case row, so per-case chains add no contention
across cases. ``verify`` recomputes every chain and names the first broken row.
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


def chain_for(case_id: int | None) -> str:
    return f"case:{case_id}" if case_id is not None else "system"


def _digest(*, chain: str, seq: int, at: datetime, actor: str, action: str, case_id: int | None,
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
    """Append one event to the chain of ``case_id`` (or the system chain)."""
    chain = chain_for(case_id)
    details = json.loads(json.dumps(details or {}, default=str))  # what is stored is what is hashed
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
    for ev in session.execute(select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq)).scalars():
        count += 1
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
