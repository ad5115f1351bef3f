"""Produce, correct, list and fetch letters. Plain functions, explicit session.

``check_letter`` runs inside a step's transaction: it checks everything rendering would (placeholders, the
recipient's allow-list, the leak guard) without producing the document, and raises :class:`LetterRenderError`
so the step rolls back. ``produce_letter`` renders, stores and flushes in the caller's transaction: the letter
worker's after the step's commit (engine.letter_outbox), an identity reveal's notice in its own.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Any, Mapping, Sequence

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, undefer

from documents.catalog import Catalogue, catalogue_or_default
from documents.checks import REPORTER
from documents.context import build_context, leak_check
from documents.errors import LetterIntegrityError, LetterNotFound, LetterRenderError
from documents.leakguard import Vocabulary
from documents.models import Letter
from documents.render import (Templates, render_docx, render_docx_and_text, render_text, template_bytes,
                              template_sha256)
from documents.storage import get_store
from engine.clock import now

log = logging.getLogger(__name__)


def render_letter(*, template: str, recipient: str, data: Mapping[str, Any], settings: Mapping[str, Any],
                  case_reference: str, templates_dir: Templates = None,
                  guard: Sequence[Mapping[str, Any]] = (),
                  vocabulary: Vocabulary | None = None, catalogue: Catalogue | None = None) -> tuple[bytes, str]:
    """Render without storing; returns (docx bytes, template sha256). ``templates_dir``: a folder, or the
    templates of the case's process version (name → bytes; a running case renders with its own version's). ``guard``: further case data whose
    confidential values the letter must not contain either (see :func:`documents.context.leak_check`);
    ``vocabulary``: the leak guard's measures and general terms of the case's process version (default:
    the shipped process); ``catalogue``: the letters and allow-lists the version declares (default: shipped)."""
    source = template_bytes(template, templates_dir)
    if source is None:
        raise LetterRenderError(f"Sjabloon '{template}' bestaat niet", template=template)
    _refuse_reporter_letter_elsewhere(template, recipient, catalogue)
    context = build_context(recipient=recipient, data=data, settings=settings, case_reference=case_reference,
                            catalogue=catalogue)
    content, text = render_docx_and_text(source, context, name=template)
    leak_check(template=template, recipient=recipient, data=data, text=text, guard=guard,
               vocabulary=vocabulary, settings=settings, catalogue=catalogue)
    return content, template_sha256(source)


def check_letter(*, template: str, recipient: str, data: Mapping[str, Any], settings: Mapping[str, Any],
                 case_reference: str, templates_dir: Templates = None, guard: Sequence[Mapping[str, Any]] = (),
                 vocabulary: Vocabulary | None = None, catalogue: Catalogue | None = None) -> str:
    """Everything :func:`render_letter` checks, without producing the document (issue 25): the template exists,
    the recipient may get it, every placeholder is filled with what the recipient may see, and the leak guard
    passes over the letter's text (:func:`documents.render.render_text`: the same strict rendering, the text as
    it will stand in the .docx). Raises :class:`LetterRenderError` as rendering would. Returns the template's
    sha256. Runs inside a step's transaction; the .docx is rendered after commit (engine.letter_outbox)."""
    source = template_bytes(template, templates_dir)
    if source is None:
        raise LetterRenderError(f"Sjabloon '{template}' bestaat niet", template=template)
    _refuse_reporter_letter_elsewhere(template, recipient, catalogue)
    context = build_context(recipient=recipient, data=data, settings=settings, case_reference=case_reference,
                            catalogue=catalogue)
    leak_check(template=template, recipient=recipient, data=data, text=render_text(source, context, name=template),
               guard=guard, vocabulary=vocabulary, settings=settings, catalogue=catalogue)
    return template_sha256(source)


def _refuse_reporter_letter_elsewhere(template: str, recipient: str, catalogue: Catalogue | None) -> None:
    spec = catalogue_or_default(catalogue).letters.get(template)
    if spec is not None and spec.recipient == REPORTER and recipient != REPORTER:
        # a process version stored before the static check cannot send the reporter's letter past the guard
        raise LetterRenderError(f"Sjabloon '{template}' is een brief aan de melder en gaat alleen als brief aan de "
                                f"melder uit (door de lekbewaking), niet aan '{recipient}'", template=template)


def letter_title(template: str, catalogue: Catalogue | None = None) -> str:
    """The letter's name as people know it (the catalogue's title), never the template id when known."""
    spec = catalogue_or_default(catalogue).letters.get(template)
    return spec.title if spec else "van deze stap"


def recipient_label(recipient: str, catalogue: Catalogue | None = None) -> str:
    """The recipient as people say it ("de melder", "politie/OM"): the process set's ``ontvanger_namen``
    (letters.json), never the process files' code when known."""
    return catalogue_or_default(catalogue).recipient_label(recipient)


def missing_data(*, template: str, recipient: str, data: Mapping[str, Any], settings: Mapping[str, Any],
                 case_reference: str, templates_dir: Templates = None, limit: int = 25,
                 catalogue: Catalogue | None = None) -> list[str]:
    """The case-data keys ``template`` needs for ``recipient`` that ``data`` lacks (top-level keys, in the
    order the template asks for them); ``[]`` when the letter renders. Rendering stops at the first missing
    value, so each one found is stood in for and the render tried again (at most ``limit`` times)."""
    path = template_bytes(template, templates_dir)
    if path is None:
        return []
    missing: list[str] = []
    context = build_context(recipient=recipient, data=data, settings=settings, case_reference=case_reference,
                            catalogue=catalogue)
    for _ in range(limit):
        try:
            render_docx(path, context, name=template)
            break
        except LetterRenderError as exc:
            if not exc.placeholder or "." in exc.placeholder or exc.placeholder in missing:
                break  # not a plain case-data key (or a stand-in did not satisfy it): stop here
            missing.append(exc.placeholder)
            context[exc.placeholder] = "…"
    return missing


