"""Deploying process sets as immutable versions, and the per-version spec cache."""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, event, func, select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.audit.models import AuditEvent, AuditHead
from engine.config import get_settings
from engine.functions import ENGINE_FUNCTIONS
from engine.errors import NotFound, ProcessValidationError, ValidationIssue
from engine.processes.models import ProcessFile, ProcessVersion
from engine.processes.legal_rules import FULFILS_PROPERTY, PRECEDENTS_PROPERTY
from engine.processes.validation import ParsedProcessSet, parse_process_set, read_process_dir


def content_hash(files: dict[str, bytes]) -> str:
    """Hash over paths and contents, independent of order."""
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.encode() + b"\0" + hashlib.sha256(files[path]).digest())
    return h.hexdigest()


def _template_exists():
    try:
        from documents.checks import template_exists
    except ModuleNotFoundError:  # pragma: no cover - until documents exist
        return None
    return template_exists


def _template_fields():
    try:
        from documents.checks import template_fields
    except ModuleNotFoundError:  # pragma: no cover - until documents exist
        return None
    return template_fields


def _engine_reads() -> frozenset[str]:
    """Form fields the engine's own reports read (case summary, management information)."""
    from engine.cases.service import SUMMARY_KEYS  # the case service imports this module

    return frozenset(SUMMARY_KEYS)


def _files_from(directory: Path | None, files: dict[str, bytes] | None) -> dict[str, bytes]:
    if files is not None:
        return dict(files)
    return read_process_dir(Path(directory or get_settings().processes_dir))


def parse(files: dict[str, bytes], *, prove_legal: bool = True) -> ParsedProcessSet:
    return parse_process_set(files, functions=ENGINE_FUNCTIONS, template_exists=_template_exists(),
                             prove_legal=prove_legal, template_fields=_template_fields(),
                             engine_reads=_engine_reads() if prove_legal else frozenset())


def check(*, directory: Path | None = None, files: dict[str, bytes] | None = None) -> list[ValidationIssue]:
    """Validate without deploying; an empty list means the set is valid."""
    try:
        parse(_files_from(directory, files))
    except ProcessValidationError as exc:
        return exc.issues
    return []


# --- access: one decision for the API and the web ------------------------------------------------------------
# Validating, deploying, activating and migrating process versions, and checking letter templates: the process
# owner only (reading the deployed files is for all staff).
PROCESS_OWNER = "procesbeheerder"


def may_manage_processes(user) -> bool:
    return bool(user.active) and PROCESS_OWNER in user.role_codes


def require_process_owner(user) -> None:
    if not may_manage_processes(user):
        from engine.errors import NotAuthorized

        raise NotAuthorized("Alleen procesbeheerders beheren processen.")


@dataclass(frozen=True)
class DeployOutcome:
    """What a deployment did: ``nieuw`` (a new version, now active), ``geactiveerd`` (the files of an earlier
    version: that version is active again) or ``ongewijzigd`` (the active version's own files: nothing changed)."""
    version: ProcessVersion
    outcome: str

    @property
    def message(self) -> str:
        """For the CLI and the API."""
        v = f"Procesversie {self.version.id} ({self.version.content_hash[:12]})"
        return {"nieuw": f"{v} is uitgerold en actief.",
                "geactiveerd": f"{v} is weer actief: de bestanden zijn die van deze eerdere versie.",
                "ongewijzigd": f"{v} is actief."}[self.outcome]

    @property
    def page_message(self) -> str:
        """For the process owners' page."""
        v = f"Versie {self.version.id}"
        return {"nieuw": f"{v} is uitgerold en wordt gebruikt voor nieuwe meldingen.",
                "geactiveerd": f"De bestanden zijn die van {v.lower()}: die versie wordt weer gebruikt voor nieuwe "
                               "meldingen. Lopende zaken blijven op hun eigen versie.",
                "ongewijzigd": f"Niets gewijzigd: {v.lower()} werd al gebruikt voor nieuwe meldingen."}[self.outcome]


