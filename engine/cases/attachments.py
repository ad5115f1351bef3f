"""Files in the case file, both ways (issue 23): the reporter's attachments (public form, "Mijn melding", the
reporter API) and the handlers' files (minutes, signed reports, evidence: case page and API).

One door for every surface: :func:`add` checks name, type (extension and first bytes) and size (Dutch errors
naming the field ``bestand``), removes the metadata BEFORE anything is stored (``engine.cases.scrub``: EXIF/XMP/GPS,
document properties, revision data, comments) and keeps the list of what was removed for the handler; the content
is encrypted at rest like identity data. Who may read which file: ``engine.identity.access.may_read_file``.

A reporter's file is kept under a neutral name (``bijlage-<n>.<extension>``): people name files after themselves
("Verklaring_Jan_Jansen.docx"), so the name she gave is checked and then dropped, not stored, not even encrypted.
No role needs it (the content is the evidence; the reporter knows her own files by their order and date), and
anyone who may see it could tell who she is. A handler's file keeps its name.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import service as audit
from engine.cases import scrub
from engine.cases.reveal_models import ReporterAttachment
from engine.clock import now
from engine.errors import FieldError, InvalidData, NotFound
from engine.identity.models import User

MAX_BYTES = 5 * 1024 * 1024  # a reporter's file
MAX_HANDLER_BYTES = 8 * 1024 * 1024  # a handler's file (scanned minutes, evidence); under the server's body limit
MAX_PER_CASE = 20  # reporter's files per case
REPORTER, HANDLER = "melder", "behandelaar"
# What a handler's file is (the case page's choice; Dutch labels).
KINDS = {"verslag": "Verslag of notulen", "ondertekend_verslag": "Ondertekend verslag", "bewijs": "Bewijsstuk",
         "overig": "Overig"}
# Media type by extension; the content's first bytes must agree (no executable disguised as a PDF).
ALLOWED = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".txt": ("text/plain", ()),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
}
TYPES_TEXT = "pdf, png, jpg, txt, docx, xlsx"
# Shown to the reporter wherever she uploads (Dutch).
NAME_NOT_KEPT = "De naam van uw bestand bewaren wij niet: het wordt opgeslagen als bijlage-1, bijlage-2, enzovoort."
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()\-]{0,120}$")


def safe_filename(name: str | None) -> str:
    """The name as given, if it is a plain file name; path traversal and odd characters are refused."""
    raw = unicodedata.normalize("NFC", name or "").strip()
    if not raw or "/" in raw or "\\" in raw or ".." in raw or "\x00" in raw or not _SAFE.match(raw):
        raise InvalidData([FieldError("bestand", "Ongeldige bestandsnaam: gebruik alleen letters, cijfers, spaties, "
                                                 "punten, streepjes en haakjes, zonder mappen.")])
    return raw


def add(*, session: Session, case_id: int, filename: str | None, content: bytes, actor: str = "melder",
        by: User | None = None, kind: str | None = None) -> ReporterAttachment:
    """Store a file of the case: the reporter's (``by`` None; ``actor`` names her in the audit trail without
    identifying her) or a handler's (``by``: the user, who must be allowed by ``access.may_add_file``; ``kind``
    one of :data:`KINDS`). Nothing is written when any check fails."""
    source = REPORTER if by is None else HANDLER
    if by is not None:
        from engine.errors import NotAuthorized
        from engine.identity import access

        if not access.may_add_file(session=session, user=by, case_id=case_id):
            raise NotAuthorized("Alleen wie de zaak behandelt, voegt er bestanden aan toe.")
        if kind not in KINDS:
            raise InvalidData([FieldError("soort", "Kies wat voor bestand het is: "
                                                   + ", ".join(v.lower() for v in KINDS.values()) + ".")])
        actor = by.username
    else:
        kind = None
    limit = MAX_BYTES if by is None else MAX_HANDLER_BYTES
    name = safe_filename(filename)
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if ext not in ALLOWED:
        raise InvalidData([FieldError("bestand", f"Dit bestandstype is niet toegestaan ({TYPES_TEXT}).")])
    if not content:
        raise InvalidData([FieldError("bestand", "Het bestand is leeg.")])
    if len(content) > limit:
        raise InvalidData([FieldError("bestand", f"Het bestand is groter dan {limit // (1024 * 1024)} MB.")])
    media_type, magics = ALLOWED[ext]
    if magics and not any(content.startswith(m) for m in magics):
        raise InvalidData([FieldError("bestand", "De inhoud past niet bij het bestandstype.")])
    if ext == ".txt":
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidData([FieldError("bestand", "Een tekstbestand moet UTF-8 zijn.")]) from None
    if source == REPORTER:
        count = len(list(session.scalars(select(ReporterAttachment.id).where(
            ReporterAttachment.case_id == case_id, ReporterAttachment.source == REPORTER))))
        if count >= MAX_PER_CASE:
            raise InvalidData([FieldError("bestand", f"Hoogstens {MAX_PER_CASE} bijlagen per melding.")])
        name = neutral_name(count + 1, ext)  # the name she gave may name her: dropped here, never stored
    content, removed = scrub.strip(content, ext)  # before anything is stored
    row = ReporterAttachment(case_id=case_id, filename=name, media_type=media_type, size=len(content),
                             sha256=hashlib.sha256(content).hexdigest(),
                             content=base64.b64encode(content).decode("ascii"), created_at=now(), source=source,
                             kind=kind, added_by_id=by.id if by is not None else None,
                             stripped=json.dumps(removed, ensure_ascii=False))
    session.add(row)
    session.flush()
    audit.append(session=session, actor=actor, action="attachment.added" if source == REPORTER else "file.added",
                 case_id=case_id, details={"bijlage": row.id, "grootte": row.size, "sha256": row.sha256,
                                           "metadata_verwijderd": len(removed)})
    return row


def neutral_name(number: int, ext: str) -> str:
    """The name a reporter's file is kept and shown under: ``bijlage-<number><ext>``."""
    return f"bijlage-{number}{ext}"


