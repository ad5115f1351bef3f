"""The Dutch step library: sentences a compliance tester writes, driving the real HTTP API.

Each scenario gets a fresh database (fixture ``db``), the real process from processes/ and a frozen clock.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from pytest_bdd import given, parsers, then, when

from api.app import create_app
from api.settings import ApiSettings
from engine import legal_terms
from engine.identity import service as identity
from engine.identity.models import User
from engine.identity.seed import ensure_demo_users
from engine.processes import service as processes
from engine.contact.service import sweep_in as contact_sweep_in
from engine.timers.service import fire_due
from tests.process.driver import PROCESSES
from tests.process.scenarios import DEFAULTS

MONTHS = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december"]


def dutch_date(text: str) -> date:
    m = re.fullmatch(r"\s*(\d{1,2}) (\w+) (\d{4})\s*", text)
    if not m or m.group(2).lower() not in MONTHS:
        raise AssertionError(f"'{text}' is geen datum zoals '2 november 2026'.")
    try:
        return date(int(m.group(3)), MONTHS.index(m.group(2).lower()) + 1, int(m.group(1)))
    except ValueError:  # 31 november, 29 februari in a common year
        raise AssertionError(f"'{text}' bestaat niet: {m.group(2).lower()} {m.group(3)} heeft geen dag "
                             f"{int(m.group(1))}.") from None


def docx_text(content: bytes) -> str:
    """All text of a .docx (body, tables, text boxes), one line per paragraph."""
    import zipfile
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S)
    lines = ["".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p)) for p in paragraphs]
    import html
    return "\n".join(html.unescape(line) for line in lines if line.strip())


def as_dutch(d: date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def fail(expected: str, found: str) -> None:
    raise AssertionError(f"\nVerwacht: {expected}\nGevonden: {found}")


def answer(r, limit: int = 400) -> str:
    """What the API answered, in the tester's words: a refusal (problem+json) as its Dutch title, its message and the
    message per field, and its reason code; anything else as the status and the start of the text."""
    try:
        body = r.json()
    except ValueError:
        body = None
    if not (isinstance(body, dict) and ("title" in body or "detail" in body)):
        return f"antwoord {r.status_code}: {r.text[:limit]}"
    detail = str(body.get("detail") or "").strip()
    parts = [detail] if detail else []
    for e in body.get("errors") or []:
        if isinstance(e, dict) and e.get("message") and str(e["message"]) not in detail:
            parts.append(str(e["message"]))
    code = body.get("reden")
    return (f"geweigerd ({body.get('title') or r.status_code})" + (": " + " ".join(parts) if parts else "")
            + (f" (redencode '{code}')" if code else ""))


def _category_hint(r, categorie: str) -> str:
    """For a refused category: the nearest category of the list (the tester wrote it slightly differently)."""
    try:
        fields = {e.get("field") for e in r.json().get("errors") or [] if isinstance(e, dict)}
    except (ValueError, AttributeError):
        return ""
    if "categorie" not in fields:
        return ""
    from rapidfuzz import fuzz, process, utils

    from engine.reports.labels import CATEGORIES

    near, _, _ = process.extractOne(categorie, CATEGORIES, scorer=fuzz.WRatio, processor=utils.default_process)
    return f"\nBedoelt u: '{near}'? De categorieën: " + "; ".join(CATEGORIES) + "."


def refused(r, reden: str, doing: str) -> None:
    """Fail unless the answer ``r`` refuses (status 4xx) for reason ``reden``: a stable reason code ("belangenconflict",
    see engine.errors.REASONS and the catalogue), the Dutch text of that code, the error type ("conflict-of-interest"),
    or a fragment of the Dutch message the user gets."""
    from engine.errors import REASONS

    if r.status_code < 400:
        fail(f"{doing}: geweigerd omdat '{reden}'", f"het is gelukt ({r.status_code})")
    try:
        body = r.json()
    except ValueError:
        body = {}
    body = body if isinstance(body, dict) else {}
    code = body.get("reden")
    kind = str(body.get("type", "")).rsplit("/", 1)[-1]
    texts = [str(body.get("detail", "")), str(body.get("title", ""))] + [
        f"{e.get('field')}: {e.get('message')}" for e in body.get("errors") or [] if isinstance(e, dict)] + [
        str(i.get("message", "")) for i in body.get("issues") or [] if isinstance(i, dict)]
    wanted = _fold(reden)
    if code and wanted in (_fold(code), _fold(REASONS.get(code, ""))):
        return
    if wanted == _fold(kind) or any(wanted in _fold(t) for t in texts if t):
        return
    found = answer(r) + f" — soort '{kind}'" + (f", redencode '{code}' ({REASONS.get(code)})" if code
                                                 else ", zonder redencode")
    fail(f"{doing}: geweigerd omdat '{reden}' (een redencode, de tekst ervan of een deel van de melding)", found)


def _fold(text: str) -> str:
    """Lower case, without diacritics, '_' and '-' as spaces: 'Integriteitscoördinator' == 'integriteitscoordinator'."""
    import unicodedata
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(plain.lower().replace("_", " ").replace("-", " ").split())


def role_code(text: str) -> str:
    """The role code for a role as the tester writes it: its Dutch name ("bevoegd gezag", "HR-adviseur",
    "integriteitscoördinator") or its code ("bevoegd_gezag"). An unknown role fails with the list of roles."""
    from engine.identity.roles import known_roles
    roles = known_roles()
    for code, label in roles.items():
        if _fold(text) in (_fold(code), _fold(label)):
            return code
    fail(f"een bekende rol '{text}'", "de rollen zijn: " + ", ".join(f"'{label}' ({code})" for code, label in roles.items()))


@dataclass
class World:
    client: TestClient
    db: object
    clock: object
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    case_id: int | None = None
    receipt: str | None = None
    letter_text: str = ""
    letter_desc: str = ""
    last_error: str = ""
    last_response: object = None
    report: dict = field(default_factory=dict)
    refusal: tuple | None = None  # (status, body, cases stored) of a report that was refused

    def h(self, who: str) -> dict:
        if who not in self.tokens:
            fail(f"een gebruiker '{who}'", f"alleen {sorted(self.tokens)}")
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def add_user(self, user: User, session) -> None:
        self.users[user.username] = user.id
        self.tokens[user.username] = identity.issue_token(session=session, user=user, name="bdd")[0]

    def tasks(self, who: str) -> list[dict]:
        items = []
        for path in ("/api/v1/taken/mijn", "/api/v1/taken/onverdeeld"):
            r = self.client.get(path, headers=self.h(who))
            assert r.status_code == 200, r.text
            items += r.json()
        return [i for i in items if self.case_id is None or i["zaak_id"] == self.case_id]

    def open_tasks(self, with_assignee: bool = False) -> list[dict]:
        from engine.worklist.models import WorkItem
        from sqlalchemy import select
        with self.db.session() as s:
            rows = s.scalars(select(WorkItem).where(WorkItem.case_id == self.case_id)).all()
            names = {uid: name for name, uid in self.users.items()}
            return [{"id": w.id, "element_id": w.element_id, "naam": w.name, "rol": w.role, "status": w.state,
                     "termijn": w.due_at, "formulier": w.form,
                     "bij": names.get(w.assignee_id, w.assignee_id) if with_assignee else None}
                    for w in rows if w.state == "open"]

    def task(self, name: "str | TaskMeaning") -> dict:
        ids = task_ids(name)
        found = [t for t in self.open_tasks() if t["element_id"] in ids]
        if not found:
            fail(f"een open taak '{name}' in de zaak", describe(self.open_tasks()))
        return found[0]


@dataclass(frozen=True)
class ProcessTask:
    """A task as the process files declare it: what the steps may know of it besides its element id."""
    id: str
    name: str
    form: str                 # the file name of the form it shows ("sanctieadvies_opstellen.json"), "" for none
    milestones: frozenset[str]  # its legal milestones (property legal_milestone)
    fulfils: frozenset[str]     # the milestones its completion fulfils (property fulfils)


def _listed(value: str | None) -> frozenset[str]:
    return frozenset(p.strip() for p in (value or "").split(",") if p.strip())


def _process_tasks(directory) -> tuple[ProcessTask, ...]:
    """Every task in the process files of ``directory`` (the files the scenarios deploy), with its declared meaning."""
    import xml.etree.ElementTree as ET
    from pathlib import Path

    from engine.processes.legal_rules import FULFILS_PROPERTY, MILESTONE_PROPERTY

    key = str(directory)
    if key not in _TASKS:
        found = []
        for path in sorted(Path(directory).glob("*.bpmn")):
            for el in ET.parse(path).iter():
                if not (el.tag.rsplit("}", 1)[-1].lower().endswith("task") and el.get("id")):
                    continue
                props = {p.get("name"): p.get("value") for p in el.iter() if p.tag.rsplit("}", 1)[-1] == "property"}
                found.append(ProcessTask(el.get("id"), el.get("name") or "", (props.get("form") or "").rsplit("/", 1)[-1],
                                         _listed(props.get(MILESTONE_PROPERTY)), _listed(props.get(FULFILS_PROPERTY))))
        _TASKS[key] = tuple(found)
    return _TASKS[key]


_TASKS: dict[str, tuple] = {}


@dataclass(frozen=True)
class TaskMeaning:
    """A task the steps name by what the process files declare it means, never by its element id, so a process owner
    who renames an element keeps every step working: the task that fulfils a milestone, carries a milestone, or shows
    a form. Pass it wherever a step takes a task name (``_complete``, ``World.task``, ``is_task``, ``task_ids``)."""
    kind: str   # FULFILS | MILESTONE | FORM
    value: str

    def matches(self, task: ProcessTask) -> bool:
        if self.kind == FULFILS:
            return self.value in task.fulfils
        if self.kind == MILESTONE:
            return self.value in task.milestones
        return task.form == self.value

    def description(self) -> str:
        return {FULFILS: f"de taak die de mijlpaal '{self.value}' vervult (eigenschap fulfils)",
                MILESTONE: f"de taak met de mijlpaal '{self.value}' (eigenschap legal_milestone)",
                FORM: f"de taak met het formulier '{self.value}'"}[self.kind]

    def __str__(self) -> str:
        """The name(s) the user sees, so a failure speaks of the task as the worklist shows it."""
        names = sorted({t.name or t.id for t in _process_tasks(PROCESSES) if self.matches(t)})
        return " / ".join(names) or self.description()


FULFILS, MILESTONE, FORM = "fulfils", "milestone", "form"


def task_fulfilling(milestone: str) -> TaskMeaning:
    """The task whose completion fulfils ``milestone`` (manifest legal_rules; BPMN property ``fulfils``)."""
    return TaskMeaning(FULFILS, milestone)


def task_with_milestone(milestone: str) -> TaskMeaning:
    """The task(s) carrying the legal milestone ``milestone`` (BPMN property ``legal_milestone``)."""
    return TaskMeaning(MILESTONE, milestone)


def task_with_form(form: str) -> TaskMeaning:
    """The task(s) showing the form file ``form`` ("sanctieadvies_opstellen.json"; BPMN property ``form``)."""
    return TaskMeaning(FORM, form)


def task_ids(taak: "str | TaskMeaning") -> frozenset[str]:
    """The tasks of the process files that ``taak`` names: a :class:`TaskMeaning` (how the step library names a task),
    or, as a tester writes it, the name the user sees in the worklist ("Escalatie: ontvangstbevestiging te laat";
    capitals and accents do not matter) or, as older scenarios do, the element id. A name no task has fails with the
    nearest task names, so a misspelt name never makes "staat de taak ... niet open" pass by naming nothing."""
    tasks = _process_tasks(PROCESSES)
    if isinstance(taak, TaskMeaning):
        found = frozenset(t.id for t in tasks if taak.matches(t))
        if not found:
            fail(f"{taak.description()} in het proces", "geen taak in de procesbestanden verklaart dat")
        return found
    found = frozenset(t.id for t in tasks if taak == t.id or (t.name and _fold(taak) == _fold(t.name)))
    if not found:
        from rapidfuzz import fuzz, process, utils

        names = sorted({t.name for t in tasks if t.name})
        near = [n for n, _, _ in process.extract(taak, names, scorer=fuzz.WRatio, processor=utils.default_process,
                                                 limit=3)]
        fail(f"een taak '{taak}' in het proces", "geen taak in de procesbestanden heet zo. Bedoelt u: "
             + ", ".join(f"'{n}'" for n in near) + "?")
    return found


def is_task(task: dict, taak: "str | TaskMeaning") -> bool:
    """Is ``task`` (a work item, with its element id) the task the scenario calls ``taak``?"""
    return task["element_id"] in task_ids(taak)


def form_key(task: dict) -> str:
    """The name of the form a work item shows, without folder and '.json' ("sanctieadvies_opstellen"): the key of its
    default answers (tests.process.scenarios names each set after its form file, which in processes/ is also the
    element's id, so a renamed element keeps its defaults)."""
    form = task.get("formulier")
    return form.rsplit("/", 1)[-1].removesuffix(".json") if isinstance(form, str) else ""


def step_ids(stap: str) -> frozenset[str]:
    """The elements a case passes that ``stap`` names: the tasks with that visible name, else ``stap`` taken as the
    id of any element in the process (a gateway or event has no name in the worklist)."""
    by_name = frozenset(t.id for t in _process_tasks(PROCESSES) if t.name and _fold(stap) == _fold(t.name))
    if by_name:
        return by_name
    import xml.etree.ElementTree as ET

    if not any(el.get("id") == stap for path in sorted(PROCESSES.glob("*.bpmn")) for el in ET.parse(path).iter()):
        task_ids(stap)  # fails with the nearest task names: a misspelt step never passes "niet doorlopen"
    return frozenset({stap})


def defaults_for(task: dict, answers: dict | None = None) -> dict:
    """Valid default answers for a work item (``answers``, default DEFAULTS), found by the form it shows."""
    answers = DEFAULTS if answers is None else answers
    return answers.get(form_key(task)) or answers.get(task["element_id"], {})


def describe(tasks: list[dict]) -> str:
    if not tasks:
        return "geen taken"
    return "; ".join(f"'{t['naam']}' ({t['element_id']}, rol {t['rol']}"
                     + (f", bij {t['bij']}" if t.get("bij") else "") + ")" for t in tasks)


@dataclass(frozen=True)
class ScenarioEquatedDays(legal_terms.EquatedDays):
    """The organisation's equated days (Atw art. 3 lid 3) plus what the scenario declares; notes every year a
    legal term needed that neither covers, so the scenario can say so instead of silently counting without."""

    missing: set = field(default_factory=set, compare=False)
    reported: set = field(default_factory=set, compare=False)

    def for_year(self, year: int) -> frozenset[date]:
        if year not in self.by_year:
            self.missing.add(year)
        return super().for_year(year)


def equated_days_covered() -> None:
    """Fail with a Dutch message when a legal term used a year that no equated-days setting covers."""
    days = legal_terms.equated_days()
    if not isinstance(days, ScenarioEquatedDays):
        return
    new = sorted(days.missing - days.reported)
    if not new:
        return
    days.reported.update(new)
    years = ", ".join(map(str, new))
    known = sorted(days.by_year)
    covered = f"{known[0]} tot en met {known[-1]}" if known else "geen enkel jaar"
    fail(f"gelijkgestelde dagen (Algemene termijnenwet art. 3 lid 3) voor {years}",
         f"processes/gelijkgestelde_dagen.json gaat over {covered}, en dit scenario rekent met een termijn in {years}.\n"
         f"Vul het jaar aan in dat bestand (uit het besluit in de Staatscourant), of zeg in het scenario welke dagen gelden:\n"
         f"    Gegeven in {new[0]} zijn er geen gelijkgestelde dagen\n"
         f"    Gegeven de gelijkgestelde dagen in {new[0]} zijn 7 mei {new[0]}")


@pytest.fixture
def wereld(db, clock) -> World:
    app = create_app(ApiSettings(cookie_secure=True))
    organisation = legal_terms.equated_days()
    previous = legal_terms.configure_equated_days(ScenarioEquatedDays(by_year=dict(organisation.by_year)))
    try:
        with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
            w = World(client=client, db=db, clock=clock)
            with db.session() as s:
                processes.deploy(session=s, directory=PROCESSES)
            yield w
    finally:
        legal_terms.configure_equated_days(previous)


def run_timers(w: World) -> None:
    fire_due(database=w.db)
    contact_sweep_in(w.db)  # reporter contact (engine.contact), like the timer worker
    equated_days_covered()


def time_moved(w: World) -> None:
    """After time passes: new API tokens (old ones may have expired), then the due timers fire."""
    with w.db.session() as s:
        for name, uid in w.users.items():
            w.tokens[name] = identity.issue_token(session=s, user=s.get(User, uid), name="bdd")[0]
    run_timers(w)


# ---------------------------------------------------------------- organisatie

@given(parsers.parse("het is {datum}"))
@when(parsers.parse("het {datum} is"))
def step_today(wereld: World, datum: str):
    """Voorbeeld: Gegeven het is 2 november 2026   /   Als het 27 april 2027 is
    (09:00 uur. Elke datum, ook in het verleden, zolang er nog geen melding is; daarna gaat de klok alleen vooruit.
    De gelijkgestelde dagen van de Algemene termijnenwet moeten het jaar dekken, zie "zijn er geen gelijkgestelde dagen")"""
    moment = datetime.combine(dutch_date(datum), time(9, 0), tzinfo=timezone.utc)
    if moment < wereld.clock.now() and wereld.case_id is not None:
        fail(f"een datum na {as_dutch(wereld.clock.now().date())} (de klok gaat niet terug zodra er een melding is)",
             datum)
    wereld.clock.set(moment)
    time_moved(wereld)


def _declare_equated_days(year: int, days: list[date]) -> None:
    current = legal_terms.equated_days()
    if not isinstance(current, ScenarioEquatedDays):
        current = ScenarioEquatedDays(by_year=dict(current.by_year))
    wrong = [as_dutch(d) for d in days if d.year != year]
    if wrong:
        fail(f"datums in {year}", ", ".join(wrong))
    legal_terms.configure_equated_days(ScenarioEquatedDays(by_year={**current.by_year, year: frozenset(days)},
                                                           missing=current.missing, reported=current.reported))


@given(parsers.parse("in {jaar:d} zijn er geen gelijkgestelde dagen"))
def step_no_equated_days(wereld: World, jaar: int):
    """Voorbeeld: Gegeven in 2031 zijn er geen gelijkgestelde dagen
    (voor een jaar dat processes/gelijkgestelde_dagen.json niet noemt: termijnen tellen alleen weekend en feestdagen)"""
    _declare_equated_days(jaar, [])


@given(parsers.parse("de gelijkgestelde dagen in {jaar:d} zijn {datums}"))
def step_equated_days(wereld: World, jaar: int, datums: str):
    """Voorbeeld: Gegeven de gelijkgestelde dagen in 2025 zijn 30 mei 2025
    (dagen die bij koninklijk besluit met een feestdag zijn gelijkgesteld; meer dan één: "28 april 2028 en 26 mei 2028")"""
    _declare_equated_days(jaar, [dutch_date(d) for d in re.split(r",| en ", datums) if d.strip()])


@given(parsers.parse('de rechtspositie van de organisatie is "{route}"'))
def step_legal_route(wereld: World, route: str):
    """Voorbeeld: Gegeven de rechtspositie van de organisatie is "publiekrechtelijk"   (of "arbeidsovereenkomst")
    Rolt het proces opnieuw uit met deze instelling; nieuwe meldingen volgen die rechtsgang."""
    import json
    if route not in ("publiekrechtelijk", "arbeidsovereenkomst"):
        fail("rechtspositie 'publiekrechtelijk' of 'arbeidsovereenkomst'", route)
    files = {str(f.relative_to(PROCESSES)).replace("\\", "/"): f.read_bytes()
             for f in PROCESSES.rglob("*") if f.is_file()}
    manifest = json.loads(files["manifest.json"])
    manifest["settings"]["rechtspositie"] = route
    files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    with wereld.db.session() as s:
        processes.deploy(session=s, files=files)


@given("de demo-organisatie")
def step_demo(wereld: World):
    """Voorbeeld: Gegeven de demo-organisatie"""
    with wereld.db.session() as s:
        for u in ensure_demo_users(session=s, password=None):
            wereld.add_user(u, s)


@given(parsers.parse('medewerker "{naam}" met de rol "{rol}" bij "{eenheid}"'))
def step_user(wereld: World, naam: str, rol: str, eenheid: str):
    """Voorbeeld: Gegeven medewerker "karin" met de rol "onderzoeker" bij "Douane"
    (de rol bij haar Nederlandse naam, zoals "bevoegd gezag" of "integriteitscoördinator", of haar code; rol "geen" = geen rol)"""
    roles = [] if rol == "geen" else [role_code(rol)]
    with wereld.db.session() as s:
        u = identity.create_user(session=s, username=naam, display_name=naam.title(), roles=roles, unit=eenheid)
        wereld.add_user(u, s)


@given(parsers.parse('"{baas}" is leidinggevende van "{naam}"'))
def step_manager(wereld: World, baas: str, naam: str):
    """Voorbeeld: Gegeven "teamleider" is leidinggevende van "medewerker\""""
    with wereld.db.session() as s:
        s.get(User, wereld.users[naam]).manager_id = wereld.users[baas]


# ---------------------------------------------------------------- melden

def _display(wereld: World, username: str) -> str:
    if username not in wereld.users:
        return username
    with wereld.db.session() as s:
        return s.get(User, wereld.users[username]).display_name


def _report(wereld: World, who: str, categorie: str, onderwerp: str, **extra) -> dict:
    body = {"kanaal": "meldpunt_integriteit", "categorie": categorie, "subcategorie": "fraude",
            "omschrijving": onderwerp if len(onderwerp) >= 10 else onderwerp + " (melding)",
            "dienstonderdeel": "Douane", "betrokkene_naam": "B. Betrokkene", "betrokkene_functie": "Inspecteur",
            "risicofunctie": "geen", **extra}
    wereld.report = {k: v for k, v in body.items() if not k.endswith("_id") and v is not None}
    r = wereld.client.post("/api/v1/meldingen", headers=wereld.h(who), json=body)
    if r.status_code != 201:
        fail("de melding wordt geregistreerd", answer(r) + _category_hint(r, categorie))
    out = r.json()
    wereld.case_id = out["zaak_id"]
    wereld.receipt = out.get("ontvangstcode")
    return out


@when(parsers.parse('"{wie}" een melding registreert van "{melder}" met categorie "{categorie}" over "{onderwerp}"'))
@given(parsers.parse('"{wie}" een melding registreert van "{melder}" met categorie "{categorie}" over "{onderwerp}"'))
def step_report_named(wereld: World, wie: str, melder: str, categorie: str, onderwerp: str):
    """Voorbeeld: Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Valse declaraties\""""
    extra = {"melder_naam": _display(wereld, melder), "melder_email": f"{melder}@example.org"}
    if melder in wereld.users:
        extra["melder_id"] = wereld.users[melder]
    _report(wereld, wie, categorie, onderwerp, **extra)


@when(parsers.parse('"{wie}" een melding registreert van "{melder}" over "{betrokkene}" met categorie "{categorie}"'))
@given(parsers.parse('"{wie}" een melding registreert van "{melder}" over "{betrokkene}" met categorie "{categorie}"'))
def step_report_about(wereld: World, wie: str, melder: str, betrokkene: str, categorie: str):
    """Voorbeeld: Gegeven "meldpunt" een melding registreert van "ruud" over "cora" met categorie "Financiële schendingen"
    (melder en betrokkene zijn medewerkers uit de organisatie)"""
    extra = {"melder_naam": _display(wereld, melder), "melder_email": f"{melder}@example.org",
             "betrokkene_naam": _display(wereld, betrokkene)}
    if melder in wereld.users:
        extra["melder_id"] = wereld.users[melder]
    if betrokkene in wereld.users:
        extra["betrokkene_id"] = wereld.users[betrokkene]
    _report(wereld, wie, categorie, "Declaraties voor reizen die niet zijn gemaakt", **extra)


@when(parsers.parse('"{wie}" een anonieme melding registreert met categorie "{categorie}" over "{onderwerp}"'))
@given(parsers.parse('"{wie}" een anonieme melding registreert met categorie "{categorie}" over "{onderwerp}"'))
def step_report_anonymous_staff(wereld: World, wie: str, categorie: str, onderwerp: str):
    """Voorbeeld: Als "meldpunt" een anonieme melding registreert met categorie "Financiële schendingen" over "Valse declaraties\""""
    _report(wereld, wie, categorie, onderwerp, melder_anoniem=True)


@when(parsers.parse('"{vp}" namens "{melder}" een melding doorgeeft met categorie "{categorie}" over "{onderwerp}"'))
@given(parsers.parse('"{vp}" namens "{melder}" een melding doorgeeft met categorie "{categorie}" over "{onderwerp}"'))
def step_report_vp(wereld: World, vp: str, melder: str, categorie: str, onderwerp: str):
    """Voorbeeld: Als "vertrouwenspersoon" namens "medewerker" een melding doorgeeft met categorie "Financiële schendingen" over "Valse declaraties\""""
    _report(wereld, vp, categorie, onderwerp, kanaal="vertrouwenspersoon", via_vertrouwenspersoon=True,
            toestemming_doorgeven=True, melder_naam=_display(wereld, melder), melder_id=wereld.users.get(melder))


@when(parsers.parse('iemand anoniem een melding doet via het publieke formulier met categorie "{categorie}" over "{onderwerp}"'))
@given(parsers.parse('iemand anoniem een melding doet via het publieke formulier met categorie "{categorie}" over "{onderwerp}"'))
def step_report_public(wereld: World, categorie: str, onderwerp: str):
    """Voorbeeld: Als iemand anoniem een melding doet via het publieke formulier met categorie "Financiële schendingen" over "Valse declaraties\""""
    body = {"categorie": categorie, "omschrijving": onderwerp if len(onderwerp) >= 10 else onderwerp + " (melding)",
            "dienstonderdeel": "Douane"}
    wereld.report = {**body, "melder_anoniem": True}
    r = wereld.client.post("/api/v1/publiek/meldingen", json=body)
    if r.status_code != 201:
        fail("de publieke melding wordt aangenomen", answer(r) + _category_hint(r, categorie))
    wereld.receipt = r.json().get("ontvangstcode")
    # the reporter gets no case number (what the web form shows her): her report is the newest case
    from engine.cases.models import Case
    from sqlalchemy import select
    with wereld.db.session() as s:
        wereld.case_id = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))


