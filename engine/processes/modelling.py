"""In-browser modelling (issue 18): a process owner edits the BPMN files of the active process set as a draft of
their own, checks it with the same check as a deployment (:func:`engine.processes.service.check`), sees the
differences with the active version (:mod:`engine.processes.diff`) and deploys it
(:func:`engine.processes.service.deploy_files`, audited there).

A draft is kept per user and per file (table ``process_drafts``) until it is deployed or discarded, so a reload
loses nothing. Only files that exist in the active set can be edited (the layout of ``processes/`` does not change);
the saved file is the BPMN XML as the modeller wrote it, read exactly like a hand edit.
"""
from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.clock import now
from engine.errors import FieldError, InvalidData, NotAuthorized, NotFound, ProcessValidationError, ValidationIssue
from engine.identity.models import User
from engine.processes import diff as process_diff, service as processes
from engine.processes.models import ProcessDraft

PROCESS_OWNER = processes.PROCESS_OWNER
EDITABLE_SUFFIXES = (".bpmn", ".dmn")
MAX_FILE_BYTES = 2 * 1024 * 1024


def may_model(user: User) -> bool:
    """Only process owners model processes in the browser (``engine.processes.service.may_manage_processes``)."""
    return processes.may_manage_processes(user)


def require_modeller(user: User) -> None:
    if not may_model(user):
        raise NotAuthorized("Alleen procesbeheerders wijzigen processen.")


def active_files(*, session: Session) -> dict[str, bytes]:
    """The process set the drafts start from: the active version's files (``processes/`` before any deployment)."""
    return processes.draft_files(session=session)


def editable(files: dict[str, bytes]) -> list[str]:
    return sorted(p for p in files if "/" not in p and p.endswith(EDITABLE_SUFFIXES))


def drafts(*, session: Session, user: User) -> dict[str, ProcessDraft]:
    require_modeller(user)
    rows = session.execute(select(ProcessDraft).where(ProcessDraft.username == user.username)).scalars()
    return {d.path: d for d in rows}


def draft_set(*, session: Session, user: User) -> dict[str, bytes]:
    """The active files with this user's drafts in their place."""
    base = active_files(session=session)
    return {**base, **{p: d.content for p, d in drafts(session=session, user=user).items() if p in base}}


def file_content(*, session: Session, user: User, path: str) -> bytes:
    """One editable file as this user sees it: their draft, else the active version's file."""
    files = draft_set(session=session, user=user)
    if path not in editable(files):
        raise NotFound("Dit procesbestand bestaat niet in de actieve versie.")
    return files[path]


def save(*, session: Session, user: User, path: str, content: bytes) -> list[ValidationIssue]:
    """Keep ``content`` as this user's draft of ``path`` and check the whole draft set as a deployment would.
    The draft is kept also when it is invalid (nothing is deployed); the issues are returned."""
    require_modeller(user)
    if path not in editable(active_files(session=session)):
        raise InvalidData([FieldError("bestand", "kies een BPMN- of DMN-bestand van de actieve versie")],
                          detail="Kies een BPMN- of DMN-bestand van de actieve versie.")
    if not content.strip():
        raise InvalidData([FieldError("inhoud", "het bestand is leeg")], detail="Het bestand is leeg.")
    if len(content) > MAX_FILE_BYTES:
        raise InvalidData([FieldError("inhoud", "het bestand is groter dan 2 MB")],
                          detail="Het bestand is groter dan 2 MB.")
    existing = drafts(session=session, user=user).get(path)
    if existing is None:
        session.add(ProcessDraft(username=user.username, path=path, content=content, saved_at=now()))
    else:
        existing.content, existing.saved_at = content, now()
    session.flush()
    return check(session=session, user=user)


def check(*, session: Session, user: User) -> list[ValidationIssue]:
    return processes.check(files=draft_set(session=session, user=user))


def differences(*, session: Session, user: User) -> list[process_diff.Change]:
    """What deploying this user's draft would change, against the active version."""
    require_modeller(user)
    return process_diff.diff_files(active_files(session=session), draft_set(session=session, user=user))


def discard(*, session: Session, user: User) -> None:
    require_modeller(user)
    session.execute(delete(ProcessDraft).where(ProcessDraft.username == user.username))


def rehearse(*, session: Session, user: User, selection: list[str] | tuple[str, ...] = ()):
    """Rehearse this user's draft set against the compliance scenarios (``engine.processes.rehearsal``); a
    passed rehearsal of exactly these files lets :func:`deploy` go without a reason. Refused while invalid."""
    from engine.processes import rehearsal

    if not drafts(session=session, user=user):
        raise InvalidData([FieldError("concept", "er is geen gewijzigd bestand")],
                          detail="Er is niets te repeteren: u heeft nog geen wijziging opgeslagen.")
    files = draft_set(session=session, user=user)
    issues = processes.check(files=files)
    if issues:
        raise ProcessValidationError(issues)
    return rehearsal.rehearse(session=session, files=files, selection=selection, actor=user.username)


def rehearsal_state(*, session: Session, user: User) -> dict:
    """Whether deploying this user's draft needs a rehearsal, and the newest one of exactly these files."""
    from engine.processes import rehearsal

    files = draft_set(session=session, user=user)
    last = rehearsal.last_rehearsal(session=session, content_hash=processes.content_hash(files))
    return {"required": rehearsal.required(), "last": last,
            "passed": bool(last and last.get("geslaagd"))}


def deploy(*, session: Session, user: User, override: str | None = None) -> processes.DeployOutcome:
    """Deploy this user's draft set (checked again; refused while invalid) and discard the draft. Without a
    passed rehearsal of exactly these files, ``override`` gives the reason (audited), as on the page Processen."""
    mine = drafts(session=session, user=user)
    if not mine:
        raise InvalidData([FieldError("concept", "er is geen gewijzigd bestand")],
                          detail="Er is niets om uit te rollen: u heeft nog geen wijziging opgeslagen.")
    files = draft_set(session=session, user=user)
    issues = processes.check(files=files)
    if issues:
        raise ProcessValidationError(issues)
    outcome = processes.deploy_files(session=session, files=files, actor=user.username, override=override)
    discard(session=session, user=user)
    return outcome
