"""Outside-in audit of a destruction: a case full of distinctive personal data, driven through the real process (an
investigation with a witness, a reporter who did not answer in time, letters, messages, a note, a draft, a person flag,
an access request, a reveal request, a saved search), destroyed by the real retention run after four eyes; then every
table's raw cells, the database file itself and the engine's memos of the process are searched for any of it, and
what must stay (certificate, counts, audit chain) is checked. SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engine.identity.models import User
from engine.records import service as records

from .helpers import REPRIMAND, at_noon, closed_on, every_cell, readable

TAG = "Wielewaal"
SECRETS = {
    "melder": f"Anna {TAG}sma", "email": f"{TAG.lower()}@melder.example", "telefoon": "06-91827364",
    "betrokkene": f"Bram {TAG}veld", "getuige": f"Gijs {TAG}hof",
    "omschrijving": f"Vrije tekst {TAG}: declaraties voor reizen naar Zwolle die nooit zijn gemaakt.",
    "concept": f"Concept {TAG}: de melder belde nog over de reizen.",
    "verklaring": f"Verklaring {TAG}: ik zag de betrokkene die dag op kantoor.",
    "notitie": f"Notitie {TAG} over de zaak.",
    "bericht": f"Bericht {TAG} van het meldpunt aan de melder.",
    "antwoord": f"Antwoord {TAG} van de melder met extra details.",
    "bijlage_naam": f"bewijs-{TAG}-reizen.txt",
    "bijlage": f"BIJLAGE-{TAG}-inhoud-die-nergens-mag-blijven",
    "markering": f"Rectificatie {TAG}: de functie klopt niet.",
    "onthulling": f"Onthulling {TAG}: nodig voor het hoorgesprek.",
}
# The parts of names a search index or a case-folded copy keeps on their own.
TOKENS = [TAG.casefold(), f"{TAG.lower()}sma", f"{TAG.lower()}veld", f"{TAG.lower()}hof", "06-91827364", "0691827364"]


def _user(s, name: str) -> User:
    return s.scalar(select(User).where(User.username == name))


def _drive(db, clock):
    """Drive one case to closure through an investigation with a witness; the desk saved a draft of the task that
    the reporter's lapsed answer term then cancelled."""
    from engine.worklist import drafts
    from engine.worklist import service as worklist
    from engine.worklist.models import WorkItem
    from tests.process.driver import run_scenario
    from tests.process.engine_driver import EngineDriver
    from tests.process.scenarios import DEFAULTS, FEITENONDERZOEK, Expire, with_

    class Driver(EngineDriver):
        def expire(self, timer):
            with self.db.session() as s:
                # the task the lapsing answer term cancels (not another open one: its draft would go when it is done)
                item = s.scalar(select(WorkItem).where(WorkItem.case_id == self.case_id, WorkItem.state == "open",
                                                       WorkItem.element_id == "antwoord_melder_verwerken"))
                desk = _user(s, "meldpunt1")
                worklist.claim(session=s, work_item_id=item.id, user=desk)
                drafts.save(session=s, user=desk, item=s.get(WorkItem, item.id),
                            values={"aanvullende_informatie": SECRETS["concept"]})
            super().expire(timer)

        def complete(self, element, data):
            if element == "voornemen_verzenden":  # dated the day it goes out (the answer term moved the clock)
                from engine.functions import today
                data = {**data, "voornemen_datum": today()}
            super().complete(element, data)

    driver = Driver(db, clock)
    today = clock.now().date().isoformat()
    answers = with_(
        FEITENONDERZOEK,
        {"melding_registreren": {"melder_naam": SECRETS["melder"], "melder_email": SECRETS["email"],
                                 "melder_telefoon": SECRETS["telefoon"], "betrokkene_naam": SECRETS["betrokkene"],
                                 "omschrijving": SECRETS["omschrijving"], "melding_compleet": False,
                                 "datum_melding": today},
         "antwoord_melder_verwerken": [Expire("antwoord_termijn"), {}],
         "onderzoek_starten": {"getuigen_horen_nodig": True},
         "getuigen_horen": {"getuigenverhoren": [{"getuige": SECRETS["getuige"], "datum": today,
                                                  "verslag": SECRETS["verklaring"]}]},
         "zaak_registreren": {"afdoeningen": [REPRIMAND], "uitkomst": "aangetoond",
                              "soort_onderzoek": "feitenonderzoek_intern",
                              # a summary meant to be anonymous that still names the subject: the reports withhold it
                              "inhoud_geanonimiseerd": f"Medewerker {TAG}veld zou onterecht reiskosten hebben "
                                                       "gedeclareerd."}},
    )
    run_scenario(driver, answers, DEFAULTS, {})
    assert driver.finished()
    return driver.case_id


