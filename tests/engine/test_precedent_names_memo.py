"""The sanction advice's precedents do not read their workflow states to find the names in them (issue 25).

The names in a precedent's workflow data are remembered under the case's state tag (``Case.state_tag``: random,
new at every write of the state, written in the same UPDATE). Before, the precedents query loaded every precedent's
whole state (10-15 KB stored each, up to 50), decompressed and hashed it on every opening of the page, only to
key that memo. A changed state (another tag) is read again, also one changed by another process, or a row with the
same id and version in another database.
"""
from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import event, text

from engine.cases import precedents as precedents_mod
from engine.db import CompressedText
from engine.reports import woo
from tests.reports.helpers import close_through_workflow
from tests.reports.test_woo_check_batches import BD, CLEAN, FIN_S, _clones

pytestmark = pytest.mark.db

NAMED = "Medewerker De Vries zou reiskosten hebben gedeclareerd."  # names the subject of the original's workflow
PIETERSEN = "Medewerker Pietersen zou reiskosten hebben gedeclareerd."


def _close(db, clock, subject: str) -> int:
    return close_through_workflow(db, clock, unit="Douane", category=FIN_S, resolutions=[BD],
                                  kind="feitenonderzoek_intern", outcome="aangetoond", subject=subject,
                                  description=CLEAN)


class _Reads:
    """The statements sent and the workflow states decompressed while open."""

    def __init__(self, db, monkeypatch):
        self.db, self.monkeypatch, self.sent, self.unpacked = db, monkeypatch, [], 0

    def __enter__(self):
        real = CompressedText.unpack.__func__

        def counting(cls, stored):
            self.unpacked += 1
            return real(cls, stored)

        self.monkeypatch.setattr(CompressedText, "unpack", classmethod(counting))
        event.listen(self.db.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc):
        event.remove(self.db.engine, "before_cursor_execute", self._record)
        self.monkeypatch.undo()

    def _record(self, conn, cursor, statement, params, context, executemany):
        self.sent.append(" ".join(statement.split()))

    def state_reads(self) -> list[str]:
        return [s for s in self.sent if re.search(r"\bcases\.state\b(?!_)", s)]


def _shown(db) -> dict[str, bool]:
    with db.session() as s:
        return {p["zaaknummer"]: p["inhoud_achtergehouden"]
                for p in precedents_mod.precedents(session=s, category=FIN_S, viewer=None)}


def test_the_precedents_read_no_workflow_state_once_their_names_are_known(db, clock, monkeypatch):
    original = _close(db, clock, "Jan de Vries")
    refs = _clones(db, original, [CLEAN, NAMED, CLEAN, NAMED])
    woo._names_memo._entries.clear()
    with _Reads(db, monkeypatch) as cold:  # first opening: the states whose names are not known, in one statement
        first = _shown(db)
    assert len(cold.state_reads()) == 1 and cold.unpacked == 5, (cold.state_reads(), cold.unpacked)
    with _Reads(db, monkeypatch) as warm:
        again = _shown(db)
    assert warm.state_reads() == [] and warm.unpacked == 0, (warm.state_reads(), warm.unpacked)
    # the same answers: exactly the summaries naming their case's subject are withheld
    assert first == again and {r: again[r] for r in refs} == dict(zip(refs, [False, True, False, True]))