def removed_metadata(row: ReporterAttachment) -> list[str]:
    """What was removed from the file before it was stored (Dutch), empty when there was nothing."""
    try:
        return list(json.loads(row.stripped or "[]"))
    except ValueError:
        return []


def list_for_case(*, session: Session, case_id: int, source: str | None = REPORTER) -> list[ReporterAttachment]:
    """The case's files from ``source`` (the reporter's by default, the reporter's channel shows only those; None:
    all). Callers decide who may see which (``access.may_read_file``) or use :func:`visible_files`."""
    stmt = select(ReporterAttachment).where(ReporterAttachment.case_id == case_id)
    if source is not None:
        stmt = stmt.where(ReporterAttachment.source == source)
    return list(session.scalars(stmt.order_by(ReporterAttachment.id)))


def visible_files(*, session: Session, user: User, case_id: int) -> list[ReporterAttachment]:
    """The case file's files ``user`` may see (the caller checked that they see the case): the handlers' files,
    and the reporter's only for who may see her identity (a file of hers may name her)."""
    from engine.identity import access

    reporter = access.may_read_file(session=session, user=user, case_id=case_id, source=REPORTER)
    return [r for r in list_for_case(session=session, case_id=case_id, source=None)
            if r.source != REPORTER or reporter]


def reporter_files(*, session: Session, user: User, case_id: int) -> list[ReporterAttachment]:
    """The reporter's files of a case ``user`` sees (the caller checked that), for the desk side of her channel:
    only for who may see her identity (``access.may_read_file``, the rule of :func:`visible_files`); anyone else who
    sees the case is refused the list (:class:`NotAuthorized`, like the messages with her), an identity role whose
    login lacks the second factor with the reason. One file goes through :func:`read` (not readable: not found)."""
    from engine.errors import NotAuthorized
    from engine.identity import access, second_factor

    if not access.may_read_file(session=session, user=user, case_id=case_id, source=REPORTER):
        if not second_factor.identity_allowed(user):
            raise NotAuthorized(second_factor.IDENTITY_REFUSED)
        raise NotAuthorized("Alleen wie de identiteit van de melder mag zien, leest de bijlagen van de melder.")
    return list_for_case(session=session, case_id=case_id, source=REPORTER)


def read(*, session: Session, user: User, case_id: int, attachment_id: int,
         source: str | None = None) -> tuple[ReporterAttachment, bytes]:
    """A file of the case for a handler who sees the case: ``access.may_read_file`` decides (a file one may not
    read looks like one that does not exist, on every surface); the read is audited. ``source``: only a file from
    there (the reporter's, for the desk side of her channel); any other is not found either."""
    from engine.identity import access

    row = session.get(ReporterAttachment, attachment_id)
    if row is None or row.case_id != case_id or (source is not None and row.source != source) or \
            not access.may_read_file(session=session, user=user, case_id=case_id, source=row.source):
        raise NotFound("Bestand niet gevonden.")
    audit.append(session=session, actor=user.username, action="attachment.read", case_id=case_id,
                 details={"bijlage": row.id})
    return row, base64.b64decode(row.content)