def _plant_after_closing(db, case_id: int) -> str:
    from engine.cases import attachments, notes, reveal, search, views
    from engine.intake import service as intake
    from engine.identity.receipts import issue_receipt
    from engine.records import subject_rights

    with db.session() as s:
        desk, coordinator = _user(s, "meldpunt1"), _user(s, "coordinator1")
        attachments.add(session=s, case_id=case_id, filename=SECRETS["bijlage_naam"],
                        content=SECRETS["bijlage"].encode())
        intake.message_to_reporter(session=s, case_id=case_id, author=desk, text=SECRETS["bericht"])
        intake.message_from_reporter(session=s, case_id=case_id, text=SECRETS["antwoord"])
        code, _ = issue_receipt(session=s, case_id=case_id)
        notes.add(session=s, user=coordinator, case_id=case_id, text=SECRETS["notitie"])
        views.save_view(session=s, user=coordinator, name="Zaak van de betrokkene",
                        filters=search.CaseFilters(q=SECRETS["betrokkene"]))
        # a view named after the subject (the name is not encrypted), another user's view of the witness, and a
        # view naming nobody of the case
        views.save_view(session=s, user=coordinator, name=f"Reizen {TAG}veld", filters=search.CaseFilters(q="reizen"))
        views.save_view(session=s, user=desk, name="Getuige", filters=search.CaseFilters(q=SECRETS["getuige"]))
        views.save_view(session=s, user=coordinator, name="Declaraties",
                        filters=search.CaseFilters(q="declaraties", status="closed"))
        subject_rights.place_flag(session=s, user=coordinator, case_id=case_id, role="betrokkene",
                                  person=SECRETS["betrokkene"], kind="rectificatie", statement=SECRETS["markering"])
        req = subject_rights.register(session=s, user=coordinator, name=SECRETS["betrokkene"])
        from engine.cases.models import Case
        subject_rights.link_case(session=s, user=coordinator, request_id=req.id,
                                 reference=s.get(Case, case_id).reference, role="betrokkene")
        grantee = reveal.grantee_candidates(session=s, case_id=case_id)[0]
        reveal.request_reveal(session=s, case_id=case_id, by=coordinator, grantee_id=grantee.id,
                              reason=SECRETS["onthulling"])
    return code


def _needles() -> list[str]:
    import base64

    out = list(SECRETS.values()) + TOKENS
    out.append(base64.b64encode(SECRETS["bijlage"].encode()).decode())
    return out


def _found(text: str) -> list[str]:
    folded = text.casefold()
    return [n for n in _needles() if n.casefold() in folded]


class Destroyed:
    """A case driven, filled and destroyed by the retention run after four eyes (:func:`_destroyed`)."""
    case_id: int
    code: str
    category: str
    year: int
    counts_before: tuple
    leaks_before: list


