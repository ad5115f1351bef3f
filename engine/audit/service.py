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
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy import Connection, Engine, bindparam, event, insert, select, text, update
from sqlalchemy.orm import Session

from engine.audit.keys import AuditKeyMissing, audit_keys
from engine.audit.models import AuditEvent, AuditHead
from engine.clock import now
from engine.db import is_read_only, write_before_answer

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
           task_id: str | None = None, details: dict | None = None) -> None:
    """Append one event to the chain of ``case_id`` (or the system chain); a read: see :func:`_append_read`.

    The event's ``seq`` and hash are fixed here (the head is row-locked at the chain's first append in the
    transaction); the row is written with the transaction's other events in one INSERT, and each head with one
    UPDATE, just before the commit (see "Writing" below).

    In a read-only unit of work (``engine.db.read_session``: a route declared a pure read that records what it
    showed) the event is written in one short write transaction after the reads, before the request answers
    (``engine.db.write_before_answer``)."""
    if is_read_only(session):
        write_before_answer(session, lambda writer: append(session=writer, actor=actor, action=action,
                                                           case_id=case_id, task_id=task_id, details=details))
        return None
    chain = chain_for(case_id)
    details = json.loads(json.dumps(details or {}, default=str))  # what is stored is what is hashed
    if action in READ_ACTIONS:
        _append_read(session, chain=chain, actor=actor, action=action, case_id=case_id, task_id=task_id,
                     details=details)
        return
    pending = _pending(session)
    head = _locked_head(session, pending, chain)
    at = now()
    seq = head.seq + 1
    kid = audit_keys().primary_id
    digest = _digest(chain=chain, seq=seq, at=at, actor=actor, action=action, case_id=case_id,
                     task_id=task_id, details=details, prev_hash=head.hash, key_id=kid)
    pending.rows.append({"chain": chain, "seq": seq, "at": at, "actor": actor, "action": action, "case_id": case_id,
                         "task_id": task_id, "details": details, "prev_hash": head.hash, "hash": digest,
                         "key_id": kid})
    head.seq, head.hash = seq, digest
    if pending.committing:  # appended by another before-commit hook, after this module's one ran
        _write(pending)


def _append_read(session: Session, *, chain: str, actor: str, action: str, case_id: int | None,
                 task_id: str | None, details: dict) -> None:
    """A read event: anchored to the head this transaction sees, no lock taken (see the module doc)."""
    pending = _pending(session)
    head = pending.heads.get(chain)
    if head is not None:
        anchor = head.hash  # this transaction holds the head already
    else:
        anchor = _own(pending, _HEAD_HASH, {"chain": chain}).scalar() or GENESIS
    at = now()
    kid = audit_keys().primary_id
    digest = _digest(chain=chain, seq=None, at=at, actor=actor, action=action, case_id=case_id,
                     task_id=task_id, details=details, prev_hash=anchor, key_id=kid)
    pending.rows.append({"chain": chain, "seq": None, "at": at, "actor": actor, "action": action,
                         "case_id": case_id, "task_id": task_id, "details": details, "prev_hash": anchor,
                         "hash": digest, "key_id": kid})
    if pending.committing:
        _write(pending)


# --------------------------------------------------------------------------- writing (issue 25)
#
# A step appends several events (task completed, task created, auto-assigned, ...). Through the ORM each was a
# unit-of-work object, and SQLite sent one INSERT per row (the ORM wants the generated ids back); a query between
# two appends flushed early, so the head could be written twice. Now the transaction's events wait in
# ``session.info`` (hashes, seqs and anchors already fixed, in append order) and are written by prebuilt Core
# statements: one multi-row INSERT for all events, then per chain one UPDATE of its head (an INSERT for a new
# chain). That happens just before the commit (``before_commit``), and earlier only when a statement that
# mentions an audit table is about to run on the transaction's connection (``before_cursor_execute``), so whatever
# reads the audit log in the same transaction (verify, the retention marker, a case's destruction, ...) sees
# every event appended before. Nothing needs the events' ids. A savepoint rolled back restores the pending events
# and heads as they were when it began; the row locks on the heads are taken at the first append as before (or,
# for a step, with its locked read of item and case: ``head_locked``), so concurrent writers to one chain still
# queue on PostgreSQL. On PostgreSQL the events and a single moved head are one statement (``_events_and_head``).

