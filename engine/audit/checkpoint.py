"""Signed checkpoints of every audit chain, kept outside the database (issue 14).

The keyed chain (engine.audit.service) stops anyone without the audit key from editing or forging
events, but someone who can write to the database can still *remove* them: the newest events of a
chain (moving its head back), a whole chain with its head, read events (they are not chained), or
everything. A checkpoint records what existed, signed with the audit key, in a file the database
cannot reach: one JSON line per checkpoint, appended (``MELDPUNT_AUDIT_CHECKPOINT_FILE``; point it
at append-only or write-once storage)::

    {"v": 1, "at": "...", "cutoff": "...", "events": 812, "reads": 40,
     "chains": {"case:7": {"seq": 12, "hash": "...", "legacy": 0, "reads": 3, "reads_digest": "..."}, ...},
     "prev": "<SHA-256 of the previous line>", "key": "<audit key id>", "sig": "<HMAC-SHA256>"}

Per chain: the head (``seq``, ``hash``), how many chained events are unkeyed (``legacy``: rows from
before migration 0013, which may never grow), and the read events at or before ``cutoff`` (count and
the SHA-256 of their sorted hashes). ``cutoff`` lies ``audit_checkpoint_settle_seconds`` before
``at``: a read whose transaction commits just after the checkpoint is never taken for a deleted one.
``prev`` links the lines, so a line removed from the middle of the file is noticed too.

``meldpunt audit checkpoint`` writes one (cron); the timer worker, also in the server, writes one
every ``audit_checkpoint_seconds``. ``meldpunt audit verify`` compares the database with the last
line (:func:`compare`).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.audit.keys import AuditKeyMissing, audit_keys
from engine.audit.models import AuditEvent
from engine.clock import now

log = logging.getLogger(__name__)
VERSION = 1
START = "0" * 64


class CheckpointError(Exception):
    """Dutch message naming what is wrong with the checkpoint file or its configuration."""


@dataclass(frozen=True)
class ChainState:
    seq: int
    hash: str
    legacy: int
    reads: int
    reads_digest: str


@dataclass(frozen=True)
class Checkpoint:
    at: datetime
    cutoff: datetime
    events: int
    chains: dict[str, ChainState]
    line: int  # line number in the file

    @property
    def label(self) -> str:
        return f"de checkpoint van {self.at.isoformat(timespec='seconds')}"


def reads_digest(hashes) -> str:
    return hashlib.sha256("\n".join(sorted(hashes)).encode()).hexdigest()


def _canonical(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


# ------------------------------------------------------------------------------------------- writing

def state(*, session: Session, cutoff: datetime) -> tuple[int, dict[str, dict]]:
    """``(events, {chain: state})`` of the database as this session sees it."""
    chains: dict[str, dict] = {}
    for chain, seq, digest, kid in session.execute(
            select(AuditEvent.chain, AuditEvent.seq, AuditEvent.hash, AuditEvent.key_id)
            .where(AuditEvent.seq.is_not(None)).order_by(AuditEvent.chain, AuditEvent.seq)):
        st = chains.setdefault(chain, {"seq": 0, "hash": START, "legacy": 0, "reads": 0, "reads_digest": ""})
        st["seq"], st["hash"] = seq, digest
        st["legacy"] += kid is None
    read_hashes: dict[str, list[str]] = {}
    for chain, digest in session.execute(
            select(AuditEvent.chain, AuditEvent.hash).where(AuditEvent.seq.is_(None), AuditEvent.at <= cutoff)):
        read_hashes.setdefault(chain, []).append(digest)
    for chain, hashes in read_hashes.items():
        st = chains.setdefault(chain, {"seq": 0, "hash": START, "legacy": 0, "reads": 0, "reads_digest": ""})
        st["reads"] = len(hashes)
    for chain, st in chains.items():
        st["reads_digest"] = reads_digest(read_hashes.get(chain, ()))
    events = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return events, chains


def write(*, session: Session, path: Path, settle_seconds: float) -> dict:
    """Append a signed checkpoint of every chain to ``path``; returns the record written."""
    keys = audit_keys()
    if keys.primary_id is None:
        raise CheckpointError(str(AuditKeyMissing()))
    at = now()
    cutoff = at - timedelta(seconds=settle_seconds)
    events, chains = state(session=session, cutoff=cutoff)
    record = {"v": VERSION, "at": at.isoformat(timespec="microseconds"),
              "cutoff": cutoff.isoformat(timespec="microseconds"), "events": events,
              "reads": sum(st["reads"] for st in chains.values()), "chains": chains}
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    except OSError as exc:
        raise CheckpointError(f"Checkpointbestand {path} kan niet worden geopend: {exc.strerror}.") from None
    with os.fdopen(fd, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # several workers: one line at a time, each linked to the one before
        previous = _last_line(fh)
        record["prev"] = hashlib.sha256(previous).hexdigest() if previous else START
        record["key"] = keys.primary_id
        record["sig"] = keys.mac(keys.primary_id, _canonical(record))
        fh.seek(0, os.SEEK_END)
        fh.write(_canonical(record) + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    return record


def _last_line(fh) -> bytes:
    """The last complete line of an open binary file, without reading all of it."""
    end = fh.seek(0, os.SEEK_END)
    if end == 0:
        return b""
    block, pos, data = 64 * 1024, end, b""
    while pos > 0:
        step = min(block, pos)
        pos -= step
        fh.seek(pos)
        data = fh.read(step) + data
        if data.rstrip(b"\n").count(b"\n"):
            break
    return data.rstrip(b"\n").rsplit(b"\n", 1)[-1]


def last_written(path: Path) -> datetime | None:
    try:
        with open(path, "rb") as fh:
            line = _last_line(fh)
    except FileNotFoundError:
        return None
    try:
        return datetime.fromisoformat(json.loads(line)["at"]) if line else None
    except (ValueError, KeyError, TypeError):
        return None


def write_if_due(database, settings=None) -> bool:
    """The timer worker's share: a checkpoint when the last one is ``audit_checkpoint_seconds`` old.
    Never raises (a failure is logged; the next round tries again)."""
    from engine.config import Settings

    settings = settings or Settings()  # read fresh: cheap next to a sweep, and follows the environment
    path, interval = settings.audit_checkpoint_file, settings.audit_checkpoint_seconds
    if path is None or not interval or audit_keys().primary_id is None:
        return False
    try:
        previous = last_written(path)
        if previous is not None and now() - previous < timedelta(seconds=interval):
            return False
        with database.session() as session:
            write(session=session, path=path, settle_seconds=settings.audit_checkpoint_settle_seconds)
        return True
    except Exception:
        log.exception("audit checkpoint failed")
        return False


# ------------------------------------------------------------------------------------------- reading

def load_last(path: Path) -> tuple[Checkpoint | None, list[str]]:
    """The last correctly signed checkpoint in ``path`` and the problems of the file (Dutch).

    Every line's signature and its link to the line before are checked."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return None, []
    problems: list[str] = []
    keys = audit_keys()
    last: Checkpoint | None = None
    previous = b""
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            sig, kid = record.pop("sig"), record["key"]
        except (ValueError, KeyError, TypeError, AttributeError):
            problems.append(f"checkpointbestand regel {number}: onleesbaar")
            previous = line
            continue
        expected_prev = hashlib.sha256(previous).hexdigest() if previous else START
        previous = line
        try:
            good = keys.mac(kid, _canonical(record)) == sig
        except AuditKeyMissing as exc:
            problems.append(f"checkpointbestand regel {number}: {exc}")
            continue
        if not good:
            problems.append(f"checkpointbestand regel {number}: handtekening klopt niet (gewijzigd)")
            continue
        if record.get("prev") != expected_prev:
            problems.append(f"checkpointbestand regel {number}: sluit niet aan op de regel ervoor "
                            "(een checkpoint is verwijderd of gewijzigd)")
        last = Checkpoint(
            at=datetime.fromisoformat(record["at"]), cutoff=datetime.fromisoformat(record["cutoff"]),
            events=record["events"], line=number,
            chains={c: ChainState(**st) for c, st in record["chains"].items()})
    return last, problems