def _names(wereld: World, namen: str) -> list[int]:
    """ "coordinator" of "coordinator en meldpunt" of "a, b en c": de gebruikers-ids van die medewerkers."""
    ids = []
    for naam in re.split(r"\s*,\s*|\s+en\s+", namen.strip()):
        if naam not in wereld.users:
            fail(f"medewerker '{naam}' bestaat", f"bekende medewerkers: {', '.join(sorted(wereld.users))}")
        ids.append(wereld.users[naam])
    return ids


def _public_excluding(wereld: World, categorie: str, onderwerp: str, namen: str):
    body = {"categorie": categorie, "omschrijving": onderwerp if len(onderwerp) >= 10 else onderwerp + " (melding)",
            "dienstonderdeel": "Douane", "uitgesloten": _names(wereld, namen)}
    wereld.report = {**body, "melder_anoniem": True}
    return wereld.client.post("/api/v1/publiek/meldingen", json=body)


@when(parsers.parse('iemand anoniem een melding doet via het publieke formulier met categorie "{categorie}" over '
                    '"{onderwerp}" die "{namen}" niet mag zien'))
@given(parsers.parse('iemand anoniem een melding doet via het publieke formulier met categorie "{categorie}" over '
                     '"{onderwerp}" die "{namen}" niet mag zien'))
