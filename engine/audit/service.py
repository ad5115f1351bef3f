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

Keyed (issue 14, migration 0013): ``hash`` is an HMAC-SHA256 under the newest audit key
(engine.audit.keys, ``MELDPUNT_AUDIT_KEYS``, not in the database) and ``key_id`` names that key, so
someone who can write to the database cannot recompute a chain after an edit. Rows with ``key_id``
NULL are the unkeyed SHA-256 of before and keep verifying; an unkeyed row after a keyed one in a
chain is reported as a rewrite. What the key cannot show — rows *removed* from the end of a chain,
a whole chain, read events, everything — the signed checkpoints outside the database do
(engine.audit.checkpoint; ``verify(checkpoint=...)``).
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engine.audit.keys import AuditKeyMissing, audit_keys
from engine.audit.models import AuditEvent, AuditHead
from engine.clock import now

GENESIS = "0" * 64
# Recorded as read events: appended by readers without locking the chain's head.
READ_ACTIONS = frozenset({"identity.read", "confidential.read", "messages.read"})


def chain_for(case_id: int | None) -> str:
    return f"case:{case_id}" if case_id is not None else "system"


def _digest(*, chain: str, seq: int | None, at: datetime, actor: str, action: str, case_id: int | None,
            task_id: str | None, details: dict, prev_hash: str, key_id: str | None = None) -> str:
    """The event's hash: HMAC-SHA256 under audit key ``key_id``, or (``None``) the unkeyed SHA-256 of
    rows written before the chain was keyed (migration 0013). Raises AuditKeyMissing for an unknown key."""
    fields = {
        "chain": chain, "seq": seq, "at": at.isoformat(timespec="microseconds"), "actor": actor,
        "action": action, "case_id": case_id, "task_id": task_id, "details": details, "prev": prev_hash,
    }
    if key_id is not None:
        fields["key"] = key_id  # binds the scheme: a keyed row cannot pass as an unkeyed one
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    if key_id is None:
        return hashlib.sha256(payload).hexdigest()
    return audit_keys().mac(key_id, payload)


def _event_digest(ev: AuditEvent) -> str:
    return _digest(chain=ev.chain, seq=ev.seq, at=ev.at, actor=ev.actor, action=ev.action, case_id=ev.case_id,
                   task_id=ev.task_id, details=ev.details, prev_hash=ev.prev_hash, key_id=ev.key_id)


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
    kid = audit_keys().primary_id
    digest = _digest(chain=chain, seq=seq, at=at, actor=actor, action=action, case_id=case_id,
                     task_id=task_id, details=details, prev_hash=head.hash, key_id=kid)
    event = AuditEvent(chain=chain, seq=seq, at=at, actor=actor, action=action, case_id=case_id,
                       task_id=task_id, details=details, prev_hash=head.hash, hash=digest, key_id=kid)
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
    kid = audit_keys().primary_id
    digest = _digest(chain=chain, seq=None, at=at, actor=actor, action=action, case_id=case_id,
                     task_id=task_id, details=details, prev_hash=anchor, key_id=kid)
    event = AuditEvent(chain=chain, seq=None, at=at, actor=actor, action=action, case_id=case_id,
                       task_id=task_id, details=details, prev_hash=anchor, hash=digest, key_id=kid)
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


def lock_heads(session: Session, case_ids) -> None:
    """Lock the chain heads of these cases in one query (in chain order: one lock order for every caller) for
    the transaction's later appends; a chain without a head yet gets one at its first append, as usual."""
    heads = session.info.setdefault("audit_heads", {})
    chains = sorted({chain_for(i) for i in case_ids} - set(heads))
    if not chains:
        return
    for head in session.execute(select(AuditHead).where(AuditHead.chain.in_(chains))
                                .order_by(AuditHead.chain).with_for_update()).scalars():
        heads[head.chain] = head


@event.listens_for(Session, "after_transaction_end")
def _forget_heads(session: Session, transaction) -> None:
    # The end of the outermost transaction releases the row locks. A flush also ends an
    # (internal) subtransaction and must keep the cached heads, or every flush would
    # re-read and re-lock them. A savepoint may be rolled back, which would leave a head
    # moved forward in memory: forget the heads at the end of any savepoint as well.
    if transaction.parent is None or transaction.nested:
        session.info.pop("audit_heads", None)


@dataclass(frozen=True)
class Problem:
    chain: str
    reason: str  # Dutch, names what is wrong
    row_id: int | None = None

    def __str__(self) -> str:
        where = f" (rij {self.row_id})" if self.row_id is not None else ""
        return f"keten {self.chain}{where}: {self.reason}" if self.chain else self.reason


@dataclass
class VerifyResult:
    ok: bool
    events: int
    first_broken_id: int | None = None
    reason: str | None = None
    problems: list[Problem] = field(default_factory=list)
    unkeyed: int = 0  # events under the unkeyed scheme (before migration 0013, or no key configured)
    checkpoint: object | None = None  # the checkpoint compared against (engine.audit.checkpoint)


def _check_hash(ev: AuditEvent, keyed_seen: bool) -> str | None:
    if ev.key_id is None and keyed_seen:
        return "gebeurtenis zonder sleutel na een gesleutelde (keten buiten de applicatie herberekend)"
    try:
        expected = _event_digest(ev)
    except AuditKeyMissing as exc:
        return f"kan niet worden gecontroleerd: {exc}"
    if not hmac.compare_digest(ev.hash or "", expected):
        return "inhoud van de gebeurtenis is gewijzigd" if ev.key_id is None else \
            "inhoud van de gebeurtenis is gewijzigd (sleutelhandtekening klopt niet)"
    return None