def test_a_changed_state_is_not_answered_from_the_memo(db, clock, monkeypatch):
    from engine.cases.models import Case

    original = _close(db, clock, "Jan de Vries")
    other = _close(db, clock, "Piet Pietersen")
    [ref] = _clones(db, original, [PIETERSEN])
    assert _shown(db)[ref] is False and _shown(db)[ref] is False  # Pietersen is nobody in its workflow; remembered
    with db.session() as s:  # another session (as another process would): the workflow now names Piet Pietersen
        case = s.query(Case).filter_by(reference=ref).one()
        tag, version = case.state_tag, case.version
        original_state, case.state = case.state, s.get(Case, other).state
    with db.session() as s:
        case = s.query(Case).filter_by(reference=ref).one()
        assert case.state_tag != tag and case.version == version + 1
    assert _shown(db)[ref] is True
    # a row with the same id and version but another state, as another database would have it (a key on the case
    # and its version would answer the names of the state above): read again by its own tag
    with db.session() as s:
        s.execute(text("UPDATE cases SET state = :state, state_tag = :tag WHERE reference = :ref"),
                  {"state": CompressedText.pack(original_state), "tag": uuid.uuid4().hex, "ref": ref})
        assert s.query(Case).filter_by(reference=ref).one().version == version + 1
    assert _shown(db)[ref] is False
    # a row without a tag (written outside the engine): its names by the state's own digest, read again
    with db.session() as s:
        s.execute(text("UPDATE cases SET state = :state, state_tag = NULL WHERE reference = :ref"),
                  {"state": CompressedText.pack(s.get(Case, other).state), "ref": ref})
    assert _shown(db)[ref] is True


def test_every_write_of_a_state_gives_it_a_new_tag(db, clock):
    """The step's prebuilt UPDATE and the timer batch's executemany write the tag with the state, as the ORM's
    flush does; a state set to nothing (a destroyed case) has no tag."""
    from engine.cases import service as cases_service
    from engine.cases.models import Case

    original = _close(db, clock, "Jan de Vries")
    refs = _clones(db, original, [CLEAN, CLEAN])

    def tags() -> dict[str, str | None]:
        with db.session() as s:
            return {c.reference: c.state_tag for c in s.query(Case).filter(Case.reference.in_(refs))}

    before = tags()
    assert all(before.values()) and len(set(before.values())) == 2
    with db.session() as s:  # the step's write
        case = s.query(Case).filter_by(reference=refs[0]).one()
        case.state = case.state + " "
        cases_service._write_case(s, case)
        written = case.state_tag
    after = tags()
    assert after[refs[0]] == written != before[refs[0]] and after[refs[1]] == before[refs[1]]
    with db.session() as s:  # the timer batch's write
        cases = s.query(Case).filter(Case.reference.in_(refs)).all()
        for case in cases:
            case.state = case.state + " "
        cases_service.write_cases(s, cases)
        written = {c.reference: c.state_tag for c in cases}
    assert tags() == written and not set(written.values()) & set(after.values())
    with db.session() as s:  # no state, no tag
        s.query(Case).filter_by(reference=refs[0]).one().state = None
    assert tags()[refs[0]] is None


def test_a_state_written_outside_the_engine_loses_its_tag(db, clock):
    """A state written by hand (a repair, a restore script) without a new tag: the database sets the tag NULL
    (migration 0037), so the memo cannot answer for the state that was there before, and the precedent naming its
    subject is withheld. Before, the old tag stayed and the memo showed it as clean."""
    from engine.cases.models import Case

    original = _close(db, clock, "Jan de Vries")
    other = _close(db, clock, "Piet Pietersen")
    [ref] = _clones(db, original, [PIETERSEN])
    assert _shown(db)[ref] is False  # remembered under the clone's tag: Pietersen is nobody in its workflow
    with db.session() as s:
        tag = s.query(Case).filter_by(reference=ref).one().state_tag
        s.execute(text("UPDATE cases SET state = :state WHERE reference = :ref"),
                  {"state": CompressedText.pack(s.get(Case, other).state), "ref": ref})
    with db.session() as s:
        assert tag is not None and s.query(Case).filter_by(reference=ref).one().state_tag is None
    assert _shown(db)[ref] is True
    with db.session() as s:  # the engine's own writes keep their new tag (the trigger leaves them alone)
        case = s.query(Case).filter_by(reference=ref).one()
        case.state = s.get(Case, original).state
        written = case.state_tag
    with db.session() as s:
        assert s.query(Case).filter_by(reference=ref).one().state_tag == written is not None
    assert _shown(db)[ref] is False