_EVENTS = AuditEvent.__table__
_HEADS = AuditHead.__table__
_HEAD_FOR_UPDATE = select(_HEADS.c.seq, _HEADS.c.hash).where(_HEADS.c.chain == bindparam("chain")).with_for_update()
_HEAD_HASH = select(_HEADS.c.hash).where(_HEADS.c.chain == bindparam("chain"))
_INSERT_ONE = insert(_EVENTS)
# With RETURNING, SQLAlchemy sends an executemany as one INSERT of many rows (pages of 1,000) on SQLite and PostgreSQL
# alike, from one compiled statement; the ids are not used. (A .values([...]) statement built per call costs five times
# the CPU; a plain executemany is one INSERT per row on PostgreSQL, pipelined.)
_INSERT_MANY = insert(_EVENTS).returning(_EVENTS.c.id)
_HEAD_INSERT = insert(_HEADS)
_HEAD_UPDATE = update(_HEADS).where(_HEADS.c.chain == bindparam("c")).values(seq=bindparam("s"), hash=bindparam("h"))
_STATE = "audit_pending"
_ROW_KEYS = ("chain", "seq", "at", "actor", "action", "case_id", "task_id", "details", "prev_hash", "hash", "key_id")
_CTE_MAX_ROWS = 16  # a step appends 1-6 events; more (a timer batch, an import) take the two statements


@lru_cache(maxsize=_CTE_MAX_ROWS)
def _events_and_head(n: int):
    """PostgreSQL: ``n`` events (parameters ``<column>_<i>``) and one chain's moved head (``c``, ``s``, ``h``) in
    one statement, a data-modifying CTE (issue 25: one round trip fewer per write transaction). PostgreSQL runs the
    CTE's INSERT exactly once and to completion, in the same snapshot as the UPDATE; nothing reads its output.

    A ``text()`` with typed parameters (the columns' types: JSON, the UTC timestamp): SQLAlchemy gives a multi-row
    ``insert().values()`` no cache key, so that form was compiled anew on every execution (~1.9 ms)."""
    values = ", ".join("(" + ", ".join(f":{k}_{i}" for k in _ROW_KEYS) + ")" for i in range(n))
    sql = (f"WITH written_events AS (INSERT INTO {_EVENTS.name} ({', '.join(_ROW_KEYS)}) VALUES {values}) "
           f"UPDATE {_HEADS.name} SET seq = :s, hash = :h WHERE chain = :c")
    return text(sql).bindparams(
        *(bindparam(f"{k}_{i}", type_=_EVENTS.c[k].type) for i in range(n) for k in _ROW_KEYS),
        bindparam("s", type_=_HEADS.c.seq.type), bindparam("h", type_=_HEADS.c.hash.type),
        bindparam("c", type_=_HEADS.c.chain.type))


@dataclass
class _Head:
    seq: int
    hash: str
    stored: int | None  # the seq of the head row in the database (None: no row yet)


@dataclass
class _Pending:
    """The audit state of one transaction: the locked heads and the events not yet written."""

    connection: Connection
    heads: dict[str, _Head] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    committing: bool = False  # this module's before-commit write ran: a later append writes at once
    own: bool = False  # one of this module's head reads is running
    connection_info: dict = field(default_factory=dict)  # the pooled connection's ``info``, where the hook finds us


def _pending(session: Session) -> _Pending:
    pending = session.info.get(_STATE)
    if pending is None:
        connection = session.connection()
        pending = session.info[_STATE] = _Pending(connection, connection_info=connection.info)
        connection.info[_STATE] = pending  # (one thread holds a checked-out connection at a time)
    return pending