def compare(cp: Checkpoint, *, events: int, tail: dict[str, int], at_seq: dict[tuple[str, int], str],
            legacy: dict[str, int], reads: dict[str, list[tuple[datetime, str]]], heads: set[str],
            destroyed: dict[str, int] | None = None) -> list:
    """What the database lost or changed since ``cp`` (Problems naming the chain). ``destroyed``: chains of
    cases destroyed after their retention term (chain -> last seq, from the system chain's tombstones); such a
    chain is expected to be gone when the checkpoint saw no more of it than the tombstone records."""
    from engine.audit.service import Problem

    problems: list[Problem] = []
    if events == 0 and cp.events:
        problems.append(Problem("", f"de audittabel is leeg; {cp.label} telde {cp.events} gebeurtenissen "
                                     f"in {len(cp.chains)} ketens (alles verwijderd)"))
    for chain, st in sorted(cp.chains.items()):
        current = tail.get(chain)
        if current is None and chain not in heads and chain in (destroyed or {}) and st.seq <= destroyed[chain]:
            continue  # destroyed with its case, as the tombstone records
        if current is None and st.seq:
            gone = "en haar kop zijn" if chain not in heads else "is"
            problems.append(Problem(chain, f"keten verwijderd: {cp.label} had {st.seq} gebeurtenissen, "
                                           f"de database geen (de keten {gone} verwijderd)"))
        elif current is not None and current < st.seq:
            problems.append(Problem(chain, f"keten ingekort: {cp.label} eindigt bij volgnummer {st.seq}, de "
                                           f"database bij {current} (de nieuwste {st.seq - current} "
                                           "gebeurtenis(sen) verwijderd en de kop teruggezet)"))
        elif st.seq and at_seq.get((chain, st.seq)) != st.hash:
            problems.append(Problem(chain, f"keten herberekend of gewijzigd: gebeurtenis {st.seq} wijkt af van "
                                           f"{cp.label}"))
        if legacy.get(chain, 0) > st.legacy:
            problems.append(Problem(chain, f"{legacy[chain] - st.legacy} gebeurtenis(sen) zonder sleutel erbij "
                                           f"sinds {cp.label} (keten buiten de applicatie herschreven)"))
        covered = [h for at, h in reads.get(chain, ()) if at <= cp.cutoff]
        if len(covered) < st.reads:
            problems.append(Problem(chain, f"{st.reads - len(covered)} leesgebeurtenis(sen) verwijderd: "
                                           f"{cp.label} telde er {st.reads}, de database {len(covered)}"))
        elif reads_digest(covered) != st.reads_digest:
            problems.append(Problem(chain, f"leesgebeurtenissen gewijzigd of vervangen sinds {cp.label}"))
    for chain, n in sorted(legacy.items()):
        if chain not in cp.chains and n:
            problems.append(Problem(chain, f"nieuwe keten sinds {cp.label} met {n} gebeurtenis(sen) zonder "
                                           "sleutel (buiten de applicatie geschreven)"))
    return problems
