"""Case list and search (issue 17): one service for the API and the web, on PostgreSQL and SQLite.

Need to know stays here, in the engine: every query is limited by
:func:`engine.identity.access.visible_cases_condition`, the count included, so an excluded person (reporter,
subject, subject's line manager) gets no hit and a count of zero; a case they cannot see is not there.

What is searched, for who may see the case:

* the case number (``reference``, a substring);
* the report's free text: the confidential form fields the process marks ``"x-vertrouwelijk": "melding"``.
  Who may see a case sees that text on the case page (only the reporter's identity, marker ``"melder"``,
  is withheld), so it may find the case by it. Identity fields are never indexed.

Full text, both databases, the same meaning: Dutch words are reduced to their stem at index time, so
"declaraties" finds "declaratie". The stemming is done once, in Python, for both databases, with the
Snowball Dutch stemmer of ``snowballstemmer`` (a dependency already): FTS5 has no Dutch tokenizer (its
``porter`` is English), and PostgreSQL's 'dutch' dictionary is the older Snowball Dutch that leaves
"declaraties" and "declaratie" apart. Text and query words take the same path:

* PostgreSQL: ``to_tsvector('dutch', stems)`` into a ``tsvector`` column (GIN index), queried with
  ``plainto_tsquery('dutch', stems of q)``: full-text search with the 'dutch' configuration (its stop
  words, its lexemes) over words already brought to their stem.
* SQLite: the stems are stored as text and indexed by FTS5 (``unicode61``), queried as quoted stems
  (every word must match).

Neither index holds the readable text (the description is stored encrypted, ``case_confidential``): the
index keeps lexemes/stems only.

Lists page by keyset (``after`` = an opaque cursor of the last row's sort values): pages stay stable when
cases are added or closed between requests, and the database reads from the index position onwards
instead of counting off an offset.
"""
from __future__ import annotations

import base64
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import snowballstemmer
from sqlalchemy import and_, bindparam, delete, func, insert, literal_column, or_, select, text
from sqlalchemy.orm import Session

from engine.cases.models import Case
from engine.cases.search_models import CaseSearchTerms
from engine.errors import FieldError, InvalidData
from engine.identity.access import visible_cases_condition
from engine.identity import second_factor
from engine.identity.roles import IDENTITY_ROLES
from engine.identity.models import User

SEARCH_MARKER = "melding"  # x-vertrouwelijk value of the report's free text (identity is "melder")
LOCAL = ZoneInfo("Europe/Amsterdam")
MAX_QUERY = 200

# sort name -> (column, descending) in order; the last column makes the order total.
SORTS: dict[str, tuple[tuple[object, bool], ...]] = {
    "-aangemaakt_op": ((Case.created_at, True), (Case.id, True)),
    "aangemaakt_op": ((Case.created_at, False), (Case.id, False)),
    "-prioriteit": ((Case.priority, True), (Case.id, True)),
    "prioriteit": ((Case.priority, False), (Case.id, False)),
    "-zaaknummer": ((Case.reference, True), (Case.id, True)),
    "zaaknummer": ((Case.reference, False), (Case.id, False)),
}
DEFAULT_SORT = "-aangemaakt_op"


# --------------------------------------------------------------------------- index

_WORD = re.compile(r"\w+", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("dutch")


def _fold(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c))


def dutch_stems(text_: str) -> list[str]:
    """The Snowball Dutch stems of the words of ``text_`` (lower case, diacritics removed), in order."""
    words = [_fold(w) for w in _WORD.findall(text_ or "")]
    return [s for s in _stemmer().stemWords([w for w in words if w]) if s]


def searchable_fields(session: Session, case: Case) -> frozenset[str]:
    """The fields of the case's process marked ``x-vertrouwelijk: melding`` (the report's free text)."""
    if case.process_version_id is None:
        return frozenset()
    from engine.processes import service as processes

    forms = processes.parsed_version(session=session, version_id=case.process_version_id).forms
    return frozenset(name for schema in forms.values() for name, prop in (schema.get("properties") or {}).items()
                     if isinstance(prop, dict) and prop.get("x-vertrouwelijk") == SEARCH_MARKER)


def index_case(session: Session, *, case_id: int, values: dict) -> None:
    """(Re)index the searchable free text of a case from its confidential ``values`` (all of them, decrypted).

    Called by :func:`engine.cases.confidential.store` whenever those change."""
    case = session.get(Case, case_id)
    if case is None:
        return
    wanted = searchable_fields(session, case)
    content = "\n".join(str(values[k]) for k in sorted(wanted) if isinstance(values.get(k), str) and values[k])
    write_terms(session, {case_id: content})


def write_terms(session: Session, texts: dict[int, str]) -> None:
    """Replace the index rows of the given cases (case id -> searchable text); bulk, for imports and tests."""
    if not texts:
        return
    session.flush()
    session.execute(delete(CaseSearchTerms).where(CaseSearchTerms.case_id.in_(list(texts))))
    rows = [(cid, t) for cid, t in texts.items() if t and t.strip()]
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":  # to_tsvector runs in the database
        statement = insert(CaseSearchTerms.__table__).values(
            case_id=bindparam("cid"), terms=func.to_tsvector("dutch", bindparam("content")))
        session.execute(statement, [{"cid": cid, "content": " ".join(dutch_stems(content))} for cid, content in rows])
    else:
        session.execute(insert(CaseSearchTerms),
                        [{"case_id": cid, "terms": " ".join(dutch_stems(content))} for cid, content in rows])