def step_report_public_excluding(wereld: World, categorie: str, onderwerp: str, namen: str):
    """Voorbeeld: Als iemand anoniem een melding doet via het publieke formulier met categorie "Financiële schendingen" over "De coördinator past declaraties aan" die "coordinator" niet mag zien
    (de melding gaat over wie meldingen behandelt: meldpunt, integriteitscoördinator, Bureau V&I; meer namen: "a en b")"""
    r = _public_excluding(wereld, categorie, onderwerp, namen)
    if r.status_code != 201:
        fail("de publieke melding wordt aangenomen", answer(r) + _category_hint(r, categorie))
    wereld.receipt = r.json().get("ontvangstcode")
    from engine.cases.models import Case
    from sqlalchemy import select
    with wereld.db.session() as s:
        wereld.case_id = s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))  # hers: no case number


@when(parsers.parse('iemand anoniem probeert te melden via het publieke formulier met categorie "{categorie}" over '
                    '"{onderwerp}" die "{namen}" niet mag zien'))
def step_report_public_excluding_refused(wereld: World, categorie: str, onderwerp: str, namen: str):
    """Voorbeeld: Als iemand anoniem probeert te melden via het publieke formulier met categorie "Financiële schendingen" over "Het meldpunt lekt meldingen" die "meldpunt" niet mag zien
    (de weigering staat daarna in "is de melding niet aangenomen met de uitleg")"""
    from engine.cases.models import Case
    from sqlalchemy import func, select
    with wereld.db.session() as s:
        before = s.scalar(select(func.count()).select_from(Case))
    r = _public_excluding(wereld, categorie, onderwerp, namen)
    with wereld.db.session() as s:
        after = s.scalar(select(func.count()).select_from(Case))
    wereld.refusal = (r.status_code, r.json() if r.headers.get("content-type", "").endswith("json") else {},
                      after - before)