_LATEST_VERSION = None


def _latest_version_statement():
    """The highest version of a case's letter (step, template, recipient), built once (issue 25)."""
    global _LATEST_VERSION
    if _LATEST_VERSION is None:
        _LATEST_VERSION = select(func.max(Letter.version)).where(
            Letter.case_id == bindparam("case_id"), Letter.step == bindparam("step"),
            Letter.template == bindparam("template"), Letter.recipient == bindparam("recipient"))
    return _LATEST_VERSION


def _store_letter(*, session: Session, case_id: int, step: str, template: str, template_hash: str,
                  recipient: str, content: bytes, actor: str, supersedes: Letter | None) -> Letter:
    latest = session.scalar(_latest_version_statement(),
                            {"case_id": case_id, "step": step, "template": template, "recipient": recipient})
    store = get_store()
    letter = Letter(
        case_id=case_id, step=step, template=template, template_sha256=template_hash,
        version=(latest or 0) + 1, supersedes_id=supersedes.id if supersedes else None,
        recipient=recipient, rendered_at=now(), rendered_by=actor,
        sha256=hashlib.sha256(content).hexdigest(), size=len(content),
    )
    store.put(session=session, letter=letter, content=content)
    session.add(letter)
    session.flush()
    # Ids and hashes only: never case data in logs.
    log.info("letter stored id=%s case=%s template=%s version=%s", letter.id, case_id, template, letter.version)
    return letter


def produce_letter(*, session: Session, case_id: int, case_reference: str, step: str, template: str,
                   recipient: str, data: Mapping[str, Any], settings: Mapping[str, Any],
                   actor: str = "system", templates_dir: Templates = None,
                   guard: Sequence[Mapping[str, Any]] = (), vocabulary: Vocabulary | None = None,
                   catalogue: Catalogue | None = None) -> Letter:
    """Render ``template`` for ``recipient`` with the case ``data`` and store it in the case file.
    ``guard``: the rest of the case's data, checked for leaks too (the letter is not rendered from it)."""
    content, template_hash = render_letter(
        template=template, recipient=recipient, data=data, settings=settings,
        case_reference=case_reference, templates_dir=templates_dir, guard=guard, vocabulary=vocabulary,
        catalogue=catalogue,
    )
    return _store_letter(session=session, case_id=case_id, step=step, template=template,
                         template_hash=template_hash, recipient=recipient, content=content,
                         actor=actor, supersedes=None)


def correct_letter(*, session: Session, letter_id: int, case_reference: str, data: Mapping[str, Any],
                   settings: Mapping[str, Any], actor: str = "system",
                   templates_dir: Templates = None, vocabulary: Vocabulary | None = None,
                   catalogue: Catalogue | None = None) -> Letter:
    """Render a corrected version of a stored letter (corrected data and/or template).

    The old version stays untouched in the case file; the new one gets the next
    version number and points at the one it corrects.
    """
    old = get_letter(session=session, letter_id=letter_id, verify=False)
    content, template_hash = render_letter(
        template=old.template, recipient=old.recipient, data=data, settings=settings,
        case_reference=case_reference, templates_dir=templates_dir, vocabulary=vocabulary, catalogue=catalogue,
    )
    return _store_letter(session=session, case_id=old.case_id, step=old.step, template=old.template,
                         template_hash=template_hash, recipient=old.recipient, content=content,
                         actor=actor, supersedes=old)


def list_letters(*, session: Session, case_id: int) -> list[Letter]:
    """All letters of a case, oldest first, every version (without loading the bytes)."""
    return list(session.scalars(select(Letter).where(Letter.case_id == case_id).order_by(Letter.id)))


def current_letters(*, session: Session, case_id: int) -> list[Letter]:
    """The letters of a case that no later version supersedes."""
    letters = list_letters(session=session, case_id=case_id)
    superseded = {l.supersedes_id for l in letters if l.supersedes_id}
    return [l for l in letters if l.id not in superseded]


def letter_content(*, session: Session, letter: Letter) -> bytes:
    return get_store().get(session=session, letter=letter)


def get_letter(*, session: Session, letter_id: int, verify: bool = True) -> Letter:
    """The letter with its bytes loaded; with ``verify`` the sha256 must match the record."""
    letter = session.scalar(select(Letter).where(Letter.id == letter_id).options(undefer(Letter.content)))
    if letter is None:
        raise LetterNotFound(f"Brief {letter_id} niet gevonden")
    if verify and not verify_letter(letter, session=session):
        raise LetterIntegrityError(f"Brief {letter_id}: de inhoud komt niet overeen met de vastgelegde hash")
    return letter


def verify_letter(letter: Letter, *, session: Session | None = None) -> bool:
    """Whether the stored bytes still match the recorded sha256 and size."""
    content = get_store().get(session=session, letter=letter)  # type: ignore[arg-type]
    return len(content) == letter.size and hashlib.sha256(content).hexdigest() == letter.sha256
