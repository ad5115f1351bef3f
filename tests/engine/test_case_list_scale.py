"""Search and keyset pages over 5,000 cases (issue 17), on SQLite and PostgreSQL (``db`` mark).

The cases are seeded in bulk (one multi-row INSERT, the search index through ``engine.cases.search.write_terms``,
the engine's bulk path). The expected answers are computed here in Python from what was seeded (who may see
which case, and the sort orders), independently of the SQL under test:

* walking every page of every sort gives every visible case exactly once, in the sort's total order;
* an excluded person (a party to the case, or the subject's line manager) gets no row and no count - also when
  they hold an oversight role for the case's unit, or worked on it;
* full text and the filters keep the keyset walk exact; the API, the Zaken page and the export agree with it.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from engine.cases import search
from engine.cases.models import Case, CaseActor, CaseParty
from engine.identity import service as identity
from engine.worklist.models import WorkItem
from tests.timebase import TEST_START

pytestmark = pytest.mark.db

N = 5_000
PASSWORD = "schaal-wachtwoord-1"
UNITS = ("Douane", "Belastingdienst")
CATEGORIES = ("Fraude", "Lekken van informatie", "Ongewenste omgangsvormen", "Belangenverstrengeling")
DECLARATIE = "Declaraties voor reizen die niet zijn gemaakt."
ENVELOP = "Een envelop met contant geld op het bureau. Declaraties voor reizen die niet zijn gemaakt."
OTHER = "Iemand gebruikt de dienstauto voor privéritten."


def _text(i: int) -> str:
    if i % 50 == 0:
        return ENVELOP  # only in the cases of which the coordinator is the subject
    return DECLARATIE if i % 10 == 0 else OTHER


@pytest.fixture(scope="module")
def world(_schema):
    """5,000 cases, seeded once for the module (the tests only read)."""
    from engine import clock as clock_mod
    from engine.db import Database, set_database
    from tests.conftest import _truncate

    database = Database(_schema)
    previous_db = set_database(database)
    previous_clock = clock_mod.set_clock(clock_mod.FrozenClock(TEST_START))
    try:
        yield _seed(database)
    finally:
        clock_mod.set_clock(previous_clock)
        set_database(previous_db)
        _truncate(database)
        database.dispose()


def _seed(database) -> dict:
    with database.session() as s:
        bvi = identity.create_user(session=s, username="s-bvi", display_name="Bureau", roles=["bureau_vi"],
                                   password=PASSWORD)
        coordinator = identity.create_user(session=s, username="s-coordinator", display_name="Coördinator",
                                           roles=["integriteitscoordinator"], unit="Douane", password=PASSWORD)
        investigator = identity.create_user(session=s, username="s-onderzoeker", display_name="Onderzoeker",
                                            roles=["onderzoeker"])
        subject = identity.create_user(session=s, username="s-betrokkene", display_name="Betrokkene", roles=[],
                                       unit="Belastingdienst", manager_id=bvi.id)
        users = {"bvi": bvi.id, "coordinator": coordinator.id, "investigator": investigator.id, "subject": subject.id}
        # created_at in groups of three equal moments, priorities 0-3: the orders need their tie-breaker (id)
        s.execute(insert(Case), [dict(
            reference=f"2025-S{i:05d}", status="open" if i % 3 else "closed", unit=UNITS[i % 2],
            category=CATEGORIES[i % 4], priority=(i * 7) % 4, version=1, summary={}, imported=True,
            created_by="schaal", created_at=TEST_START - timedelta(minutes=10 * (i // 3)), updated_at=TEST_START,
            closed_at=None if i % 3 else TEST_START) for i in range(N)])
        cases = {int(ref[6:]): (cid, created, priority) for cid, ref, created, priority in s.execute(
            select(Case.id, Case.reference, Case.created_at, Case.priority).where(Case.reference.like("2025-S%")))}
        ids = {i: row[0] for i, row in cases.items()}
        parties = [("betrokkene", coordinator.id, i) for i in range(0, N, 50)]  # Douane (even) cases
        parties += [("betrokkene", subject.id, i) for i in range(25, N, 50)]  # bvi manages the subject
        parties += [("melder", bvi.id, i) for i in range(3, N, 100)]
        parties += [("betrokkene", investigator.id, i) for i in range(0, 50, 10)]
        s.execute(insert(CaseParty), [dict(case_id=ids[i], party=p, user_id=u) for p, u, i in parties])
        # bound to the slot of the case's investigation work (a slot counts while its role is held: engine access)
        s.execute(insert(WorkItem), [dict(case_id=ids[i], task_id=f"schaal-{i}", element_id="test_binding",
                                          name="Testbinding", role="onderzoeker", slot="onderzoeker",
                                          state="cancelled", created_at=TEST_START) for i in range(0, 60, 2)])
        s.execute(insert(CaseActor), [dict(case_id=ids[i], slot="onderzoeker", user_id=investigator.id,
                                           bound_at=TEST_START) for i in range(0, 60, 2)])
        search.write_terms(s, {ids[i]: _text(i) for i in range(N)})
    excluded = {
        "coordinator": set(range(0, N, 50)),
        "bvi": set(range(25, N, 50)) | set(range(3, N, 100)),
        "investigator": set(range(0, 50, 10)),
    }
    visible = {
        "bvi": {i for i in range(N)} - excluded["bvi"],
        "coordinator": {i for i in range(N) if i % 2 == 0} - excluded["coordinator"],
        "investigator": set(range(0, 60, 2)) - excluded["investigator"],
        "subject": set(),
    }
    return {"db": database, "users": users, "cases": cases, "visible": visible}


def _user(world, name):
    with world["db"].session() as s:
        user = identity.get_user(session=s, username={"bvi": "s-bvi", "coordinator": "s-coordinator",
                                                      "investigator": "s-onderzoeker",
                                                      "subject": "s-betrokkene"}[name])
        s.expunge(user)
        return user


def _expected(world, numbers: set[int], sort: str) -> list[str]:
    """The references of ``numbers`` in ``sort`` order, computed from the seed (not by the database)."""
    cases = world["cases"]
    keys = {"aangemaakt_op": lambda i: (cases[i][1], cases[i][0]), "prioriteit": lambda i: (cases[i][2], cases[i][0]),
            "zaaknummer": lambda i: (f"2025-S{i:05d}", cases[i][0])}
    name = sort.lstrip("-")
    return [f"2025-S{i:05d}" for i in sorted(numbers, key=keys[name], reverse=sort.startswith("-"))]


def _walk(world, name: str, *, sort: str, filters=search.CaseFilters(), limit: int = 500) -> tuple[list[str], set]:
    user = _user(world, name)
    refs, totals, after = [], set(), None
    with world["db"].session() as s:
        while True:
            page = search.search_cases(session=s, user=user, filters=filters, sort=sort, after=after, limit=limit)
            refs += [c.reference for c in page.items]
            totals.add(page.total)
            after = page.next_cursor
            if not after:
                return refs, totals


@pytest.mark.parametrize("sort", sorted(search.SORTS))
def test_walking_every_page_gives_every_visible_case_once_in_a_stable_order(world, sort):
    for name in ("bvi", "coordinator", "investigator"):
        refs, totals = _walk(world, name, sort=sort)
        expected = _expected(world, world["visible"][name], sort)
        assert totals == {len(expected)}, (name, totals)
        assert len(refs) == len(set(refs)) == len(expected), name
        assert refs == expected, name  # every visible case once, in the total order (ties broken by id)
    assert len(world["visible"]["bvi"]) == N - 150 and len(world["visible"]["coordinator"]) == 2_400


def test_an_excluded_person_finds_nothing_not_even_a_count(world):
    with world["db"].session() as s:
        coordinator, subject, bvi = (_user(world, n) for n in ("coordinator", "subject", "bvi"))
        # the envelope is only in the cases of which the coordinator is the subject (her own unit: oversight)
        for q in ("envelop", "enveloppen", "contant geld", "2025-S00050", "2025-S00100"):
            page = search.search_cases(session=s, user=coordinator, filters=search.CaseFilters(q=q))
            assert (page.total, page.items, page.next_cursor) == (0, [], None), q
        # the subject: nothing at all, whatever the search
        for q in (None, "declaraties", "2025-S0"):
            page = search.search_cases(session=s, user=subject, filters=search.CaseFilters(q=q))
            assert (page.total, page.items) == (0, []), q
        # Bureau V&I (organisation-wide) as the subject's line manager and as a reporter: those cases are gone
        for ref in ("2025-S00025", "2025-S04975", "2025-S00003"):
            page = search.search_cases(session=s, user=bvi, filters=search.CaseFilters(q=ref))
            assert page.total == 0 and page.items == [], ref
        assert search.search_cases(session=s, user=bvi, filters=search.CaseFilters(q="2025-S00026")).total == 1
        choices = search.filter_choices(session=s, user=subject)
        assert choices == {"categorie": [], "dienstonderdeel": []}


def test_full_text_and_filters_walk_exactly_over_thousands_of_cases(world):
    wanted = {i for i in world["visible"]["coordinator"] if i % 10 == 0}
    assert len(wanted) == 400
    refs, totals = _walk(world, "coordinator", sort="-prioriteit", filters=search.CaseFilters(q="declaratie"),
                         limit=60)
    assert totals == {400} and refs == _expected(world, wanted, "-prioriteit")
    closed_fraud = {i for i in world["visible"]["bvi"] if i % 3 == 0 and i % 4 == 0}
    refs, totals = _walk(world, "bvi", sort="zaaknummer",
                         filters=search.CaseFilters(status="closed", category="Fraude"), limit=77)
    assert totals == {len(closed_fraud)} and refs == _expected(world, closed_fraud, "zaaknummer")


def _login(username: str) -> TestClient:
    from api.app import create_app
    from api.settings import ApiSettings

    client = TestClient(create_app(ApiSettings(cookie_secure=False)), follow_redirects=False)
    r = client.post("/api/v1/auth/inloggen", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client


def test_the_api_the_zaken_page_and_the_export_agree_with_the_walk(world):
    bvi = _login("s-bvi")
    refs, cursor = [], None
    while True:
        body = bvi.get("/api/v1/zaken", params={"sorteer": "prioriteit", "limit": 200,
                                                **({"na": cursor} if cursor else {})}).json()
        assert body["totaal"] == N - 150
        refs += [c["zaaknummer"] for c in body["items"]]
        cursor = body["volgende"]
        if not cursor:
            break
    assert refs == _expected(world, world["visible"]["bvi"], "prioriteit")
    exported = bvi.get("/api/v1/zaken/export", params={"sorteer": "prioriteit"})
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == refs

    coordinator = _login("s-coordinator")
    url, seen = "/zaken?q=declaraties&sorteer=zaaknummer", []
    while url:
        page = coordinator.get(url.replace("&amp;", "&"))
        assert page.status_code == 200 and "400 zaken gevonden" in page.text
        seen += re.findall(r'<td><a href="/zaken/\d+">([^<]+)</a></td>', page.text)
        link = re.search(r'<a href="([^"]+)" rel="next">Volgende pagina</a>', page.text)
        url = link.group(1) if link else None
    assert seen == _expected(world, {i for i in world["visible"]["coordinator"] if i % 10 == 0}, "zaaknummer")