@then(parsers.parse('is de melding niet aangenomen met de uitleg "{tekst}"'))
def step_report_refused(wereld: World, tekst: str):
    """Voorbeeld: Dan is de melding niet aangenomen met de uitleg "Huis voor Klokkenluiders"
    (er is niets bewaard; de uitleg noemt het veld en bevat deze tekst)"""
    status, body, stored = wereld.refusal or (None, {}, 0)
    messages = " ".join(e.get("message", "") for e in body.get("errors", []))
    if status != 422 or stored or tekst not in messages:
        fail(f"de melding is geweigerd (422), niets bewaard, met de uitleg '{tekst}'",
             f"status {status}, {stored} zaak bewaard, uitleg: {messages or body}")


# ---------------------------------------------------------------- werkvoorraad en taken

@then(parsers.parse('ziet "{wie}" de taak "{taak}" in de werkvoorraad'))
def step_sees_task(wereld: World, wie: str, taak: str):
    """Voorbeeld: Dan ziet "meldpunt" de taak "Melding registreren" in de werkvoorraad"""
    items = wereld.tasks(wie)
    if not any(is_task(i, taak) for i in items):
        fail(f"'{wie}' ziet de taak '{taak}'", f"werkvoorraad van '{wie}' voor deze zaak: {describe(items)}\n"
                                               f"open taken in de zaak: {describe(wereld.open_tasks(True))}")


@then(parsers.parse('ziet "{wie}" de taak "{taak}" niet in de werkvoorraad'))
def step_not_sees_task(wereld: World, wie: str, taak: str):
    """Voorbeeld: Dan ziet "onderzoeker1" de taak "Melding registreren" niet in de werkvoorraad"""
    task_ids(taak)  # a name no task has fails here, never passes by naming nothing
    items = wereld.tasks(wie)
    if any(is_task(i, taak) for i in items):
        fail(f"'{wie}' ziet de taak '{taak}' niet", f"werkvoorraad van '{wie}': {describe(items)}")


def _claim(wereld: World, wie: str, taak: str):
    t = wereld.task(taak)
    return wereld.client.post(f"/api/v1/taken/{t['id']}/claimen", headers=wereld.h(wie))


@when(parsers.parse('"{wie}" de taak "{taak}" oppakt'))
@given(parsers.parse('"{wie}" de taak "{taak}" oppakt'))
def step_claim(wereld: World, wie: str, taak: str):
    """Voorbeeld: Als "meldpunt" de taak "Melding registreren" oppakt"""
    r = _claim(wereld, wie, taak)
    if r.status_code != 200:
        fail(f"'{wie}' pakt de taak '{taak}' op", f"geweigerd ({r.status_code}): {r.json().get('detail') or r.text}")


@when(parsers.parse('"{wie}" de taak "{taak}" toewijst aan "{aan}"'))
@given(parsers.parse('"{wie}" de taak "{taak}" toewijst aan "{aan}"'))
def step_assign(wereld: World, wie: str, taak: str, aan: str):
    """Voorbeeld: Als "coordinator" de taak "Onderzoek starten en betrokkene informeren" toewijst aan "onderzoeker1\""""
    t = wereld.task(taak)
    r = wereld.client.post(f"/api/v1/taken/{t['id']}/toewijzen", headers=wereld.h(wie),
                           json={"medewerker_id": wereld.users[aan], "reden": "Werkverdeling (scenario)"})
    if r.status_code != 200:
        fail(f"'{wie}' wijst '{taak}' toe aan '{aan}'", f"geweigerd ({r.status_code}): {r.json().get('detail') or r.text}")


