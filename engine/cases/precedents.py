"""Precedents for the sanction advice: closed cases of the same main category and their resolutions.

Only live files (a case destroyed after its retention term is no precedent). Anonymised: only the reference, closing date, category, subcategory, outcome and the
``afdoeningen`` labels from ``Case.summary`` (a projection that holds no names), plus
the anonymised content summary the closing task records - only when it passes the Woo export's
anonymisation check (``engine.reports.woo.refused_case_texts``: all precedents in a fixed number of statements):
a summary that names a person, place or exact date of its case is withheld (``inhoud_geanonimiseerd`` None, ``inhoud_achtergehouden`` True) and the
precedent itself still shown.
"""
from __future__ import annotations

from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session, defer

from engine.cases.models import Case, INTEGRITY_CASE
from engine.identity.models import User

MAX_PRECEDENTS = 50
# The status as a literal, not a bound parameter: the index ``ix_cases_precedents`` is partial (closed integrity
# cases), and PostgreSQL's generic plan of a prepared statement can use it only if the predicate is in the SQL text.
CLOSED = literal_column("'closed'")


def precedents(*, session: Session, category: str | None, viewer: User | None, exclude_case_id: int | None = None,
               limit: int = MAX_PRECEDENTS) -> list[dict]:
    """The precedents ``viewer`` is shown: never a case in which they are the reporter, the subject or the subject's
    manager (``access.excluded_condition``) - its outcome and measures are exactly what a party must not learn
    through a role they hold (an HR adviser who reported an earlier case of the category). ``viewer`` None: no
    person (cost measurements of the query), never for what someone is shown."""
    from engine.identity import access

    if not category:
        return []
    # newest closed first (NULLS LAST: as SQLite orders DESC), read from ix_cases_precedents: its 50 rows whatever
    # the number of cases (issue 25)
    # not their workflow states (issue 25): the names check knows most precedents' names by their state's tag
    q = (select(Case).options(defer(Case.state)).where(INTEGRITY_CASE, Case.status == CLOSED, Case.category == category)
         .order_by(Case.closed_at.desc().nulls_last(), Case.id.desc()).limit(max(1, min(limit, MAX_PRECEDENTS))))
    # not a destroyed case: its file is gone at the end of its term (only the reports' counting row is left), so it
    # is no longer cited for a new sanction
    from engine.records.models import DestructionItem

    q = q.where(Case.id.not_in(select(DestructionItem.case_id).where(DestructionItem.status == "vernietigd")))
    if exclude_case_id is not None:
        q = q.where(Case.id != exclude_case_id)
    if viewer is not None:
        q = q.where(~access.excluded_condition(viewer))
    found = list(session.scalars(q))
    # the anonymisation check of every summary in a fixed number of statements (issue 25), not three per precedent
    from engine.reports.woo import refused_case_texts

    texts = [(case, (case.summary or {}).get("inhoud_geanonimiseerd")) for case in found]
    refused = refused_case_texts(session, [(case, text) for case, text in texts if isinstance(text, str)])
    out = []
    for case, text in texts:
        summary = case.summary or {}
        afdoeningen = summary.get("afdoeningen") or []
        out.append({
            "zaaknummer": case.reference,
            "afgesloten_op": case.closed_at.date().isoformat() if case.closed_at else None,
            "categorie": case.category,
            "subcategorie": summary.get("subcategorie"),
            "uitkomst": summary.get("uitkomst"),
            "afdoeningen": [a for a in afdoeningen if isinstance(a, str)] if isinstance(afdoeningen, list) else [],
            **_content(case.id, text, refused),
        })
    return out


def for_task(*, session: Session, case: Case, element_id: str, user: User) -> list[dict] | None:
    """The precedents a task shows ``user``, or None when its process declares none for it.

    Which task shows them is declared in the BPMN (property ``shows_precedents``), never by element id."""
    from engine.processes import service as processes

    if case.process_version_id is None:
        return None
    parsed = processes.parsed_version(session=session, version_id=case.process_version_id)
    if not processes.shows_precedents(parsed, element_id):
        return None
    category = case.category or (case.summary or {}).get("categorie")
    return precedents(session=session, category=category, viewer=user, exclude_case_id=case.id)


def _content(case_id: int, text, refused: set[int]) -> dict:
    if not isinstance(text, str) or not text.strip():
        return {"inhoud_geanonimiseerd": None, "inhoud_achtergehouden": False}
    if case_id in refused:
        return {"inhoud_geanonimiseerd": None, "inhoud_achtergehouden": True}
    return {"inhoud_geanonimiseerd": text, "inhoud_achtergehouden": False}