def deploy(*, session: Session, directory: Path | None = None, files: dict[str, bytes] | None = None,
           actor: str = "system") -> ProcessVersion:
    """Deploy a process set; the deployed version is the active one afterwards (see :func:`deploy_files`)."""
    return deploy_files(session=session, directory=directory, files=files, actor=actor).version


def deploy_files(*, session: Session, directory: Path | None = None, files: dict[str, bytes] | None = None,
                 actor: str = "system", override: str | None = None) -> DeployOutcome:
    """Deploy a process set. New files: a new version. Files of an earlier version: that version becomes the
    active one again (a rollback, audited as ``process.activated``). The active version's own files: nothing
    changes (audited as a deploy without change).

    New files need a passed rehearsal against the compliance scenarios (``engine.processes.rehearsal``) or an
    ``override``: the reason to deploy without one, audited; without either, ``RehearsalRequired``."""
    files = _files_from(directory, files)
    digest = content_hash(files)
    existing = session.execute(
        select(ProcessVersion).where(ProcessVersion.content_hash == digest)
    ).scalar_one_or_none()
    if existing is not None:
        if active_version(session=session).id == existing.id:
            audit.append(session=session, actor=actor, action="process.deployed",
                         details={"version": existing.id, "hash": digest, "unchanged": True})
            return DeployOutcome(existing, "ongewijzigd")
        activate(session=session, version_id=existing.id, actor=actor)
        return DeployOutcome(existing, "geactiveerd")
    parsed = parse(files)  # raises ProcessValidationError naming file/element
    from engine.processes import rehearsal

    rehearsal.gate(session=session, files=files, content_hash=digest, actor=actor, override=override)
    version = ProcessVersion(content_hash=digest, main_process_id=parsed.manifest.main_process, deployed_by=actor)
    version.files = [
        ProcessFile(path=p, sha256=hashlib.sha256(c).hexdigest(), content=c) for p, c in sorted(files.items())
    ]
    session.add(version)
    session.flush()
    _cache.put(version.id, digest, parsed)
    audit.append(session=session, actor=actor, action="process.deployed",
                 details={"version": version.id, "hash": digest, "files": sorted(files)})
    return DeployOutcome(version, "nieuw")


ACTIVATED = "process.activated"


def activate(*, session: Session, version_id: int, actor: str) -> ProcessVersion:
    """Make an earlier deployed version the one new cases start on. Running cases keep their own version.

    Recorded only in the audit log (``process.activated``, with the newest version id at that moment): a later
    deployment of new files makes that newer version active again."""
    version = session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound("Procesversie niet gevonden.")
    previous = active_version(session=session)
    if previous.id == version.id:
        return version
    newest = session.execute(select(func.max(ProcessVersion.id))).scalar_one()
    audit.append(session=session, actor=actor, action=ACTIVATED,
                 details={"version": version.id, "hash": version.content_hash, "previous": previous.id,
                          "newest": newest})
    return version


def active_version(*, session: Session) -> ProcessVersion:
    """The version new cases start on: the newest deployed version, unless an earlier one was activated
    (a rollback) after it was deployed."""
    newest = session.execute(select(ProcessVersion).order_by(ProcessVersion.id.desc()).limit(1)).scalar_one_or_none()
    if newest is None:
        raise NotFound("Er is nog geen proces uitgerold.")
    details = _last_activation(session)
    if details and details.get("newest") == newest.id and details.get("version") != newest.id:
        chosen = session.get(ProcessVersion, details.get("version"))
        if chosen is not None:
            return chosen
    return newest


latest_version = active_version  # the version for new cases (older name)