@then(parsers.parse('mag "{wie}" de taak "{taak}" niet toewijzen aan "{aan}" omdat "{reden}"'))
def step_assign_refused(wereld: World, wie: str, taak: str, aan: str, reden: str):
    """Voorbeeld: Dan mag "coordinator" de taak "Onderzoek starten en betrokkene informeren" niet toewijzen aan "cora" omdat "conflict-of-interest\""""
    t = wereld.task(taak)
    r = wereld.client.post(f"/api/v1/taken/{t['id']}/toewijzen", headers=wereld.h(wie),
                           json={"medewerker_id": wereld.users[aan], "reden": "Werkverdeling (scenario)"})
    refused(r, reden, f"toewijzen aan '{aan}'")


def _complete(wereld: World, wie: str, taak: "str | TaskMeaning", values: dict, task: dict | None = None):
    t = task or wereld.task(taak)
    item = wereld.client.get(f"/api/v1/taken/{t['id']}", headers=wereld.h(wie))
    if item.status_code == 200 and item.json().get("toegewezen_aan") is None:
        _claim(wereld, wie, taak)
        item = wereld.client.get(f"/api/v1/taken/{t['id']}", headers=wereld.h(wie))
    known = {}
    form = wereld.client.get(f"/api/v1/taken/{t['id']}/formulier", headers=wereld.h(wie))
    if item.status_code == 200 and form.status_code == 200:
        props = form.json().get("properties", {})
        known = {k: v for k, v in {**wereld.report, **(item.json().get("gegevens") or {})}.items() if k in props and v is not None and not props[k].get("readOnly")}
    data = {**defaults_for(t), **known, **values}
    if data.get("melder_anoniem"):
        for key in ("melder_naam", "melder_email", "melder_adres", "melder_telefoon"):
            data.pop(key, None)
    for k, v in list(data.items()):
        if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            data[k] = wereld.clock.now().date().isoformat() if k not in values else v
    return wereld.client.post(f"/api/v1/taken/{t['id']}/afronden", headers=wereld.h(wie), json={"gegevens": data})


def _table(datatable) -> dict:
    rows = datatable or []
    if rows and [c.strip().lower() for c in rows[0]] in (["veld", "waarde"], ["field", "value"]):
        rows = rows[1:]
    out = {}
    for key, value in rows:
        v: object = value
        if value in ("ja", "waar"):
            v = True
        elif value in ("nee", "onwaar"):
            v = False
        elif re.fullmatch(r"\d{1,2} \w+ \d{4}", value or ""):
            v = dutch_date(value).isoformat()
        elif value.startswith("[") and value.endswith("]"):
            v = [x.strip() for x in value[1:-1].split(",") if x.strip()]
        out[key] = v
    return out


@when(parsers.parse('"{wie}" de taak "{taak}" afrondt met:'))
@given(parsers.parse('"{wie}" de taak "{taak}" afrondt met:'))
def step_complete_with(wereld: World, wie: str, taak: str, datatable):
    """Voorbeeld: Als "meldpunt" de taak "Ontvangst bevestigen" afrondt met:
        | veld                     | waarde |
        | ontvangstbevestiging_via | email  |
    (niet genoemde velden krijgen een geldige standaardwaarde; ja/nee, datums als '2 november 2026', lijsten als [a, b])"""
    r = _complete(wereld, wie, taak, _table(datatable))
    if r.status_code != 200:
        fail(f"'{wie}' rondt '{taak}' af", answer(r))
    run_timers(wereld)


@when(parsers.parse('"{wie}" de taak "{taak}" afrondt'))
@given(parsers.parse('"{wie}" de taak "{taak}" afrondt'))
def step_complete(wereld: World, wie: str, taak: str):
    """Voorbeeld: Als "meldpunt" de taak "Melding registreren" afrondt   (met geldige standaardwaarden)"""
    r = _complete(wereld, wie, taak, {})
    if r.status_code != 200:
        fail(f"'{wie}' rondt '{taak}' af", answer(r))
    run_timers(wereld)


@then(parsers.parse('mag "{wie}" de taak "{taak}" niet oppakken omdat "{reden}"'))
def step_refused(wereld: World, wie: str, taak: str, reden: str):
    """Voorbeeld: Dan mag "onderzoeker1" de taak "Melding registreren" niet oppakken omdat "rol"
    (de reden: een redencode uit de tabel onderaan deze catalogus, de tekst daarvan, het fouttype of een deel van
    de foutmelding)"""
    refused(_claim(wereld, wie, taak), reden, f"'{wie}' pakt '{taak}' op")


# ---------------------------------------------------------------- tijd

@when(parsers.parse("er {n:d} dagen verstrijken"))
@when(parsers.parse("er {n:d} dag verstrijkt"))
@given(parsers.parse("er {n:d} dagen verstrijken"))
@given(parsers.parse("er {n:d} dag verstrijkt"))
def step_days_pass(wereld: World, n: int):
    """Voorbeeld: Als er 8 dagen verstrijken   (de timers lopen daarna)
    Als er 1 dag verstrijkt   (de timers lopen daarna)"""
    wereld.clock.advance(timedelta(days=n))
    time_moved(wereld)


# ---------------------------------------------------------------- zaak, termijnen, escalaties

@then(parsers.parse('is de termijn van de taak "{taak}" {datum}'))
def step_deadline(wereld: World, taak: str, datum: str):
    """Voorbeeld: Dan is de termijn van de taak "Ontvangst bevestigen" 9 november 2026"""
    t = wereld.task(taak)
    if t["termijn"] is None:
        fail(f"termijn {datum}", "geen termijn")
    found = t["termijn"]
    if found.tzinfo is None:
        found = found.replace(tzinfo=timezone.utc)
    from zoneinfo import ZoneInfo
    # a term runs until 00:00 (Amsterdam) on the day after its last day
    local = (found - timedelta(seconds=1)).astimezone(ZoneInfo("Europe/Amsterdam")).date()
    if local != dutch_date(datum):
        fail(f"termijn {datum}", as_dutch(local))


@then(parsers.parse('staat de taak "{taak}" open voor de rol "{rol}"'))
def step_task_open(wereld: World, taak: str, rol: str):
    """Voorbeeld: Dan staat de taak "Escalatie: ontvangstbevestiging te laat" open voor de rol "integriteitscoördinator"
    (de rol bij haar Nederlandse naam of haar code, zoals "integriteitscoordinator")"""
    tasks = wereld.open_tasks()
    code = role_code(rol)
    if not any(is_task(t, taak) and t["rol"] == code for t in tasks):
        fail(f"open taak '{taak}' voor rol '{rol}'", f"open taken: {describe(tasks)}")


@then(parsers.parse('staat de taak "{taak}" niet open'))
def step_task_not_open(wereld: World, taak: str):
    """Voorbeeld: Dan staat de taak "Escalatie: ontvangstbevestiging te laat" niet open"""
    task_ids(taak)  # a name no task has fails here, never passes by naming nothing
    tasks = wereld.open_tasks()
    if any(is_task(t, taak) for t in tasks):
        fail(f"geen open taak '{taak}'", f"open taken: {describe(tasks)}")


@then(parsers.parse('is de taak "{taak}" niet toegewezen aan "{wie}"'))
def step_not_assigned_to(wereld: World, taak: str, wie: str):
    """Voorbeeld: Dan is de taak "Onderzoek starten en betrokkene informeren" niet toegewezen aan "olaf\""""
    t = [x for x in wereld.open_tasks(True) if is_task(x, taak)]
    if not t:
        fail(f"een open taak '{taak}'", describe(wereld.open_tasks(True)))
    if t[0]["bij"] == wie:
        fail(f"'{taak}' is niet toegewezen aan '{wie}'", describe(t))


@then(parsers.parse('is de taak "{taak}" toegewezen aan een van {namen}'))
def step_assigned_to_one_of(wereld: World, taak: str, namen: str):
    """Voorbeeld: Dan is de taak "Onderzoek starten en betrokkene informeren" toegewezen aan een van "onderzoeker1", "onderzoeker2\""""
    allowed = re.findall(r'"([^"]+)"', namen)
    t = [x for x in wereld.open_tasks(True) if is_task(x, taak)]
    if not t or t[0]["bij"] not in allowed:
        fail(f"'{taak}' toegewezen aan een van {allowed}", describe(t or wereld.open_tasks(True)))


