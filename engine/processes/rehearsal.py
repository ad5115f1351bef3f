"""Rehearsal: the compliance scenarios (features/) run against a draft process set before it is deployed.

``rehearse`` writes the draft to a temporary folder and runs the chosen scenarios (all, or a subset by feature
file, exact scenario name or tag, as ``meldpunt scenarios``) in a process of their own, with
``MELDPUNT_REPETITIE_PROCESSEN`` pointing at the draft: every scenario then deploys the draft on its own test
database, never on the application's. The result per scenario (name, outcome, failing step) is returned and
recorded in the audit log as ``process.rehearsed`` with the draft's content hash.

Deploying a draft needs a passed rehearsal of exactly those files (``MELDPUNT_REPETITIE=verplicht``, the
default) or an explicit reason to go without, recorded as ``process.rehearsal_overridden``
(:func:`gate`, called by ``engine.processes.service.deploy_files``). Not needed for the files of an earlier
version (a rollback) or for the shipped ``processes/`` folder itself, which the project's own test run rehearses.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.audit.models import AuditEvent
from engine.config import PROJECT_ROOT, get_settings
from engine.errors import DomainError

REHEARSED = "process.rehearsed"
OVERRIDDEN = "process.rehearsal_overridden"
ENV_VAR = "MELDPUNT_REPETITIE_PROCESSEN"
MIN_REASON = 10  # characters of a reason to deploy without a passed rehearsal


class RehearsalRequired(DomainError):
    code = "rehearsal-required"
    title = "Repeteer de processet eerst tegen de compliancescenario's"
    status = 409


@dataclass(frozen=True)
class ScenarioResult:
    file: str
    scenario: str
    result: str  # geslaagd | MISLUKT | overgeslagen | niet gedraaid
    step: str = ""  # the failing step: "regel N: Dan ..."
    message: str = ""
    example: str = ""

    @property
    def failed(self) -> bool:
        return self.result not in ("geslaagd", "overgeslagen")

    def line(self) -> str:
        label = self.scenario + (f" [{self.example}]" if self.example else "")
        text = f"{self.result:<12} {self.file}: {label}"
        if self.failed and self.step:
            text += f"\n             stap {self.step}"
        if self.failed and self.message:
            text += "".join(f"\n             {line}" for line in self.message.splitlines()[:3])
        return text


@dataclass(frozen=True)
class Rehearsal:
    content_hash: str
    selection: tuple[str, ...]
    scenarios: tuple[ScenarioResult, ...] = field(default_factory=tuple)
    error: str | None = None  # the scenarios could not be run (a wrong selection, a broken draft)

    @property
    def passed(self) -> bool:
        return self.error is None and bool(self.scenarios) and not any(s.failed for s in self.scenarios)

    @property
    def summary(self) -> str:
        if self.error:
            return f"Repetitie niet gelukt: {self.error}"
        failed = sum(s.failed for s in self.scenarios)
        return (f"Repetitie: {len(self.scenarios) - failed} van {len(self.scenarios)} scenario's geslaagd"
                + (f", {failed} mislukt." if failed else "."))


def rehearse(*, session: Session, files: Mapping[str, bytes], selection: list[str] | tuple[str, ...] = (),
             actor: str = "system") -> Rehearsal:
    """Run the chosen scenarios (none chosen: all) against ``files`` and record the outcome in the audit log.

    The scenarios take a minute or more in a process of their own. ``session``'s transaction is ended before they
    run, so that no transaction stays open meanwhile: on SQLite a writer's transaction holds the database-wide write
    lock (every report, step and timer would wait for the rehearsal and then fail), on PostgreSQL an idle
    transaction is ended by the server after ``db_idle_in_transaction_timeout_ms``. So call it before writing
    anything in ``session`` (the callers only read first); the outcome is recorded in a new transaction of the same
    session. The scenarios' process is stopped after ``repetitie_timeout_seconds``."""
    from engine.processes.service import content_hash

    if session.new or session.dirty or session.deleted:
        raise RuntimeError("rehearse() ends the session's transaction: call it before writing anything")
    session.commit()  # only reads so far: nothing is written, the locks and the snapshot are let go
    digest = content_hash(dict(files))
    with tempfile.TemporaryDirectory(prefix="meldpunt-repetitie-") as tmp:
        draft = Path(tmp) / "processen"
        for path, content in files.items():
            target = draft / path
            if not target.resolve().is_relative_to(draft.resolve()):
                continue  # a path outside the draft folder is never written
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        out = Path(tmp) / "uitkomst.json"
        # the scenarios run on a temporary SQLite database of their own, never on the application's
        env = {k: v for k, v in os.environ.items()
               if k not in ("MELDPUNT_DATABASE_URL", "MELDPUNT_TEST_DATABASE_URL")}
        # (the scenarios deploy the draft there themselves: no rehearsal of the rehearsal)
        env.update({ENV_VAR: str(draft), "PYTHONPATH": str(PROJECT_ROOT), "MELDPUNT_REPETITIE": "uit"})
        limit = get_settings().repetitie_timeout_seconds
        try:
            subprocess.run([sys.executable, "-m", "features.rehearsal", str(out), *selection], cwd=PROJECT_ROOT,
                           env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=limit)
        except subprocess.TimeoutExpired:  # run() has killed the scenarios' process
            raw = {"fout": f"de scenario's liepen langer dan {_duration(limit)} en zijn gestopt. Kies minder "
                           f"scenario's of vraag de beheerder de grens (MELDPUNT_REPETITIE_TIMEOUT_SECONDS) te "
                           f"verhogen.", "scenarios": []}
        else:
            try:
                raw = json.loads(out.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                raw = {"fout": "De scenario's konden niet worden gedraaid.", "scenarios": []}
    results = tuple(ScenarioResult(file=s["file"], scenario=s["scenario"], result=s["result"], step=s["step"] or "",
                                   message=(s["message"] or "")[:2000], example=s["example"] or "")
                    for s in raw.get("scenarios", []))
    rehearsal = Rehearsal(digest, tuple(selection), results, raw.get("fout"))
    if rehearsal.error is None and not results:
        rehearsal = Rehearsal(digest, tuple(selection), results, "er is geen scenario gedraaid")
    audit.append(session=session, actor=actor, action=REHEARSED, details={
        "hash": digest, "keuze": list(selection), "geslaagd": rehearsal.passed, "fout": rehearsal.error,
        "scenarios": len(results),
        "mislukt": [{"scenario": s.scenario, "bestand": s.file, "stap": s.step} for s in results if s.failed]})
    return rehearsal


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:g} minuten"
    return f"{seconds:g} seconde" + ("" if seconds == 1 else "n")