def _locked_head(session: Session, pending: _Pending, chain: str) -> _Head:
    """The chain's head, row-locked once per transaction (later appends reuse it)."""
    head = pending.heads.get(chain)
    if head is None:
        row = _own(pending, _HEAD_FOR_UPDATE, {"chain": chain}).first()
        head = _Head(row.seq, row.hash, row.seq) if row is not None else _Head(0, GENESIS, None)
        pending.heads[chain] = head
    return head


def _own(pending: _Pending, statement, params):
    """Run one of this module's statements on the transaction's connection (no write of the pending events first:
    reading a head does not need them)."""
    pending.own = True
    try:
        return pending.connection.execute(statement, params)
    finally:
        pending.own = False


def _write(pending: _Pending) -> None:
    """Write the pending events (one INSERT) and the moved heads (one statement per chain)."""
    rows, pending.rows = pending.rows, []
    conn = pending.connection
    if 0 < len(rows) <= _CTE_MAX_ROWS and conn.dialect.name == "postgresql":
        moved = [(chain, head) for chain, head in pending.heads.items() if head.stored != head.seq]
        if len(moved) == 1 and moved[0][1].stored is not None:  # the usual step: one chain, its head row exists
            chain, head = moved[0]
            params = {f"{k}_{i}": row[k] for i, row in enumerate(rows) for k in _ROW_KEYS}
            conn.execute(_events_and_head(len(rows)), {**params, "c": chain, "s": head.seq, "h": head.hash})
            head.stored = head.seq
            return
    # SQLite (no data-modifying CTE), a new chain, several chains, many rows: the events, then the heads
    if len(rows) == 1:
        conn.execute(_INSERT_ONE, rows[0])
    elif rows:  # "insertmanyvalues": one multi-row INSERT from the cached statement (it batches on RETURNING)
        conn.execute(_INSERT_MANY, rows).close()
    new, moved = [], []
    for chain, head in pending.heads.items():
        if head.stored is None:
            new.append({"chain": chain, "seq": head.seq, "hash": head.hash})
        elif head.stored != head.seq:
            moved.append({"c": chain, "s": head.seq, "h": head.hash})
        head.stored = head.seq
    # one call each, whatever the number of chains (a timer batch moves one head per case): executemany
    if new:
        conn.execute(_HEAD_INSERT, new)
    if moved:
        conn.execute(_HEAD_UPDATE, moved)


@contextmanager
def reading_heads(session: Session):
    """Around a caller's statement that reads audit heads and no events (:func:`head_locked`): the events this
    transaction appended so far need not be written before it (a head read here is replaced by the one this
    transaction holds; events without a seq move no head)."""
    pending = session.info.get(_STATE)
    if pending is None:
        yield
        return
    pending.own = True
    try:
        yield
    finally:
        pending.own = False


def head_locked(session: Session, chain: str, seq: int, hash_: str) -> None:
    """The caller has just read ``chain``'s head row through ``session`` and row-locked it (PostgreSQL ``FOR
    UPDATE`` or ``FOR NO KEY UPDATE``: either excludes every other appender's ``FOR UPDATE`` and the head's own
    ``UPDATE``; SQLite's writers are serialised by BEGIN IMMEDIATE) in its transaction, as :func:`append`'s own read
    would (issue 25: the step locks its case's head with its locked read of item and case, one statement fewer).
    The first append to the chain in this transaction then takes this head instead of reading it."""
    pending = _pending(session)
    if chain not in pending.heads:
        pending.heads[chain] = _Head(seq, hash_, seq)


def flush(session: Session) -> None:
    """Write this transaction's pending audit events now (normally done just before the commit)."""
    pending = session.info.get(_STATE)
    if pending is not None and pending.rows:
        _write(pending)


def holds_chain(session: Session, chain: str) -> bool:
    """True when this transaction appended to (and so holds the head of) ``chain``."""
    pending = session.info.get(_STATE)
    return pending is not None and chain in pending.heads