@then(parsers.parse('ziet "{wie}" de taak "{taak}" bij de te late taken'))
def step_late(wereld: World, wie: str, taak: str):
    """Voorbeeld: Dan ziet "coordinator" de taak "Ontvangst bevestigen" bij de te late taken"""
    r = wereld.client.get("/api/v1/taken/te-laat", headers=wereld.h(wie))
    if r.status_code != 200:
        fail(f"'{wie}' ziet de lijst met te late taken", answer(r, 400))
    items = [i for i in r.json() if i["zaak_id"] == wereld.case_id]
    if not any(is_task(i, taak) for i in items):
        fail(f"'{taak}' is te laat", f"te late taken: {describe(items)}")


@then(parsers.parse('is de status van de zaak "{status}"'))
def step_status(wereld: World, status: str):
    """Voorbeeld: Dan is de status van de zaak "open\""""
    from engine.cases.models import Case
    with wereld.db.session() as s:
        found = s.get(Case, wereld.case_id).status
    if found != status:
        fail(f"zaakstatus '{status}'", f"'{found}'; open taken: {describe(wereld.open_tasks())}")


@then(parsers.parse('heeft de zaak de stap "{stap}" doorlopen'))
def step_passed(wereld: World, stap: str):
    """Voorbeeld: Dan heeft de zaak de stap "Melding beoordelen en route kiezen" doorlopen   (de naam van de taak zoals de werkvoorraad hem toont, of het id van het element in het proces)"""
    who = next(u for u in ("coordinator", "meldpunt") if u in wereld.tokens)
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/positie", headers=wereld.h(who))
    if r.status_code != 200:
        fail("de stand van de zaak", answer(r, 300))
    if not step_ids(stap) & set(r.json()["completed"]):
        fail(f"stap '{stap}' doorlopen", f"doorlopen: {', '.join(r.json()['completed'])}; actief: {', '.join(r.json()['active'])}")


# ---------------------------------------------------------------- brieven

def _letters_for_identity_role(wereld: World) -> tuple[str, list[dict]]:
    """All letters, read by the first user (meldpunt/coordinator/...) who may see the case's letters to the reporter."""
    tried = []
    for who in list(wereld.tokens):
        r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/documenten", headers=wereld.h(who))
        if r.status_code == 200 and (r.json() or who == "meldpunt"):
            if who in ("meldpunt", "coordinator") or any(l["ontvanger"] == "melder" for l in r.json()):
                return who, r.json()
        tried.append(f"{who}: {r.status_code}")
    fail("iemand die de brieven van de zaak mag zien", ", ".join(tried))


@then(parsers.parse('is er een brief "{soort}" voor de "{ontvanger}"'))
def step_letter(wereld: World, soort: str, ontvanger: str):
    """Voorbeeld: Dan is er een brief "ontvangstbevestiging" voor de "melder"   (soort = (deel van) de sjabloonnaam)"""
    who, letters = _letters_for_identity_role(wereld)
    match = [l for l in letters if soort in l["sjabloon"] and l["ontvanger"] == ontvanger]
    if not match:
        fail(f"een brief '{soort}' voor '{ontvanger}'", _letter_list(letters))
    if len(match) > 1:
        fail(f"precies één brief '{soort}' voor '{ontvanger}'",
             f"{len(match)} brieven: {_letter_list(match)}\n"
             f'Kies er één met: Dan is er een eerste (tweede, ..., laatste) brief van soort "{match[0]["sjabloon"]}" '
             f'voor de "{ontvanger}"')
    _open_letter(wereld, who, match[0])


ORDINALS = ["eerste", "tweede", "derde", "vierde", "vijfde", "zesde", "zevende", "achtste", "negende", "tiende"]


def _letter_list(letters: list[dict]) -> str:
    return "; ".join(f"{l['sjabloon']} voor {l['ontvanger']} ({l.get('opgesteld_op', '')[:10]})" for l in letters) \
        or "geen brieven"


def _open_letter(wereld: World, who: str, letter: dict, label: str = "") -> None:
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/documenten/{letter['id']}", headers=wereld.h(who))
    if r.status_code != 200:
        fail(f"de brief '{letter['sjabloon']}' openen", answer(r, 300))
    wereld.letter_text = docx_text(r.content)
    wereld.letter_desc = f"{label + ' ' if label else ''}brief '{letter['sjabloon']}' voor {letter['ontvanger']}"


@then(parsers.parse('is er een {rang} brief van soort "{soort}" voor de "{ontvanger}"'))
def step_letter_by_order(wereld: World, rang: str, soort: str, ontvanger: str):
    """Voorbeeld: Dan is er een tweede brief van soort "terugkoppeling_melder" voor de "melder"
    (eerste, tweede, ... tiende of laatste, in de volgorde waarin de brieven zijn opgesteld; soort = de naam van het
    sjabloon, of een deel ervan als dat maar bij één sjabloon past. Daarna: "bevat de brief ...")"""
    if rang not in ORDINALS and rang != "laatste":
        fail("eerste, tweede, ..., tiende of laatste", rang)
    who, letters = _letters_for_identity_role(wereld)
    templates = sorted({l["sjabloon"] for l in letters if l["ontvanger"] == ontvanger})
    kinds = [t for t in templates if t == soort] or [t for t in templates if soort in t]
    if not kinds:
        fail(f"een brief van soort '{soort}' voor '{ontvanger}'", _letter_list(letters))
    if len(kinds) > 1:
        fail(f"één soort brief '{soort}' voor '{ontvanger}'",
             f"'{soort}' past bij {', '.join(kinds)}: schrijf de hele naam van het sjabloon")
    match = sorted((l for l in letters if l["sjabloon"] == kinds[0] and l["ontvanger"] == ontvanger),
                   key=lambda l: (l.get("opgesteld_op") or "", l["id"]))
    index = len(match) - 1 if rang == "laatste" else ORDINALS.index(rang)
    if index >= len(match):
        fail(f"een {rang} brief van soort '{kinds[0]}' voor '{ontvanger}'",
             f"{len(match)} zulke brief(en): {_letter_list(match)}")
    _open_letter(wereld, who, match[index], label=rang)


@then(parsers.parse('bevat de brief "{tekst}"'))
def step_letter_contains(wereld: World, tekst: str):
    """Voorbeeld: En bevat de brief "ontvangen"   (na 'is er een brief ...')"""
    if tekst.lower() not in wereld.letter_text.lower():
        fail(f"de {wereld.letter_desc} bevat '{tekst}'", f"tekst van de brief:\n{wereld.letter_text[:1500]}")


@then(parsers.parse('bevat de brief niet "{tekst}"'))
def step_letter_not_contains(wereld: World, tekst: str):
    """Voorbeeld: Maar bevat de brief niet "B. Betrokkene"   (wat de brief niet mag noemen)"""
    if tekst.lower() in wereld.letter_text.lower():
        i = wereld.letter_text.lower().index(tekst.lower())
        fail(f"de {wereld.letter_desc} noemt '{tekst}' niet",
             f"...{wereld.letter_text[max(0, i - 150): i + 150]}...")


# ---------------------------------------------------------------- vertrouwelijkheid

def _case(wereld: World, wie: str):
    return wereld.client.get(f"/api/v1/zaken/{wereld.case_id}", headers=wereld.h(wie))


@then(parsers.parse('ziet "{wie}" de identiteit van de melder'))
def step_sees_identity(wereld: World, wie: str):
    """Voorbeeld: Dan ziet "meldpunt" de identiteit van de melder"""
    r = _case(wereld, wie)
    if r.status_code != 200:
        fail(f"'{wie}' ziet de zaak", answer(r))
    melder = r.json()["melder"]
    if not melder.get("identiteit"):
        fail(f"'{wie}' ziet de identiteit van de melder", f"alleen {melder}")


@then(parsers.parse('ziet "{wie}" de identiteit van de melder niet'))
def step_not_sees_identity(wereld: World, wie: str):
    """Voorbeeld: Dan ziet "onderzoeker1" de identiteit van de melder niet"""
    r = _case(wereld, wie)
    if r.status_code == 200:
        melder = r.json()["melder"]
        if melder.get("identiteit"):
            fail(f"'{wie}' ziet de identiteit van de melder niet", f"{melder}")