def _annex_counts(db, year: int):
    """The annual annex's figures and rows without their texts (before the destruction the annex itself refuses to
    print the summary naming the subject)."""
    from engine.reports import annex
    from engine.reports.service import closed_cases

    with db.session() as s:
        built = annex.from_cases(year, closed_cases(session=s, start=date(year, 1, 1), end=date(year, 12, 31)))
        return {k: v for k, v in built.items() if k != "rows"}, [
            {k: v for k, v in row.items() if k != "inhoud"} for row in built["rows"]]


def _destroyed(db, clock, *, also=None) -> Destroyed:
    from engine.cases import precedents
    from engine.cases.models import Case
    from engine.reports import woo

    out = Destroyed()
    if also:  # (first: its scenario's dates are the test's first day)
        also()
    out.case_id = case_id = _drive(db, clock)
    out.code = _plant_after_closing(db, case_id)
    with db.session() as s:
        out.category = s.get(Case, case_id).category
        shown = precedents.precedents(session=s, category=out.category, viewer=_user(s, "hr2"))
        # a precedent before: its summary withheld, for it names the subject; its names are now in the memo
        assert (s.get(Case, case_id).reference, True) in [(p["zaaknummer"], p["inhoud_achtergehouden"]) for p in shown]
        assert any(k[0] == case_id for k in woo._names_memo._entries)
    # the scan sees the planted data before the destruction (the letters too)
    out.leaks_before = _leaks(db)
    assert any(t == "letters" for t, *_ in out.leaks_before)
    # (a reporter's file name is not stored at all: her file is kept as "bijlage-1.txt")
    assert {n for *_, n in out.leaks_before} >= {v for k, v in SECRETS.items() if k not in ("bijlage", "bijlage_naam")}
    assert SECRETS["betrokkene"] in _stored_bytes_leaks(db)  # the file / the dump: the plain JSON of the tasks
    out.year = closed_on(db, case_id).year
    at_noon(clock, date(out.year + 11, 1, 5))
    out.counts_before = _annex_counts(db, out.year)
    with db.session() as s:
        list_id = records.build_list(session=s).id
        records.propose(session=s, user=_user(s, "coordinator1"), list_id=list_id)
    with db.session() as s:
        records.approve(session=s, user=_user(s, "coordinator2"), list_id=list_id)
    assert records.run(database=db).destroyed == (2 if also else 1)
    return out


def test_a_destroyed_case_leaves_no_trace_of_its_people(db, clock):
    """One destruction, every residue checked (driving a case through the process and destroying it is the cost of
    this test, so it is done once). Beside the case a clean one is destroyed in the same run, and on SQLite the
    database runs as built upstream (``secure_delete`` off: a deleted row stays readable in the file's free pages;
    the build here zeroes by default, so every new connection starts with it off, before the engine's own
    settings)."""
    from sqlalchemy import event

    from engine.cases.models import Case
    from engine.reports import annex, woo
    from engine.worklist.models import TaskDraft

    from .helpers import NO_ACTION, closed_case

    def upstream_default(dbapi_connection, *_):
        dbapi_connection.execute("PRAGMA secure_delete = OFF")

    if db.dialect == "sqlite":
        db.engine.dispose()
        event.listen(db.engine, "connect", upstream_default, insert=True)
    clean = []
    gone = _destroyed(db, clock, also=lambda: clean.append(
        closed_case(db, clock, "Merel", resolutions=[NO_ACTION], outcome="niet_aangetoond")[0]))

    # no cell of any table, decrypted or raw, and not the database file or its dump
    assert _leaks(db) == []
    assert _stored_bytes_leaks(db) == [], "the database file (free pages, the search index) or its dump"
    # the draft of a task the process cancelled went with its case
    assert ("task_drafts", "data", SECRETS["concept"]) in gone.leaks_before
    with db.session() as s:
        assert s.scalars(select(TaskDraft)).all() == [], "the draft of a task the process cancelled"
    # the search index keeps no word of it
    assert any(t.startswith("case_search") for t, *_ in gone.leaks_before) or db.dialect == "postgresql"
    assert [(t, c) for t, c, v in every_cell(db) if t.startswith("case_search") and _found(readable(v))] == []
    # a summary naming a person of the case is not kept in the stub; one that passed the check stays for the annex
    with db.session() as s:
        assert "inhoud_geanonimiseerd" not in s.get(Case, gone.case_id).summary
        assert s.get(Case, gone.case_id).summary["uitkomst"] == "aangetoond"
        assert s.get(Case, clean[0]).summary["inhoud_geanonimiseerd"].startswith("Medewerker zou")
        assert _found(repr(annex.build(session=s, year=gone.year))) == []
    # the saved views naming a person of the case went (names and search terms); their owners read that a view was
    # removed, not which; a view naming nobody of the case stays
    assert ("saved_views", "query", SECRETS["betrokkene"]) in gone.leaks_before
    assert ("saved_views", "name", TAG.casefold()) in gone.leaks_before
    from engine.cases import views
    with db.session() as s:
        assert [v.name for v in views.list_views(session=s, user=_user(s, "coordinator1"))] == ["Declaraties"]
        assert views.list_views(session=s, user=_user(s, "meldpunt1")) == []
        assert [views.removal_notices(session=s, user=_user(s, name)) for name in ("coordinator1", "meldpunt1",
                                                                                   "coordinator2")] == [1, 1, 0]
    # this process forgets its names; no precedent, worklist, search, export, receipt code or cache knows it
    assert [k for k in woo._names_memo._entries if k[0] == gone.case_id] == []
    _what_stays_and_what_nobody_learns(db, gone)