def last_rehearsal(*, session: Session, content_hash: str) -> dict | None:
    """The details of the newest recorded rehearsal of exactly these files, or None."""
    rows = session.execute(select(AuditEvent.details).where(AuditEvent.chain == "system",
                                                            AuditEvent.action == REHEARSED)
                           .order_by(AuditEvent.seq.desc()).limit(500)).scalars()
    return next((d for d in rows if (d or {}).get("hash") == content_hash), None)


def required() -> bool:
    return get_settings().repetitie == "verplicht"


def gate(*, session: Session, files: Mapping[str, bytes], content_hash: str, actor: str,
         override: str | None) -> None:
    """Refuse to deploy new files without a passed rehearsal, unless a reason is given (audited)."""
    from engine.processes.service import content_hash as hash_of
    from engine.processes.validation import read_process_dir

    if not required():
        return
    shipped = get_settings().processes_dir
    if Path(shipped).is_dir() and hash_of(read_process_dir(shipped)) == content_hash:
        return  # the shipped set: rehearsed by the project's own test run
    last = last_rehearsal(session=session, content_hash=content_hash)
    if last is not None and last.get("geslaagd"):
        return
    state = "niet gedraaid" if last is None else "mislukt"
    reason = (override or "").strip()
    if len(reason) < MIN_REASON:
        raise RehearsalRequired(
            f"De repetitie van deze bestanden is {state}. Repeteer eerst (meldpunt processes repeteren), of rol uit "
            f"met een reden van minstens {MIN_REASON} tekens waarom het zonder geslaagde repetitie moet.")
    audit.append(session=session, actor=actor, action=OVERRIDDEN,
                 details={"hash": content_hash, "repetitie": state, "reden": reason,
                          "mislukt": (last or {}).get("mislukt", [])})