@when(parsers.parse('"{wie}" de melding redigeert tot "{tekst}"'))
def step_redact(wereld: World, wie: str, tekst: str):
    """Voorbeeld: Als "meldpunt" de melding redigeert tot "Een collega declareert reizen die niet zijn gemaakt."
    (de versie van de omschrijving die behandelaars zonder zicht op de identiteit lezen)"""
    r = wereld.client.put(f"/api/v1/zaken/{wereld.case_id}/geredigeerd/omschrijving", headers=wereld.h(wie),
                          json={"tekst": tekst})
    if r.status_code != 200:
        fail(f"'{wie}' legt de geredigeerde melding vast", answer(r, 300))


@then(parsers.parse('mag "{wie}" de melding niet redigeren'))
def step_redact_refused(wereld: World, wie: str):
    """Voorbeeld: Dan mag "coordinator" de melding niet redigeren   (alleen het meldpunt redigeert)"""
    r = wereld.client.put(f"/api/v1/zaken/{wereld.case_id}/geredigeerd/omschrijving", headers=wereld.h(wie),
                          json={"tekst": "Een collega zou iets hebben gedaan."})
    if r.status_code not in (403, 404):
        fail(f"'{wie}' wordt geweigerd (403 of 404)", answer(r, 300))


@then(parsers.parse('leest "{wie}" de omschrijving "{tekst}"'))
def step_reads_description(wereld: World, wie: str, tekst: str):
    """Voorbeeld: Dan leest "onderzoeker1" de omschrijving "Een collega declareert reizen die niet zijn gemaakt.\""""
    r = _case(wereld, wie)
    got = r.json().get("gegevens", {}).get("omschrijving") if r.status_code == 200 else r.status_code
    if got != tekst:
        fail(f"'{wie}' leest de omschrijving '{tekst}'", f"{got!r}")


@then(parsers.parse('leest "{wie}" de omschrijving nog niet'))
def step_reads_no_description(wereld: World, wie: str):
    """Voorbeeld: Dan leest "onderzoeker1" de omschrijving nog niet   (het meldpunt heeft nog niet geredigeerd)"""
    r = _case(wereld, wie)
    body = r.json() if r.status_code == 200 else {}
    if r.status_code != 200 or "omschrijving" in body["gegevens"] or "omschrijving" not in body["nog_niet_geredigeerd"]:
        fail(f"'{wie}' ziet de zaak, zonder omschrijving (nog niet geredigeerd)", answer(r, 300))


@then(parsers.parse('kan "{wie}" de zaak niet inzien'))
def step_cannot_see_case(wereld: World, wie: str):
    """Voorbeeld: Dan kan "teamleider" de zaak niet inzien"""
    r = _case(wereld, wie)
    if r.status_code != 404 and r.status_code != 403:
        fail(f"'{wie}' kan de zaak niet inzien (404)", answer(r, 300))


@then(parsers.parse('kan "{wie}" de zaak inzien'))
def step_can_see_case(wereld: World, wie: str):
    """Voorbeeld: Dan kan "coordinator" de zaak inzien"""
    r = _case(wereld, wie)
    if r.status_code != 200:
        fail(f"'{wie}' kan de zaak inzien", answer(r, 300))


def _reveals(wereld: World, wie: str) -> list[dict]:
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/onthullingen", headers=wereld.h(wie))
    if r.status_code != 200:
        fail(f"'{wie}' ziet de verzoeken om de identiteit bekend te maken", answer(r, 300))
    return r.json()


@when(parsers.parse('"{wie}" verzoekt de identiteit van de melder bekend te maken aan "{aan}" omdat "{reden}"'))
def step_reveal_request(wereld: World, wie: str, aan: str, reden: str):
    """Voorbeeld: Als "coordinator" verzoekt de identiteit van de melder bekend te maken aan "onderzoeker1" omdat "De melder wordt als getuige gehoord\""""
    r = wereld.client.post(f"/api/v1/zaken/{wereld.case_id}/onthullingen", headers=wereld.h(wie),
                           json={"ontvanger_id": wereld.users[aan], "reden": reden})
    if r.status_code != 201:
        fail(f"verzoek van '{wie}' wordt vastgelegd", answer(r, 400))


def _decide_reveal(wereld: World, wie: str, approve: bool):
    pending = [x for x in _reveals(wereld, wie) if x["besloten_op"] is None]
    if not pending:
        fail("een openstaand verzoek om de identiteit bekend te maken", "geen openstaand verzoek")
    return wereld.client.post(f"/api/v1/zaken/{wereld.case_id}/onthullingen/{pending[-1]['id']}/besluit",
                              headers=wereld.h(wie), json={"goedkeuren": approve, "toelichting": "Scenario."})


@when(parsers.parse('"{wie}" het verzoek om de identiteit bekend te maken goedkeurt'))
def step_reveal_approve(wereld: World, wie: str):
    """Voorbeeld: Als "coordinator2" het verzoek om de identiteit bekend te maken goedkeurt"""
    r = _decide_reveal(wereld, wie, True)
    if r.status_code != 200:
        fail(f"'{wie}' keurt het verzoek goed", answer(r, 400))


@then(parsers.parse('mag "{wie}" het verzoek om de identiteit bekend te maken niet goedkeuren omdat "{reden}"'))
def step_reveal_approve_refused(wereld: World, wie: str, reden: str):
    """Voorbeeld: Dan mag "coordinator" het verzoek om de identiteit bekend te maken niet goedkeuren omdat "eigen verzoek\""""
    refused(_decide_reveal(wereld, wie, True), reden, f"'{wie}' keurt het verzoek goed")


@then("is de melder vooraf schriftelijk geïnformeerd over het bekendmaken van zijn identiteit")
def step_reveal_informed(wereld: World):
    """Voorbeeld: Dan is de melder vooraf schriftelijk geïnformeerd over het bekendmaken van zijn identiteit"""
    who = next(u for u in ("coordinator", "meldpunt") if u in wereld.tokens)
    done = [x for x in _reveals(wereld, who) if x["besloten_op"]]
    if not done or not done[-1]["melder_geinformeerd_op"]:
        fail("de melder is geïnformeerd (melder_geinformeerd_op ingevuld)", f"verzoeken: {done}")
    reveal = done[-1]
    # Schriftelijk = een brief in het zaakdossier aan de melder, opgesteld vóór de bekendmaking inging.
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/documenten", headers=wereld.h(who))
    letters = {l["id"]: l for l in (r.json() if r.status_code == 200 else [])}
    letter = letters.get(reveal.get("brief_id"))
    if letter is None or letter["sjabloon"] != "kennisgeving_bekendmaking_identiteit" or letter["ontvanger"] != "melder":
        fail("een brief 'kennisgeving_bekendmaking_identiteit' aan de melder bij het verzoek",
             f"brief_id {reveal.get('brief_id')}; brieven: "
             + ("; ".join(f"{l['sjabloon']} voor {l['ontvanger']}" for l in letters.values()) or "geen"))
    if datetime.fromisoformat(letter["opgesteld_op"]) > datetime.fromisoformat(reveal["melder_geinformeerd_op"]):
        fail("de brief is opgesteld voordat de bekendmaking inging",
             f"brief {letter['opgesteld_op']}, bekendmaking {reveal['melder_geinformeerd_op']}")


# ---------------------------------------------------------------- anonieme melder

@then("krijgt de melder een ontvangstcode")
def step_receipt(wereld: World):
    """Voorbeeld: Dan krijgt de melder een ontvangstcode"""
    if not wereld.receipt:
        fail("een ontvangstcode", "geen code")


def _reporter_login(wereld: World) -> dict:
    r = wereld.client.post("/api/v1/melder/sessie", json={"ontvangstcode": wereld.receipt})
    if r.status_code != 200:
        fail("aanmelden met de ontvangstcode lukt", answer(r))
    return {"X-CSRF-Token": r.json()["csrf_token"]}


@when(parsers.parse('de melder met de ontvangstcode het bericht "{tekst}" stuurt'))
@given(parsers.parse('de melder met de ontvangstcode het bericht "{tekst}" stuurt'))
def step_reporter_sends(wereld: World, tekst: str):
    """Voorbeeld: Als de melder met de ontvangstcode het bericht "Het gebeurde in maart" stuurt"""
    h = _reporter_login(wereld)
    r = wereld.client.post("/api/v1/melder/berichten", headers=h, json={"tekst": tekst})
    if r.status_code != 201:
        fail("het bericht wordt verstuurd", answer(r))