def _what_stays_and_what_nobody_learns(db, gone: Destroyed):
    from typer.testing import CliRunner

    from cli.main import app
    from documents.render import docx_text
    from engine.audit import service as audit
    from engine.cases import export, precedents, search
    from engine.cases.models import Case
    from engine.identity import receipts
    from engine.reports import annex, woo
    from engine.worklist import service as worklist

    case_id, code, category, year = gone.case_id, gone.code, gone.category, gone.year
    assert _annex_counts(db, year) == gone.counts_before
    with db.session() as s:
        stub = s.get(Case, case_id)
        # the certificate of destruction: the case number, no person of the case
        dlist = s.get(records.DestructionList, records.list_lists(session=s, user=_user(s, "coordinator1"))[0].id)
        body = docx_text(dlist.certificate)
        assert stub.reference in body and _found(body) == []
        # the audit chain: verified, with the tombstone
        assert audit.verify(session=s).ok
        assert s.scalar(select(audit.AuditEvent).where(audit.AuditEvent.action == audit.TOMBSTONE_ACTION)) is not None
        # the annual annex and the Woo overview: the figures kept, no text naming anyone
        reports = repr(annex.build(session=s, year=year)) + repr(woo.build(session=s, start=date(year, 1, 1),
                                                                           end=date(year, 12, 31)))
        assert _found(reports) == []
        # no precedent, no task in anybody's worklist, nothing found by a search or its saved view
        for name in ("hr1", "hr2", "coordinator1", "meldpunt1"):
            user = _user(s, name)
            assert precedents.precedents(session=s, category=category, viewer=user) == []
            assert [i for i in worklist.my_tasks(session=s, user=user) if i.case_id == case_id] == []
            assert [i for i in worklist.unassigned_in_my_roles(session=s, user=user) if i.case_id == case_id] == []
        coordinator = _user(s, "coordinator1")
        assert search.search_cases(session=s, user=coordinator,
                                   filters=search.CaseFilters(q=SECRETS["betrokkene"])).total == 0
        assert search.search_cases(session=s, user=coordinator,
                                   filters=search.CaseFilters(q="declaraties Zwolle")).total == 0
        csv = export.export_cases(session=s, user=coordinator, fmt="csv").content.decode()
        assert _found(csv) == []
        # the reporter's receipt code opens nothing
        assert receipts.match(session=s, code=code) is None
    # this process remembers no names of it, and its letter caches hold templates only (never a rendered letter)
    assert [k for k in woo._names_memo._entries if k[0] == case_id] == []
    assert _in_memory_caches() == []
    verified = CliRunner().invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def _stored_bytes_leaks(db) -> list[str]:
    """The needles in what the database keeps outside its live rows: the SQLite file itself (freed pages, the search
    index's segments) or a pg_dump of the PostgreSQL database."""
    import shutil
    import subprocess

    url = db.engine.url
    if db.dialect == "sqlite":
        from pathlib import Path

        db.engine.dispose()  # the last connection to close checkpoints the write-ahead log into the file
        files = [Path(url.database)] + [Path(url.database + s) for s in ("-wal", "-journal")]
        raw = b"".join(f.read_bytes() for f in files if f.exists())
        text = raw.decode("latin-1")
    else:
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            return []
        text = subprocess.run([pg_dump, "-h", url.host or "127.0.0.1", "-p", str(url.port or 5432),
                               "-U", url.username or "postgres", "-d", url.database],
                              check=True, capture_output=True).stdout.decode("utf-8", "replace")
    folded = text.casefold()  # once: the file is megabytes, the needles many
    return sorted({n for n in _needles() if n.casefold() in folded})


