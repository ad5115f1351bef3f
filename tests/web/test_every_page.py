"""Every page, in a real browser, at 1280 px and at 390 px (issue 17, "Dutch without jargon"):

* axe-core (WCAG 2.1 A/AA) finds nothing at all, at either width;
* at 390 px the page body never scrolls sideways (wide tables scroll in their own container);
* no page shows an element id of the process files (``processes/*.bpmn``) or a letter's template id:
  people read task, step and process names, letter titles and recipients, never the ids behind them.

The pages are not listed here: every ``GET`` page route of the access matrix's POLICY table
(``tests/web/test_surface_matrix.py``) is opened, with the matrix's seeded case (a named report worked up to the
director's decision, so its timeline, letters, deadlines and diagram are full), by someone the table lets in. A page
another change adds to the app (and so to the table) is checked here without touching this file. A route that
answers a file (a letter, a diagram's XML) or a redirect is not a page and is skipped.
"""
from __future__ import annotations

import re
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.web.conftest import SCREENSHOTS, axe_violations, _free_port
from tests.web.test_surface_matrix import (ANONYMOUS, PASSWORD, POLICY, RECEIPT, STAFF, USERNAMES, World, _fill,
                                           audience, world)  # noqa: F401  (``world``: the matrix's seeded case)

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]
WIDTHS = (1280, 390)
ALL_IMPACTS = ("minor", "moderate", "serious", "critical")
# Who opens a page: the first of these the policy lets in (the roles that see the most on it).
PREFERRED = ("coordinator", "meldpunt", "procesbeheerder", "directeur", "onderzoeker1", "hr", "bvi", "jurist1",
             "onderzoeker2", "jurist2", "vertrouwenspersoon", "auditor", "beheerder", RECEIPT)
# Pages that look different to someone else, or with other parameters, opened that way too:
# (policy key, person, query string, open the case's completed task instead of its open one).
ALSO = (("GET /mijn-melding", RECEIPT, "", False), ("GET /zaken/{case_id}", "onderzoeker1", "", False),
        ("GET /zaken/{case_id}", "coordinator", "?soort=inzage", False),
        ("GET /werkvoorraad", "coordinator", "?tab=open", False), ("GET /werkvoorraad", "hr", "?tab=open", False),
        ("GET /taken/{item_id}", "coordinator", "", True),
        ("GET /processen/modelleren", "procesbeheerder", "?bestand=route_voorstel.dmn", False))

# GET routes of the web that answer a file or a redirect, not a page; the test below proves each one is.
NOT_PAGES = frozenset({"GET /", "GET /rapportages", "GET /inloggen/code", "GET /zaken/export", "GET /zaken/export#xlsx",
                       "GET /zaken/{case_id}/brieven/{letter_id}", "GET /zaken/{case_id}/brieven/{letter_id}#other-letter",
                       "GET /zaken/{case_id}/diagram", "GET /processen/{version_id}/diagram",
                       "GET /processen/modelleren/bestand",
                       "GET /zaken/{case_id}/bestanden/{file_id}",
                       "GET /zaken/{case_id}/bestanden/{file_id}#reporter-file"})
# Routes outside /api/ for machines, not people: Prometheus's text format (tests/api/test_observability.py).
MACHINE_ROUTES = frozenset({"GET /metrics"})
PAGE_KEYS = sorted(k for k in POLICY if k.startswith("GET ") and not k.split(" ", 1)[1].startswith("/api/")
                   and k not in NOT_PAGES and k not in MACHINE_ROUTES)


# --------------------------------------------------------------------------- what must never be on screen

def _element_ids() -> set[str]:
    """Every id in the process files, and the letters' template ids. An id that is one plain Dutch word
    ("onderzoek", "beoordeling") is also the word itself in a sentence, so only ids with a separator, digit or
    capital count: those are never Dutch text."""
    from documents.catalog import LETTERS

    found = set(LETTERS)
    for path in (ROOT / "processes").glob("*.bpmn"):
        for el in ET.parse(path).getroot().iter():
            if el.get("id"):
                found.add(el.get("id"))
    return {i for i in found if not re.fullmatch(r"[a-zà-ÿ]+", i)}


ELEMENT_IDS = _element_ids()
ID_PATTERN = re.compile(r"(?<![\w.-])(" + "|".join(sorted(map(re.escape, ELEMENT_IDS), key=len, reverse=True))
                        + r")(?![\w-])")