@when(parsers.parse('"{wie}" de melder het bericht "{tekst}" stuurt'))
@given(parsers.parse('"{wie}" de melder het bericht "{tekst}" stuurt'))
def step_desk_sends(wereld: World, wie: str, tekst: str):
    """Voorbeeld: Als "meldpunt" de melder het bericht "Wanneer vond dit plaats?" stuurt"""
    r = wereld.client.post(f"/api/v1/zaken/{wereld.case_id}/berichten", headers=wereld.h(wie), json={"tekst": tekst})
    if r.status_code != 201:
        fail(f"'{wie}' stuurt de melder een bericht", answer(r))


@then(parsers.parse('ziet de melder met de ontvangstcode het bericht "{tekst}"'))
def step_reporter_reads(wereld: World, tekst: str):
    """Voorbeeld: Dan ziet de melder met de ontvangstcode het bericht "Wanneer vond dit plaats?\""""
    _reporter_login(wereld)
    r = wereld.client.get("/api/v1/melder/berichten")
    if tekst not in r.text:
        fail(f"bericht '{tekst}'", answer(r, 800))


@then(parsers.parse('ziet de melder met de ontvangstcode dat de ontvangst is bevestigd'))
def step_reporter_ack(wereld: World):
    """Voorbeeld: Dan ziet de melder met de ontvangstcode dat de ontvangst is bevestigd"""
    _reporter_login(wereld)
    r = wereld.client.get("/api/v1/melder/melding")
    if not r.json().get("ontvangst_bevestigd"):
        fail("ontvangst bevestigd", r.text)


def _reporter_terms(wereld: World) -> list[dict]:
    """The legal terms the reporter sees in 'Mijn melding' (GET /api/v1/melder/melding: the engine's one reporter
    view, the same the portal shows), after signing in with the receipt code the scenario got when reporting."""
    _reporter_login(wereld)
    r = wereld.client.get("/api/v1/melder/melding")
    if r.status_code != 200:
        fail("de melder ziet de stand van haar melding", answer(r, 300))
    return r.json().get("termijnen") or []


def _is_term(term: dict, termijn: str) -> bool:
    """Does the tester's ``termijn`` name this term: the legal milestone ("ontvangstbevestiging", "terugkoppeling",
    "gegrondheid") or (part of) the Dutch text the reporter reads ("bericht of uw melding gegrond is")?"""
    from engine.cases.reporter_view import MILESTONE_PROMISES

    said = _fold(termijn)
    if said in {_fold(k) for k, promise in MILESTONE_PROMISES.items() if promise == term["wat"]}:
        return True
    return bool(said) and (said in _fold(term["wat"]) or said in _fold(term["tekst"]))


def _terms_list(terms: list[dict]) -> str:
    return "; ".join(f"'{t['tekst']}'" for t in terms) or "geen termijnen"


@then(parsers.parse('ziet de melder met de ontvangstcode de termijn "{termijn}" met einddatum {datum}'))
def step_reporter_term(wereld: World, termijn: str, datum: str):
    """Voorbeeld: Dan ziet de melder met de ontvangstcode de termijn "ontvangstbevestiging" met einddatum 17 maart 2027
    (de termijn bij haar naam: "ontvangstbevestiging", "terugkoppeling" of "gegrondheid", of een deel van de tekst
    die de melder leest; de einddatum is de laatste dag, zoals 'Mijn melding' hem toont)"""
    expected = dutch_date(datum)
    terms = _reporter_terms(wereld)
    named = [t for t in terms if _is_term(t, termijn)]
    if not any(date.fromisoformat(t["uiterlijk_op"]) == expected for t in named):
        fail(f"de melder ziet de termijn '{termijn}' met einddatum {as_dutch(expected)}",
             "in 'Mijn melding': " + _terms_list(terms))


@then(parsers.parse('ziet de melder met de ontvangstcode de termijn "{termijn}" niet'))
def step_reporter_term_absent(wereld: World, termijn: str):
    """Voorbeeld: Maar ziet de melder met de ontvangstcode de termijn "terugkoppeling" niet"""
    from engine.cases.reporter_view import MILESTONE_PROMISES

    terms = _reporter_terms(wereld)
    if not (_fold(termijn) in {_fold(k) for k in MILESTONE_PROMISES}
            or any(_fold(termijn) in _fold(p) for p in MILESTONE_PROMISES.values())):
        fail(f"een termijn van de melder '{termijn}'", "de termijnen heten: "
             + ", ".join(f"'{k}' ({p})" for k, p in MILESTONE_PROMISES.items()))
    named = [t for t in terms if _is_term(t, termijn)]
    if named:
        fail(f"de melder ziet de termijn '{termijn}' niet", "in 'Mijn melding': " + _terms_list(terms))


def _without_receipt(text: str, receipt: str) -> tuple[str, int]:
    """``text`` with every writing of the receipt code (its 16 digits, perhaps split by spaces, dots or dashes)
    replaced by '[ontvangstcode]', and how many there were."""
    digits = re.sub(r"\D", "", receipt)
    pattern = r"(?<!\d)" + r"[\s.\-]*".join(digits) + r"(?!\d)"
    return re.subn(pattern, "[ontvangstcode]", text)


@then("bevat de brief de ontvangstcode niet")
def step_letter_without_receipt(wereld: World):
    """Voorbeeld: En bevat de brief de ontvangstcode niet
    (na 'is er een brief ...' of 'leest de melder ... de brief ...': de code die de melder bij het melden kreeg,
    ook met spaties, punten of streepjes ertussen; een foutmelding van deze stap toont de code nooit)"""
    if not wereld.letter_desc:
        fail("een geopende brief", "nog geen brief: zet eerst 'Dan is er een brief \"...\" voor de \"...\"'")
    if not wereld.receipt:
        fail("een melding waarbij de melder een ontvangstcode kreeg",
             "deze melding heeft geen ontvangstcode, dus is er niets om te controleren")
    masked, count = _without_receipt(wereld.letter_text, wereld.receipt)
    if count:
        i = masked.index("[ontvangstcode]")
        fail(f"de {wereld.letter_desc} noemt de ontvangstcode van de melder niet",
             f"de brief noemt de ontvangstcode {count} keer (hier vervangen door [ontvangstcode]): "
             f"...{masked[max(0, i - 150): i + 165]}...")


@then(parsers.parse('leest de melder met de ontvangstcode de brief "{soort}"'))
def step_reporter_reads_letter(wereld: World, soort: str):
    """Voorbeeld: Dan leest de melder met de ontvangstcode de brief "terugkoppeling"
    (de brief in 'Mijn melding', ook voor een anonieme melder; daarna gelden 'Dan bevat de brief ...')"""
    _reporter_login(wereld)
    r = wereld.client.get("/api/v1/melder/brieven")
    letters = r.json() if r.status_code == 200 else []
    match = [l for l in letters if soort in l["sjabloon"]]
    if len(match) != 1:
        fail(f"precies één brief '{soort}' in 'Mijn melding'",
             f"{r.status_code}: {_letter_list(letters) if r.status_code == 200 else r.text[:300]}")
    doc = wereld.client.get(f"/api/v1/melder/brieven/{match[0]['id']}")
    if doc.status_code != 200:
        fail(f"de melder opent de brief '{match[0]['sjabloon']}'", answer(doc, 300))
    wereld.letter_text = docx_text(doc.content)
    wereld.letter_desc = f"brief '{match[0]['sjabloon']}' in 'Mijn melding'"


@then(parsers.parse('ziet "{wie}" het bericht "{tekst}" van de melder'))
def step_desk_reads(wereld: World, wie: str, tekst: str):
    """Voorbeeld: Dan ziet "meldpunt" het bericht "Het gebeurde in maart" van de melder"""
    r = wereld.client.get(f"/api/v1/zaken/{wereld.case_id}/berichten", headers=wereld.h(wie))
    if tekst not in r.text:
        fail(f"bericht '{tekst}'", answer(r, 800))


# ---------------------------------------------------------------- audit

@then(parsers.parse('bevat de audittrail de gebeurtenis "{actie}"'))
def step_audit(wereld: World, actie: str):
    """Voorbeeld: Dan bevat de audittrail de gebeurtenis "task.completed\""""
    r = wereld.client.get(f"/api/v1/audit/zaken/{wereld.case_id}", headers=wereld.h("auditor"))
    acties = sorted({e["actie"] for e in r.json()}) if r.status_code == 200 else r.text
    if r.status_code != 200 or actie not in acties:
        fail(f"audit-gebeurtenis '{actie}'", f"{acties}")