def active_parsed(*, session: Session) -> ParsedProcessSet:
    """The parsed specs of the :func:`active_version`, without loading its files (the parsed set is cached per
    process): a lean read for hot pages (the worklist's deadline roles). Remembered for the session's transaction."""
    known = session.info.get("active_parsed")
    if known is not None:
        return known
    newest = session.execute(select(ProcessVersion.id, ProcessVersion.content_hash)
                             .order_by(ProcessVersion.id.desc()).limit(1)).first()
    if newest is None:
        raise NotFound("Er is nog geen proces uitgerold.")
    details = _last_activation(session)
    chosen = newest
    if details and details.get("newest") == newest.id and details.get("version") != newest.id:
        chosen = session.execute(select(ProcessVersion.id, ProcessVersion.content_hash)
                                 .where(ProcessVersion.id == details.get("version"))).first() or newest
    parsed = parsed_version(session=session, version_id=chosen.id, content_hash=chosen.content_hash)
    session.info["active_parsed"] = parsed
    return parsed


@event.listens_for(Session, "after_transaction_end")
def _forget_active(session: Session, transaction) -> None:
    if transaction.parent is None:  # a deployment or activation in a later transaction is seen
        session.info.pop("active_parsed", None)


_activations: dict[str, tuple[int, str, dict | None]] = {}  # database -> (system seq scanned, its hash, last)
_activations_lock = threading.Lock()


