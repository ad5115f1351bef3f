"""Saved personal views of the case list (issue 17): a search with its filters and sort, under a name.

A view belongs to one user: listed, opened and deleted by its owner only; someone else's view answers
:class:`NotFound`, exactly as a view that does not exist. A view holds the search, never its results: opening
it runs :func:`engine.cases.search.search_cases` again, under the visibility rules of that moment.

The API (``/api/v1/zaken/weergaven``) and the Zaken page both go through these functions.

When a case is destroyed after its retention term, every view naming one of its persons goes with it
(:func:`remove_views_naming`, called by ``engine.records.service.destroy_case``); the owner gets a note that says so
without naming the view or the case (:func:`removal_notices`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases import search
from engine.cases.search_models import SavedView, SavedViewNotice
from engine.errors import FieldError, InvalidData, NotFound
from engine.identity.models import User

MAX_NAME = 100
MAX_VIEWS = 50  # per user: the list of one's views is bounded
MAX_TEXT = 200
STATUSES = ("open", "closed")


@dataclass(frozen=True)
class View:
    id: int
    name: str
    filters: search.CaseFilters
    sort: str


def _problems(name: str, filters: search.CaseFilters, sort: str) -> list[FieldError]:
    problems = []
    if not name:
        problems.append(FieldError("naam", "is verplicht"))
    elif len(name) > MAX_NAME:
        problems.append(FieldError("naam", f"is te lang (ten hoogste {MAX_NAME} tekens)"))
    if sort not in search.SORTS:
        problems.append(FieldError("sorteer", "is geen bekende sortering"))
    if filters.status is not None and filters.status not in STATUSES:
        problems.append(FieldError("status", "is geen bekende status (open of closed)"))
    for label, value in (("q", filters.q), ("categorie", filters.category), ("dienstonderdeel", filters.unit)):
        if value is not None and len(value) > MAX_TEXT:
            problems.append(FieldError(label, f"is te lang (ten hoogste {MAX_TEXT} tekens)"))
    if filters.created_from and filters.created_to and filters.created_from > filters.created_to:
        problems.append(FieldError("periode_tot", "ligt vóór de begindatum"))
    return problems


def _encode(filters: search.CaseFilters, sort: str) -> str:
    return json.dumps({"q": filters.q, "status": filters.status, "category": filters.category,
                       "unit": filters.unit,
                       "created_from": filters.created_from.isoformat() if filters.created_from else None,
                       "created_to": filters.created_to.isoformat() if filters.created_to else None,
                       "sort": sort}, ensure_ascii=False, separators=(",", ":"))


def _view(row: SavedView) -> View:
    raw = json.loads(row.query)

    def day(value):
        return date.fromisoformat(value) if value else None

    filters = search.CaseFilters(q=raw.get("q"), status=raw.get("status"), category=raw.get("category"),
                                 unit=raw.get("unit"), created_from=day(raw.get("created_from")),
                                 created_to=day(raw.get("created_to")))
    sort = raw.get("sort") if raw.get("sort") in search.SORTS else search.DEFAULT_SORT
    return View(id=row.id, name=row.name, filters=filters, sort=sort)


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def save_view(*, session: Session, user: User, name: str, filters: search.CaseFilters,
              sort: str = search.DEFAULT_SORT) -> View:
    """Save ``filters`` and ``sort`` as a view of ``user`` named ``name``; refused (and nothing written) when the
    name is empty, too long or already one of theirs, a filter is invalid, or they have :data:`MAX_VIEWS`."""
    name = (name or "").strip()
    filters = search.CaseFilters(q=_clean(filters.q), status=_clean(filters.status),
                                 category=_clean(filters.category), unit=_clean(filters.unit),
                                 created_from=filters.created_from, created_to=filters.created_to)
    problems = _problems(name, filters, sort)
    if not problems:
        # The names are encrypted (no unique index can compare them): the user's row lock makes two saves of the
        # same user take turns, so the second sees the first's name.
        session.execute(select(User.id).where(User.id == user.id).with_for_update())
        names = list(session.scalars(select(SavedView.name).where(SavedView.user_id == user.id)))
        if name.casefold() in {n.casefold() for n in names}:
            problems.append(FieldError("naam", "u heeft al een weergave met deze naam"))
        elif len(names) >= MAX_VIEWS:
            problems.append(FieldError("naam", f"u heeft al {MAX_VIEWS} weergaven; verwijder er eerst een"))
    if problems:
        raise InvalidData(problems)
    row = SavedView(user_id=user.id, name=name, query=_encode(filters, sort))
    session.add(row)
    session.flush()
    return _view(row)


def list_views(*, session: Session, user: User) -> list[View]:
    """The views of ``user``, by name (at most :data:`MAX_VIEWS`)."""
    rows = session.scalars(select(SavedView).where(SavedView.user_id == user.id)).all()  # at most MAX_VIEWS
    return [_view(r) for r in sorted(rows, key=lambda r: (r.name.casefold(), r.id))[:MAX_VIEWS]]


def _own(session: Session, user: User, view_id: int) -> SavedView:
    row = session.scalar(select(SavedView).where(SavedView.id == view_id, SavedView.user_id == user.id))
    if row is None:
        raise NotFound("Weergave niet gevonden.")
    return row


def get_view(*, session: Session, user: User, view_id: int) -> View:
    """One of ``user``'s views; :class:`NotFound` for another user's view or one that does not exist."""
    return _view(_own(session, user, view_id))


REMOVED_NOTICE = ("Een of meer van uw opgeslagen weergaven zijn verwijderd: zij zochten naar een persoon uit een zaak "
                  "die na afloop van de bewaartermijn is vernietigd. Van een vernietigde zaak blijft niets over dat "
                  "iemand uit die zaak noemt, ook niet in een weergave.")


def remove_views_naming(session: Session, *, names, contacts=()) -> int:
    """Remove every saved view whose name or search names one of ``names`` or ``contacts`` (the persons of a case
    being destroyed: ``engine.reports.woo.names_a_person``, the anonymisation check of the reports, except that a
    given name on its own - "Bram" - does not remove a view: it names nobody in particular), and note for
    each owner, once per destruction, that a view was removed (:func:`removal_notices`; and by e-mail, following
    their preference). Neither the note nor the mail says which view or which case. Returns how many views went."""
    from engine import notifications
    from engine.reports.woo import names_a_person

    names, contacts = [n for n in names if n and n.strip()], [c for c in contacts if c and str(c).strip()]
    if not names and not contacts:
        return 0
    owners: set[int] = set()
    removed = 0
    for row in session.scalars(select(SavedView).order_by(SavedView.id)).all():
        raw = json.loads(row.query)
        text = " | ".join(str(v) for v in (row.name, raw.get("q"), raw.get("category"), raw.get("unit")) if v)
        if names_a_person(text, names, contacts, given_names=False):
            session.delete(row)
            owners.add(row.user_id)
            removed += 1
    for user_id in sorted(owners):
        session.add(SavedViewNotice(user_id=user_id))
        notifications.enqueue(session, user_id=user_id, kind="weergave_verwijderd", link="/zaken")
    session.flush()
    return removed


def removal_notices(*, session: Session, user: User) -> int:
    """How many removals of ``user``'s views (:func:`remove_views_naming`) they have not yet dismissed."""
    return session.scalar(select(func.count()).select_from(SavedViewNotice)
                          .where(SavedViewNotice.user_id == user.id)) or 0


def dismiss_removal_notices(*, session: Session, user: User) -> None:
    """``user`` has read that views of theirs were removed."""
    from sqlalchemy import delete

    session.execute(delete(SavedViewNotice).where(SavedViewNotice.user_id == user.id))


def delete_view(*, session: Session, user: User, view_id: int) -> None:
    """Delete one of ``user``'s views; :class:`NotFound` for another user's view or one that does not exist."""
    session.delete(_own(session, user, view_id))
    session.flush()