READABLE = """() => {
    const parts = [document.title, document.body.innerText];
    document.querySelectorAll('[aria-label],[title],[alt],[placeholder],option').forEach(el => {
        for (const a of ['aria-label', 'title', 'alt', 'placeholder']) { if (el.getAttribute(a)) parts.push(el.getAttribute(a)); }
        if (el.tagName === 'OPTION') parts.push(el.textContent);
    });
    return parts.join('\\n');
}"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_the_id_check_finds_ids_and_leaves_dutch_words_alone():
    assert "melding_registreren" in ELEMENT_IDS and "melding_politie_om" in ELEMENT_IDS
    assert ID_PATTERN.search("Taak opgepakt: melding_registreren")
    assert ID_PATTERN.search("Brief 'melding_politie_om' aan politie_om")
    assert not ID_PATTERN.search("Taak opgepakt: Melding registreren. Het onderzoek loopt; de melding is beoordeeld.")


# --------------------------------------------------------------------------- the server and the browser


@pytest.fixture(scope="module")
def server(world):  # noqa: F811
    import uvicorn

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(world.app, host="127.0.0.1", port=port, log_level="warning",
                                        lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


class People:
    """One browser context (and page) per person, logged in once and reused for every page."""

    def __init__(self, browser, base: str, w: World):
        self.browser, self.base, self.w = browser, base, w
        self.pages: dict[str, object] = {}

    def page(self, person: str):
        if person in self.pages:
            return self.pages[person]
        ctx = self.browser.new_context(base_url=self.base, locale="nl-NL", viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(20000)
        page = ctx.new_page()
        if person in STAFF:
            page.goto("/inloggen")
            page.get_by_label("Gebruikersnaam").fill(USERNAMES.get(person, person))
            page.get_by_label("Wachtwoord").fill(PASSWORD)
            page.get_by_role("button", name="Inloggen").click()
            page.wait_for_url("**/werkvoorraad**")
        elif person == RECEIPT:
            page.goto("/mijn-melding")
            page.get_by_label("Ontvangstcode").fill(self.w.receipt_code)
            page.get_by_role("button", name="Openen").click()
            page.wait_for_load_state()
        self.pages[person] = page
        return page

    def close(self):
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="module")
def people(browser, server, world):  # noqa: F811
    p = People(browser, server, world)
    yield p
    p.close()


def _viewer(key: str, w: World) -> str | None:
    policy = POLICY[key]
    if policy.who in ("open", "once"):
        return ANONYMOUS
    allowed = audience(policy, w)
    return next((p for p in PREFERRED if p in allowed), None)


def _visits() -> list[tuple[str, str | None, str, bool]]:
    return [(k, None, "", False) for k in PAGE_KEYS] + list(ALSO)


@pytest.mark.parametrize("key,person,query,done", _visits(),
                         ids=[f"{k}{query}{' (afgerond)' if done else ''}{' als ' + p if p else ''}"
                              for k, p, query, done in _visits()])
def test_page_is_accessible_fits_390px_and_shows_no_ids(world, people, key, person, query, done):  # noqa: F811
    person = person or _viewer(key, world)
    if person is None:
        pytest.skip(f"{key}: nobody in the demo organisation may open it")
    policy = POLICY[key]
    if done:
        policy = type(policy)(**{**policy.__dict__, "probe": {**policy.probe, "task": "done"}})
    path = _fill(key.split("#")[0].split(" ", 1)[1], policy, world) + query
    if "/diagram" in path:
        path += "?bestand=" + world.bpmn_file
    # A route that answers a file or a redirect belongs in NOT_PAGES (where it is proven to be one).
    answer = world.clients[person].get(path)
    assert answer.status_code not in (301, 302, 303, 307) and answer.headers.get("content-type", "").startswith(
        "text/html"), f"{key}: answers {answer.status_code} {answer.headers.get('content-type')}: list it in NOT_PAGES"
    page = people.page(person) if person != ANONYMOUS else people.page(ANONYMOUS)
    failures = []
    slug = re.sub(r"[^a-z0-9]+", "-", f"{key.split(' ', 1)[1]}{query}{'-afgerond' if done else ''}-{person}"
                  .lower()).strip("-")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(path)
        page.wait_for_load_state("load")
        for diagram in ("[data-bpmn-url]", "[data-modeller-url]"):  # the viewer, and the process owners' modeller
            if page.locator(diagram).count():
                page.wait_for_selector(f"{diagram}[data-rendered]", timeout=20000)
                if page.locator(diagram).get_attribute("data-rendered") != "true":
                    failures.append(f"{width}px: the diagram did not render")
        for v in axe_violations(page, impacts=ALL_IMPACTS):
            failures.append(f"{width}px axe {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}")
        overflow = page.evaluate(OVERFLOW)
        if overflow > 1:
            wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                                     (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : ''))""")
            failures.append(f"{width}px: the page is {overflow}px wider than the screen ({wide})")
        ids = sorted(set(ID_PATTERN.findall(page.evaluate(READABLE))))
        if ids:
            failures.append(f"{width}px: element or template ids on screen: {ids}")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"pagina-{slug}-{width}.png"), full_page=True)
    assert not failures, f"{path} as {person}:\n" + "\n".join(failures)


# --------------------------------------------------------------------------- the header, the diagram, the timeline


def test_the_header_names_a_user_without_roles_without_empty_brackets(world):  # noqa: F811
    page = world.clients["medewerker"].get("/werkvoorraad").text
    who = re.search(r'<li class="wie">(.*?)</li>', page, re.S).group(1)
    assert who.strip() == "Mehmet Medewerker"
    assert "(Integriteitscoördinator)" in world.clients["coordinator"].get("/werkvoorraad").text


def _transform(page) -> str:
    return page.evaluate("() => document.querySelector('#diagram .viewport').getAttribute('transform') || ''")