def forget_chain(session: Session, chain: str) -> None:
    """The chain's head row was deleted in this transaction (a destroyed case): a later append starts it anew."""
    flush(session)
    pending = session.info.get(_STATE)
    if pending is not None:
        pending.heads.pop(chain, None)


@event.listens_for(Engine, "before_cursor_execute")
def _write_before_audit_statements(conn, cursor, statement, parameters, context, executemany) -> None:
    # Whatever is about to read or change an audit table in this transaction sees the pending events first
    # (``_write`` takes the rows out before its own INSERT runs through here).
    pending = conn.info.get(_STATE)
    if pending is not None and pending.rows and not pending.own and pending.connection is conn \
            and "audit_" in statement:
        _write(pending)


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    pending = session.info.get(_STATE)
    if pending is None or session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    if pending.rows:
        _write(pending)
    pending.committing = True


_SAVEPOINTS = "audit_savepoints"  # savepoint transaction -> (pending rows, heads) when it began, or None


@event.listens_for(Session, "after_transaction_create")
def _remember_at_savepoint(session: Session, transaction) -> None:
    if transaction.nested:
        pending = session.info.get(_STATE)
        session.info.setdefault(_SAVEPOINTS, {})[transaction] = None if pending is None else (
            list(pending.rows), {c: _Head(h.seq, h.hash, h.stored) for c, h in pending.heads.items()})


@event.listens_for(Session, "after_soft_rollback")
def _restore_at_savepoint(session: Session, transaction) -> None:
    # A rolled-back savepoint takes back what was appended (and written, and the head rows locked) inside it.
    savepoints = session.info.get(_SAVEPOINTS, {})
    if transaction.nested and transaction in savepoints:  # (taken back once: at its end or its soft rollback)
        snapshot = savepoints.pop(transaction)
        pending = session.info.get(_STATE)
        if pending is not None:
            rows, heads = snapshot or ([], {})
            pending.rows, pending.heads = list(rows), heads


@event.listens_for(Session, "after_commit")
def _forget_savepoint(session: Session) -> None:
    savepoints = session.info.get(_SAVEPOINTS)
    if savepoints:  # a savepoint released (during its commit it is still the session's current transaction)
        savepoints.pop(session.get_nested_transaction(), None)


_HEADS_FOR_UPDATE = (select(_HEADS.c.chain, _HEADS.c.seq, _HEADS.c.hash)
                     .where(_HEADS.c.chain.in_(bindparam("chains", expanding=True)))
                     .order_by(_HEADS.c.chain).with_for_update())


def lock_heads(session: Session, case_ids) -> None:
    """Lock the chain heads of these cases in one query (in chain order: one lock order for every caller) for
    the transaction's later appends; a chain without a head yet gets one at its first append, as usual."""
    pending = _pending(session)
    chains = sorted({chain_for(i) for i in case_ids} - set(pending.heads))
    if not chains:
        return
    for row in _own(pending, _HEADS_FOR_UPDATE, {"chains": chains}):
        pending.heads[row.chain] = _Head(row.seq, row.hash, row.seq)


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction) -> None:
    if transaction.nested:
        # A savepoint that ends still remembered was not released (``_forget_savepoint`` forgets a released one):
        # rolled back. A failed flush inside it rolls it back without an ``after_soft_rollback`` for the savepoint
        # itself (only for the flush's subtransaction), so this is where its events are taken back.
        savepoints = session.info.get(_SAVEPOINTS)
        if savepoints and transaction in savepoints:
            _restore_at_savepoint(session, transaction)
        return
    if transaction.parent is None:  # the end of the outermost transaction releases the row locks
        pending = session.info.pop(_STATE, None)
        session.info.pop(_SAVEPOINTS, None)
        if pending is not None and pending.connection_info.get(_STATE) is pending:
            del pending.connection_info[_STATE]


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