def _last_activation(session: Session) -> dict | None:
    """The details of the newest ``process.activated`` event. Each process remembers how far it read the system
    chain and reads only the events after that (an index range on (chain, seq)), so starting a case does not scan
    the whole audit log. A transaction that itself wrote to the system chain reads without the memory."""
    query = select(AuditEvent.details).where(AuditEvent.chain == "system", AuditEvent.action == ACTIVATED)
    if audit.holds_chain(session, "system"):
        return session.execute(query.order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()
    head = session.execute(select(AuditHead.seq, AuditHead.hash).where(AuditHead.chain == "system")).first()
    if head is None:
        return None
    key = str(session.get_bind().url)
    seen = _activations.get(key)
    start, details = 0, None
    if seen is not None and seen[0] <= head.seq and session.execute(
            select(AuditEvent.hash).where(AuditEvent.chain == "system", AuditEvent.seq == seen[0])
    ).scalar_one_or_none() == seen[1]:
        start, details = seen[0], seen[2]
    if head.seq > start:
        newer = session.execute(query.where(AuditEvent.seq > start, AuditEvent.seq <= head.seq)
                                .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()
        details = newer if newer is not None else details
    with _activations_lock:
        _activations[key] = (head.seq, head.hash, details)
    return details


def running_cases(*, session: Session, reader=None) -> dict[int, int]:
    """Per version id: how many cases that are not closed run on it. ``reader``: who reads the figure (every
    logged-in user may list the versions); a case they are excluded from is not counted for them
    (``engine.identity.access.counted_condition``: "one more case running" must not tell its subject they were
    reported). None (the command line, the engine's own decisions): every case."""
    from engine.cases.models import Case

    stmt = select(Case.process_version_id, func.count(Case.id)).where(Case.status != "closed",
                                                                       Case.process_version_id.is_not(None))
    if reader is not None:
        from engine.identity.access import counted_condition

        stmt = stmt.where(counted_condition(reader))
    rows = session.execute(stmt.group_by(Case.process_version_id))
    return {vid: n for vid, n in rows}


def draft_files(*, session: Session) -> dict[str, bytes]:
    """The process set a process owner edits: the active version's files (the shipped ``processes/``
    when nothing is deployed yet). An uploaded file replaces its namesake before it is checked or deployed."""
    try:
        return {f.path: f.content for f in latest_version(session=session).files}
    except NotFound:
        return read_process_dir(get_settings().processes_dir)


def find_version(*, session: Session, version_id: int | None) -> ProcessVersion | None:
    """The process version of ``version_id``, or None (no id, or no such version)."""
    return session.get(ProcessVersion, version_id) if version_id is not None else None


def get_version(*, session: Session, version_id: int) -> ProcessVersion:
    """The process version of ``version_id``; :class:`NotFound` otherwise."""
    version = find_version(session=session, version_id=version_id)
    if version is None:
        raise NotFound("Procesversie niet gevonden.")
    return version


def version_hash(*, session: Session, version_id: int | None) -> str | None:
    """The content hash of a process version (a deployed version never changes: an ETag's ground)."""
    if version_id is None:
        return None
    return session.scalar(select(ProcessVersion.content_hash).where(ProcessVersion.id == version_id))


def list_versions(*, session: Session) -> list[ProcessVersion]:
    return list(session.execute(select(ProcessVersion).order_by(ProcessVersion.id)).scalars())


def version_file(version: ProcessVersion, path: str | None) -> tuple[str, bytes]:
    """A process file of ``version`` to read: ``path`` (a BPMN or DMN file of it), or without one the BPMN file that
    holds the main process. :class:`NotFound` otherwise."""
    files = {f.path: f.content for f in version.files}
    if path is not None:
        if path not in files or not path.endswith((".bpmn", ".dmn")):
            raise NotFound("Bestand niet gevonden in deze procesversie.")
        return path, files[path]
    marker = f'id="{version.main_process_id}"'.encode()
    for name, content in files.items():
        if name.endswith(".bpmn") and marker in content:
            return name, content
    raise NotFound("Geen BPMN-bestand met het hoofdproces gevonden.")


def case_process_file(*, session: Session, case, path: str | None) -> tuple[str, bytes]:
    """A process file of the version ``case`` runs on (the caller decided that the user sees the case): the one door
    for the API's ``/zaken/{id}/bpmn`` and the case page's diagram. A case without a process version (imported
    from history) has none: :class:`NotFound`, on both surfaces."""
    version = session.get(ProcessVersion, case.process_version_id) if case.process_version_id else None
    if version is None:
        raise NotFound("Procesversie niet gevonden.")
    return version_file(version, path)


@dataclass
class _Entry:
    content_hash: str
    parsed: ParsedProcessSet


class _SpecCache:
    """Parsed specs per version id, parsed once per process (versions are immutable)."""

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, version_id: int, content_hash: str) -> ParsedProcessSet | None:
        entry = self._entries.get(version_id)
        # A different hash means another database reused the id (tests): reparse.
        return entry.parsed if entry and entry.content_hash == content_hash else None

    def put(self, version_id: int, content_hash: str, parsed: ParsedProcessSet) -> None:
        with self._lock:
            self._entries[version_id] = _Entry(content_hash, parsed)


_cache = _SpecCache()


_HASH_OF_VERSION = select(ProcessVersion.content_hash).where(ProcessVersion.id == bindparam("version_id"))
_SEEN = "parsed_versions_seen"  # session.info: version id -> parsed set, read in the current transaction
_HASHES = "version_hashes_read"  # session.info: version id -> its hash, read with another row in this transaction


def hash_read(session: Session, version_id: int | None, content_hash: str | None) -> None:
    """``content_hash`` of version ``version_id`` was just read through ``session`` in its current transaction,
    with another row (issue 25: the task access decision reads it with the item and the case): a later
    :func:`parsed_version` in the same transaction needs no read of its own. Forgotten with what
    :func:`parsed_version` read itself (:func:`_forget_seen_versions`)."""
    if version_id is not None and content_hash is not None:
        session.info.setdefault(_HASHES, {})[version_id] = content_hash


def parsed_version(*, session: Session, version_id: int, content_hash: str | None = None,
                   hash_read_here: bool = False) -> ParsedProcessSet:
    """The parsed specs of a version, from the cache. Pass ``content_hash`` when the caller
    already loaded it (saves a query); the hash guards against a reused id in another database.
    ``hash_read_here``: the caller read that hash through ``session`` in its current transaction, so it is kept
    for the rest of the transaction as a hash read here would be (issue 25: a completion read it with its item).

    Without ``content_hash`` the hash is read once per transaction: a task page asks for its version up to five
    times (issue 25). What was read is forgotten at the end of every savepoint and of the outermost transaction
    (:func:`_forget_seen_versions`), so a version created in a savepoint or transaction that was rolled back
    cannot be answered for another one that got its id (SQLite reuses ids)."""
    if content_hash is None:
        seen = session.info.get(_SEEN)
        if seen is not None and version_id in seen:
            return seen[version_id]
        content_hash = (session.info.get(_HASHES) or {}).get(version_id)
        hash_read_here = content_hash is not None  # read in this transaction (hash_read)
    digest = content_hash or session.execute(_HASH_OF_VERSION, {"version_id": version_id}).scalar_one_or_none()
    if digest is None:
        raise NotFound("Procesversie niet gevonden.")
    parsed = _cache.get(version_id, digest)
    if parsed is None:
        version = session.get(ProcessVersion, version_id)
        parsed = parse({f.path: f.content for f in version.files}, prove_legal=False)  # proven at deploy
        _cache.put(version_id, digest, parsed)
    if content_hash is None or hash_read_here:  # read in this transaction (a caller's hash may come from anywhere)
        session.info.setdefault(_SEEN, {})[version_id] = parsed
    return parsed


@event.listens_for(Session, "after_transaction_end")
def _forget_seen_versions(session: Session, transaction) -> None:
    # Every savepoint's end (released or rolled back, also by a failed flush) and the outermost transaction's end;
    # a flush's own subtransaction ends inside them and changes nothing that was read.
    if transaction.nested or transaction.parent is None:
        session.info.pop(_SEEN, None)
        session.info.pop(_HASHES, None)


# --------------------------------------------------------------------------- what tasks mean

INTAKE_PROPERTY = "intake"
FULFILS_WHEN_PROPERTY = "fulfils_when"


def elements_fulfilling(parsed: ParsedProcessSet, milestone: str) -> frozenset[str]:
    """The user tasks whose completion fulfils a legal milestone (BPMN property ``fulfils``).

    What a task means to the product is declared in the process files, never by its element id."""
    return frozenset(meta.element_id for meta in parsed.tasks.values()
                     if milestone in _listed(meta.properties.get(FULFILS_PROPERTY)))


def fulfils_when(parsed: ParsedProcessSet, element_id: str) -> str | None:
    """The condition on the submitted answers under which the task fulfils its milestone (``fulfils_when``)."""
    meta = parsed.tasks.get(element_id)
    value = (meta.properties.get(FULFILS_WHEN_PROPERTY) or "").strip() if meta is not None else ""
    return value or None


def holds(condition: str, data: dict) -> bool:
    """A declared condition over a task's submitted answers, evaluated in the script sandbox; a name the
    answers lack makes it false."""
    from engine.processes.sandbox import SandboxEnvironment

    try:
        return bool(SandboxEnvironment(ENGINE_FUNCTIONS).evaluate(condition, dict(data)))
    except NameError:
        return False


def shows_precedents(parsed: ParsedProcessSet, element_id: str) -> bool:
    """Whether a task shows earlier decisions of the same category (BPMN property ``shows_precedents``)."""
    meta = parsed.tasks.get(element_id)
    return meta is not None and (meta.properties.get(PRECEDENTS_PROPERTY) or "").strip().lower() == "true"


def intake_elements(parsed: ParsedProcessSet) -> frozenset[str]:
    """The desk's registration of a report (BPMN property ``intake``; deployment allows one)."""
    return frozenset(meta.element_id for meta in parsed.tasks.values()
                     if (meta.properties.get(INTAKE_PROPERTY) or "").strip().lower() == "true")


def intake_form(parsed: ParsedProcessSet) -> dict:
    """The form of the registration task: it defines the report's fields, e.g. the category list the public
    form offers. Empty when no task declares ``intake``."""
    for element in intake_elements(parsed):
        form = parsed.tasks[element].form
        if form:
            return parsed.forms.get(form) or {}
    return {}


def _listed(raw: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (raw or "").split(",") if part.strip())