def verify(*, session: Session, checkpoint=None) -> VerifyResult:
    """Recompute every chain (HMAC under the audit keys, or SHA-256 for unkeyed rows) and name every broken
    chain. With ``checkpoint`` (engine.audit.checkpoint.Checkpoint) also compare with that signed state:
    truncation, deleted chains, recomputed chains, an emptied table and deleted read events."""
    heads = {h.chain: h for h in session.execute(select(AuditHead)).scalars()}
    last: dict[str, tuple[int, str]] = {}
    broken: dict[str, Problem] = {}  # chain -> first problem
    extra: list[Problem] = []
    count = unkeyed = 0
    hashes: dict[str, set[str]] = {}  # chain -> hashes of its chained events (anchors of read events)
    keyed: set[str] = set()  # chains with a keyed chained event so far
    at_seq: dict[tuple[str, int], str] = {}  # (chain, seq) -> hash, for the checkpoint comparison
    legacy: dict[str, int] = {}  # chain -> unkeyed chained events
    tail: dict[str, int] = {}  # chain -> highest seq present (broken or not)
    for ev in session.execute(select(AuditEvent).where(AuditEvent.seq.is_not(None))
                              .order_by(AuditEvent.chain, AuditEvent.seq)).scalars():
        count += 1
        hashes.setdefault(ev.chain, set()).add(ev.hash)
        tail[ev.chain] = ev.seq
        if ev.key_id is None:
            unkeyed += 1
            legacy[ev.chain] = legacy.get(ev.chain, 0) + 1
        if checkpoint is not None and ev.chain in checkpoint.chains and ev.seq == checkpoint.chains[ev.chain].seq:
            at_seq[(ev.chain, ev.seq)] = ev.hash
        if ev.chain in broken:
            continue
        prev_seq, prev_hash = last.get(ev.chain, (0, GENESIS))
        if ev.seq != prev_seq + 1:
            broken[ev.chain] = Problem(ev.chain, f"volgnummer {ev.seq} sluit niet aan op {prev_seq} "
                                                 "(gebeurtenis ontbreekt)", ev.id)
        elif ev.prev_hash != prev_hash:
            broken[ev.chain] = Problem(ev.chain, "verwijzing naar de vorige gebeurtenis klopt niet", ev.id)
        elif (reason := _check_hash(ev, ev.chain in keyed)) is not None:
            broken[ev.chain] = Problem(ev.chain, reason, ev.id)
        if ev.key_id is not None:
            keyed.add(ev.chain)
        last[ev.chain] = (ev.seq, ev.hash)
    reads: dict[str, list[tuple[datetime, str]]] = {}
    for ev in session.execute(select(AuditEvent).where(AuditEvent.seq.is_(None))
                              .order_by(AuditEvent.id)).scalars():
        count += 1
        reads.setdefault(ev.chain, []).append((ev.at, ev.hash))
        if ev.key_id is None:
            unkeyed += 1
        if (reason := _check_hash(ev, ev.chain in keyed and ev.key_id is None)) is not None:
            extra.append(Problem(ev.chain, f"leesgebeurtenis: {reason}", ev.id))
        elif ev.prev_hash != GENESIS and ev.prev_hash not in hashes.get(ev.chain, ()):
            extra.append(Problem(ev.chain, "leesgebeurtenis: verwijzing naar de keten klopt niet", ev.id))
    for chain, head in sorted(heads.items()):
        if chain not in broken and last.get(chain, (0, GENESIS)) != (head.seq, head.hash):
            extra.append(Problem(chain, "laatste gebeurtenis ontbreekt of is gewijzigd (kop wijkt af)"))
    problems = sorted(broken.values(), key=lambda p: p.row_id or 0) + extra
    if checkpoint is not None:
        from engine.audit.checkpoint import compare

        problems += compare(checkpoint, events=count, tail=tail, at_seq=at_seq, legacy=legacy, reads=reads,
                            heads=set(heads), destroyed=_destroyed_chains(session, broken))
    if not problems:
        return VerifyResult(True, count, unkeyed=unkeyed, checkpoint=checkpoint)
    first = min((p for p in problems if p.row_id is not None), key=lambda p: p.row_id, default=problems[0])
    return VerifyResult(False, count, first.row_id, str(first), problems, unkeyed=unkeyed, checkpoint=checkpoint)


# A case destroyed at the end of its retention term (engine.records.service) takes its chain along; this
# event in the (intact, keyed) system chain records the chain's last seq and hash in its details.
TOMBSTONE_ACTION = "zaak.vernietigd"


def _destroyed_chains(session: Session, broken: dict) -> dict[str, int]:
    """chain -> last seq, from the tombstones of an unbroken system chain (a forged one would break it)."""
    if "system" in broken:
        return {}
    out: dict[str, int] = {}
    for details in session.scalars(select(AuditEvent.details).where(AuditEvent.chain == "system",
                                                                    AuditEvent.action == TOMBSTONE_ACTION)):
        if isinstance(details, dict) and isinstance(details.get("keten"), str):
            out[details["keten"]] = int(details.get("volgnummer") or 0)
    return out


def case_events(*, session: Session, case_id: int) -> list[AuditEvent]:
    return list(session.execute(
        select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.id)
    ).scalars())