def _decrypted_cells(db):
    """(table, column, value) of every non-null cell of every mapped table, as the engine reads it: encrypted
    columns decrypted, compressed ones unpacked (a raw scan cannot see into them)."""
    from engine.db import Base
    from engine.models import import_all

    import_all()
    out = []
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(select(table)).mappings():
                out.extend((table.name, c, v) for c, v in row.items() if v is not None)
    from documents.models import Letter
    from documents.service import letter_content

    with db.session() as s:  # the rendered letters, decrypted by their store
        out.extend(("letters", "content", letter_content(session=s, letter=letter)) for letter in s.scalars(select(Letter)))
    return out


def _text(value) -> str:
    """A cell as text a person could read: a Word document (a rendered letter, a certificate) by its text."""
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes) and value.startswith(b"PK"):
        from documents.render import docx_text
        try:
            return docx_text(value)
        except Exception:  # noqa: BLE001 - not a Word document: its bytes
            pass
    return readable(value) if isinstance(value, (str, bytes)) else repr(value)


def _leaks(db) -> list[tuple[str, str, str]]:
    cells = every_cell(db) + _decrypted_cells(db)
    return sorted({(t, c, n) for t, c, v in cells for n in _found(_text(v)) if (t, c) not in _ALLOWED})


# Kept by design (docs/RETENTION.md): the access request itself, with the requester's own name, encrypted at rest
# (so never found in the raw scan). (A saved view naming a person of the case is removed with the case.)
_ALLOWED = {("access_requests", "person")}



def _in_memory_caches() -> list[str]:
    """The needles in the process's caches of templates and letters (documents.render)."""
    from documents import render

    caches = {"_SOURCE_CACHE": render._SOURCE_CACHE, "_DEFLATED": render._DEFLATED, "_PATCHED": render._PATCHED,
              "_PART_XML": render._PART_XML, "_TEXT_SOURCES": render._TEXT_SOURCES,
              "_TEXT_TEMPLATES": render._TEXT_TEMPLATES, "_PACKAGE_CACHE": render._PACKAGE_CACHE,
              "compiled": render.render_env()._compiled}
    # (not the leak guard's word and phrase caches, leakguard._fold, stem and _phrase_words: folded words and the
    # names it guards against, of every letter this process checked, linked to no case; bounded, per process)
    assert render._DEFLATED and render._PACKAGE_CACHE  # the letters were rendered in this process
    found = []
    for name, cache in caches.items():
        for key, value in list(cache.items()):
            text = " ".join(_text(x) if isinstance(x, (str, bytes)) else repr(x) for x in (key, value))
            found += [f"{name}: {n}" for n in _found(text)]
    return sorted(set(found))