def _scale(page) -> float:
    return page.evaluate("() => document.querySelector('#diagram .viewport').transform.baseVal.consolidate()"
                         ".matrix.a")


def test_the_process_diagram_zooms_and_pans_with_keyboard_and_buttons(world, people):  # noqa: F811
    page = people.page("coordinator")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/zaken/{world.case_id}")
    page.wait_for_selector("#diagram[data-rendered=true]", timeout=20000)
    canvas = page.locator("#diagram")
    assert canvas.get_attribute("tabindex") == "0" and canvas.get_attribute("role") == "region"
    fitted = _scale(page)
    canvas.focus()
    page.keyboard.press("+")
    assert _scale(page) > fitted * 1.2
    before = _transform(page)
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowUp")
    assert _transform(page) != before  # panned
    page.keyboard.press("0")
    assert abs(_scale(page) - fitted) < 1e-6
    page.get_by_role("button", name="Uitzoomen").click()
    assert _scale(page) < fitted
    page.get_by_role("button", name="Passend maken").click()
    assert abs(_scale(page) - fitted) < 1e-6
    # the active step is marked, and named in the text (not by its id)
    assert page.locator("#diagram .djs-element.actief").count() >= 1
    active = page.locator("section[aria-labelledby=proces] p.hulp", has_text="Actieve stappen").inner_text()
    assert "Besluit disciplinaire maatregel" in active or "Zaak registreren" in active, active


def _section(html: str) -> str:
    match = re.search(r'<section aria-labelledby="tijdlijn">(.*?)</section>', html, re.S)
    assert match, "the case page has a timeline"
    return match.group(1)


def _days(section: str) -> list[tuple[str, list[str]]]:
    parts = re.split(r'<h3 class="dag">(.*?)</h3>', section)
    return [(parts[i], [re.sub(r"<[^>]+>", " ", li) for li in re.findall(r"<li>(.*?)</li>", parts[i + 1], re.S)])
            for i in range(1, len(parts), 2)]


def test_timeline_per_day_filtered_with_page_views_collapsed(world):  # noqa: F811
    from datetime import datetime, timezone

    from fastapi.testclient import TestClient

    from engine import clock

    coordinator = world.clients["coordinator"]
    path = f"/zaken/{world.case_id}"
    for _ in range(3):  # every view of the case page by the identity-authorised is audited as a read
        assert coordinator.get(path).status_code == 200
    frozen = clock.get_clock()
    start = frozen.now()
    try:
        frozen.set(datetime(2026, 11, 3, 14, 30, tzinfo=timezone.utc))  # the next day, 15:30 in Amsterdam
        nextday = TestClient(world.app, follow_redirects=False)  # a new session: yesterday's has lapsed
        assert nextday.post("/api/v1/auth/inloggen", json={"username": "coordinator", "password": PASSWORD}
                            ).status_code == 200
        assert nextday.get(path).status_code == 200
        reads = _days(_section(nextday.get(path + "?soort=inzage").text))
    finally:
        frozen.set(start)
    assert [d for d, _ in reads] == ["3 november 2026", "2 november 2026"]  # newest day first
    today, earlier = reads[0][1], reads[1][1]
    assert len(today) == 1 and today[0].strip().startswith("15:30 ·"), today  # the local time, one line
    collapsed = [l for l in earlier if "Vertrouwelijke gegevens ingezien" in l and "Cor Coördinator" in l]
    assert len(collapsed) == 1, earlier  # the day's page views: one line with a count
    count = int(re.search(r"\((\d+) keer\)", collapsed[0]).group(1))
    assert count >= 3
    assert not any("Taak afgerond" in l for _, lines in reads for l in lines)  # the filter keeps only reads

    everything = coordinator.get(path).text
    lines = [l for _, ls in _days(_section(everything)) for l in ls]
    assert any("Taak afgerond: Melding registreren" in l for l in lines), lines[-5:]
    assert not ID_PATTERN.search(" ".join(lines))
    assert re.search(r'<option value="inzage"[^>]*>Inzage \(\d+\)</option>', everything)
    # the API keeps its shape: the same events, ids and all (for machines), nothing renamed
    events = coordinator.get(f"/api/v1/zaken/{world.case_id}/tijdlijn").json()
    assert set(events[0]) == {"id", "op", "door", "actie", "taak_id", "details"}
    assert any(e["actie"] == "task.completed" and e["details"].get("element") == "melding_registreren"
               for e in events)


@pytest.mark.parametrize("key", sorted(NOT_PAGES))
def test_the_routes_left_out_answer_a_file_or_a_redirect(world, key):  # noqa: F811
    person = _viewer(key, world)
    assert person is not None, key
    policy = POLICY[key]
    path = _fill(key.split("#")[0].split(" ", 1)[1], policy, world)
    if "/diagram" in path:
        path += "?bestand=" + world.bpmn_file
    answer = world.clients[person].get(path)
    assert answer.status_code in (301, 302, 303, 307) or (
        answer.status_code == 200 and not answer.headers.get("content-type", "").startswith("text/html")), (
        key, answer.status_code, answer.headers.get("content-type"))