def forget_terms(session: Session, *, case_id: int) -> None:
    """Remove a case's words from the index for good (its destruction, engine.records). On SQLite deleting the row
    only adds a delete marker to the FTS5 index: the stems stay in its older segments until they are merged, so the
    index is merged now ('optimize': one segment without the deleted rows)."""
    session.execute(delete(CaseSearchTerms).where(CaseSearchTerms.case_id == case_id))
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO case_search_fts(case_search_fts) VALUES ('optimize')"))


def _text_match(session: Session, q: str):
    """A condition on :class:`Case`: the full text of the case matches every word of ``q``."""
    stems = dutch_stems(q)
    if not stems:
        return None
    if session.get_bind().dialect.name == "postgresql":
        query = func.plainto_tsquery("dutch", " ".join(stems))
        return Case.id.in_(select(CaseSearchTerms.case_id).where(CaseSearchTerms.terms.op("@@")(query)))
    match = " ".join(f'"{s}"' for s in stems)  # stems are word characters only; quoted: never FTS syntax
    hits = select(literal_column("rowid")).select_from(text("case_search_fts")).where(
        text("case_search_fts MATCH :fts_match").bindparams(fts_match=match))
    return Case.id.in_(hits)


# --------------------------------------------------------------------------- search

@dataclass(frozen=True)
class CaseFilters:
    q: str | None = None
    status: str | None = None  # open | closed
    category: str | None = None
    unit: str | None = None
    created_from: date | None = None  # inclusive, local (Europe/Amsterdam) date
    created_to: date | None = None  # inclusive


@dataclass
class CaseResults:
    items: list[Case]
    total: int
    next_cursor: str | None
    sort: str = DEFAULT_SORT
    filters: CaseFilters = field(default_factory=CaseFilters)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL)


def _conditions(session: Session, user: User, f: CaseFilters) -> list:
    conditions = [visible_cases_condition(user)]
    if f.status:
        conditions.append(Case.status == f.status)
    if f.category:
        conditions.append(Case.category == f.category)
    if f.unit:
        conditions.append(Case.unit == f.unit)
    if f.created_from:
        conditions.append(Case.created_at >= _local_midnight(f.created_from))
    if f.created_to:
        conditions.append(Case.created_at < _local_midnight(f.created_to + timedelta(days=1)))
    q = (f.q or "").strip()[:MAX_QUERY]
    if q:
        escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        by_reference = func.lower(Case.reference).like(f"%{escaped}%", escape="\\")
        # The index holds the ORIGINAL words of the report. Case workers read the desk's redacted version
        # (engine.cases.field_classes), so a hit on an original word would tell them what was redacted (e.g. a
        # name): full text only for who reads the originals (IDENTITY_ROLES); the others search by case number.
        full_text = (_text_match(session, q) if user.role_codes & IDENTITY_ROLES
                     and second_factor.identity_allowed(user) else None)
        conditions.append(by_reference if full_text is None else or_(by_reference, full_text))
    return conditions


def _encode(sort: str, case: Case) -> str:
    values = []
    for column, _desc in SORTS[sort]:
        value = getattr(case, column.key)
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    raw = json.dumps({"s": sort, "v": values}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(sort: str, cursor: str) -> list:
    invalid = InvalidData([FieldError("na", "is geen geldige vervolgpositie voor deze sortering")])
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if raw["s"] != sort or len(raw["v"]) != len(SORTS[sort]):
            raise invalid
        values = []
        for (column, _desc), value in zip(SORTS[sort], raw["v"]):
            if column.key == "created_at":
                value = datetime.fromisoformat(value)
            elif column.key in ("id", "priority"):
                value = int(value)
            elif not isinstance(value, str):
                raise invalid
            values.append(value)
        return values
    except (ValueError, KeyError, TypeError):
        raise invalid from None


def _after(sort: str, values: list):
    """Rows strictly after the cursor in the sort order: (a, b) > (va, vb) spelled out for both databases."""
    keys = SORTS[sort]
    clauses = []
    for i, (column, desc) in enumerate(keys):
        beyond = column < values[i] if desc else column > values[i]
        clauses.append(and_(*[keys[j][0] == values[j] for j in range(i)], beyond))
    return or_(*clauses)


def search_cases(*, session: Session, user: User, filters: CaseFilters = CaseFilters(), sort: str = DEFAULT_SORT,
                 after: str | None = None, limit: int = 50, offset: int = 0) -> CaseResults:
    """The cases ``user`` may see that match ``filters``, in ``sort`` order, one page of ``limit``.

    Page on with ``after=results.next_cursor`` (keyset); ``offset`` is kept for older API clients and is
    ignored with a cursor. ``total`` counts the matching visible cases only."""
    if sort not in SORTS:
        raise InvalidData([FieldError("sorteer", "is geen bekende sortering")])
    conditions = _conditions(session, user, filters)
    total = session.scalar(select(func.count(Case.id)).where(*conditions)) or 0
    q = select(Case).where(*conditions)
    if after:
        q = q.where(_after(sort, _decode(sort, after)))
    elif offset:
        q = q.offset(offset)
    order = [column.desc() if desc else column.asc() for column, desc in SORTS[sort]]
    rows = list(session.scalars(q.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    cursor = _encode(sort, rows[-1]) if more and rows else None
    return CaseResults(items=rows, total=total, next_cursor=cursor, sort=sort, filters=filters)


def filter_choices(*, session: Session, user: User) -> dict[str, list[str]]:
    """Categories and units that occur among the cases ``user`` may see (choices for the filters)."""
    visible = visible_cases_condition(user)

    def distinct(column) -> list[str]:
        return [v for v in session.scalars(select(column).where(visible, column.is_not(None))
                                           .distinct().order_by(column)) if v]

    return {"categorie": distinct(Case.category), "dienstonderdeel": distinct(Case.unit)}
