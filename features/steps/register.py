"""Steps for the register of critical and risky functions (issue 24): the risk inventory (the second process of
the deployment), its questionnaire, who holds a function, and the register's overview as the API gives it.

Shared machinery (World, fail, the task steps) lives in features.steps.common; the inventory's tasks are
completed with the same steps as a case's ("de taak ... afrondt met:")."""
from __future__ import annotations

from pytest_bdd import given, parsers, then, when
from sqlalchemy import select

from engine.cases.models import Case
from engine.register.models import RegisterFunction
from features.steps.common import is_task, World, _complete, answer, describe, dutch_date, fail, run_timers

QUESTIONNAIRE = "Vragenlijst risicovolle functies invullen"
COLUMNS = {"functie": "functie", "classificatie": "classificatie", "risico's": "risicotypen",
           "maatregelen": "maatregelen", "bruto": "bruto_risico", "netto": "netto_risico",
           "toelichting": "toelichting_netto", "aanvaardbaar": "aanvaardbaar", "eigenaar": "eigenaar",
           "herzien op": "herziening_op"}


def _functions(datatable) -> list[dict]:
    head, *rows = datatable
    keys = [h.strip().lower() for h in head]
    unknown = [k for k in keys if k not in COLUMNS]
    if unknown:
        fail(f"kolommen uit {', '.join(COLUMNS)}", f"onbekende kolommen {unknown}")
    out = []
    for row in rows:
        item: dict = {}
        for key, value in zip(keys, row):
            field, value = COLUMNS[key], value.strip()
            if field == "risicotypen":
                item[field] = [v.strip() for v in value.split(";") if v.strip()]
            elif field in ("bruto_risico", "netto_risico"):
                item[field] = int(value)
            elif field == "aanvaardbaar":
                item[field] = value == "ja"
            elif field == "herziening_op":
                item[field] = dutch_date(value).isoformat()
            elif value:
                item[field] = value
        out.append(item)
    return out


@given(parsers.parse('"{wie}" een inventarisatie start voor het team "{team}" wegens "{aanleiding}"'))
@when(parsers.parse('"{wie}" een inventarisatie start voor het team "{team}" wegens "{aanleiding}"'))
def step_start_inventory(wereld: World, wie: str, team: str, aanleiding: str):
    """Voorbeeld: Gegeven "dlso" een inventarisatie start voor het team "Douane" wegens "reorganisatie"
    (aanleiding: reorganisatie, nieuwe_functie, incident of nieuw_systeem; de taken gaan daarna over deze
    inventarisatie)"""
    r = wereld.client.post("/api/v1/register/inventarisaties", headers=wereld.h(wie),
                           json={"team": team, "aanleiding": aanleiding})
    if r.status_code != 201:
        fail("de inventarisatie start (201)", answer(r))
    wereld.case_id = r.json()["inventarisatie_id"]
    wereld.report = {}


@when("de timerworker een ronde draait")
def step_worker_round(wereld: World):
    """Voorbeeld: Als de timerworker een ronde draait   (timers, en de jaarlijkse inventarisaties die aan de beurt zijn)"""
    from engine.timers import worker

    worker.run(database=wereld.db, once=True)
    run_timers(wereld)


@then(parsers.parse('is er voor het team "{team}" een inventarisatie "{soort}"'))
def step_inventory_exists(wereld: World, team: str, soort: str):
    """Voorbeeld: Dan is er voor het team "Douane" een inventarisatie "Periodieke inventarisatie 2027"
    (de taken gaan daarna over deze inventarisatie)"""
    with wereld.db.session() as s:
        rows = s.execute(select(Case.id, Case.unit, Case.category).where(Case.process_kind.is_not(None))).all()
    found = [r.id for r in rows if r.unit == team and r.category == soort]
    if len(found) != 1:
        fail(f"één inventarisatie '{soort}' voor '{team}'",
             "; ".join(f"{r.unit}: {r.category}" for r in rows) or "geen inventarisaties")
    wereld.case_id = found[0]


@when(parsers.parse('"{wie}" de vragenlijst invult met de functies:'))
@given(parsers.parse('"{wie}" de vragenlijst invult met de functies:'))
def step_questionnaire(wereld: World, wie: str, datatable):
    """Voorbeeld: Als "leidinggevende" de vragenlijst invult met de functies:
        | functie | classificatie | risico's | maatregelen | bruto | netto | aanvaardbaar | eigenaar | herzien op |
        | Douanier controle | meest_risicovol | Fraude; Lekken van informatie | Vier-ogenprincipe | 5 | 3 | ja | Teamleider | 1 november 2027 |
    (risico's gescheiden door ';'; een kolom 'toelichting' voor een netto risico boven het bruto risico)"""
    r = _complete(wereld, wie, QUESTIONNAIRE, {"functies": _functions(datatable)})
    if r.status_code != 200:
        fail(f"'{wie}' vult de vragenlijst in", answer(r))
    run_timers(wereld)


@then(parsers.parse('mag "{wie}" de vragenlijst niet invullen omdat "{reden}" bij "{veld}" met de functies:'))
def step_questionnaire_refused(wereld: World, wie: str, reden: str, veld: str, datatable):
    """Voorbeeld: Dan mag "leidinggevende" de vragenlijst niet invullen omdat "ligt in het verleden" bij "functies.0.herziening_op" met de functies:
        | functie | classificatie | ... |
    (de weigering noemt het veld; er is niets opgeslagen)"""
    r = _complete(wereld, wie, QUESTIONNAIRE, {"functies": _functions(datatable)})
    if r.status_code != 422 or reden not in r.text or veld not in r.text:
        fail(f"geweigerd (422) met '{reden}' bij '{veld}'", answer(r))
    with wereld.db.session() as s:
        if s.scalar(select(RegisterFunction.id)) is not None:
            fail("niets opgeslagen in het register", "er staat een functie in het register")


@given(parsers.parse('"{wie}" vastlegt dat "{medewerker}" sinds {datum} de functie "{functie}" vervult'))
@when(parsers.parse('"{wie}" vastlegt dat "{medewerker}" sinds {datum} de functie "{functie}" vervult'))
def step_holder(wereld: World, wie: str, medewerker: str, datum: str, functie: str):
    """Voorbeeld: Gegeven "dlso" vastlegt dat "medewerker" sinds 1 maart 2020 de functie "Douanier controle" vervult"""
    with wereld.db.session() as s:
        function_id = s.scalar(select(RegisterFunction.id).where(RegisterFunction.name == functie))
    if function_id is None:
        fail(f"de functie '{functie}' in het register", "die staat er niet in")
    r = wereld.client.post("/api/v1/register/functiehouders", headers=wereld.h(wie), json={
        "medewerker_id": wereld.users[medewerker], "functie_id": function_id,
        "sinds": dutch_date(datum).isoformat()})
    if r.status_code != 201:
        fail("vastgelegd (201)", answer(r))


@then(parsers.parse("heeft de zaak prioriteit {n:d}"))
def step_priority(wereld: World, n: int):
    """Voorbeeld: Dan heeft de zaak prioriteit 3"""
    with wereld.db.session() as s:
        found = s.get(Case, wereld.case_id).priority
    if found != n:
        fail(f"prioriteit {n}", f"prioriteit {found}")


@then(parsers.parse('toont het overzicht van risicofuncties voor "{wie}":'))
def step_overview(wereld: World, wie: str, datatable):
    """Voorbeeld: Dan toont het overzicht van risicofuncties voor "dlso":
        | Organisatieonderdeel | Team | Functie | Classificatie | Risico's | Beheersmaatregelen | Netto risico | Aanvaardbaar | Acties |
        | Douane | Douane | Douanier controle | Meest risicovolle functie | Fraude | Vier-ogenprincipe | 3 | ja | |
    (cel voor cel, zoals de API, het CSV- en het Word-bestand het geven)"""
    r = wereld.client.get("/api/v1/register/overzicht", headers=wereld.h(wie))
    if r.status_code != 200:
        fail("het overzicht (200)", answer(r))
    got = [r.json()["kolommen"], *r.json()["rijen"]]
    want = [[c.strip() for c in row] for row in datatable]
    if got != want:
        fail("\n".join(" | ".join(row) for row in want), "\n".join(" | ".join(row) for row in got))


@then("is er een herziening van de autorisaties")
def step_authorisation_review_exists(wereld: World):
    """Voorbeeld: Dan is er een herziening van de autorisaties   (na een functiewisseling; de taken gaan daarna
    over deze herziening)"""
    with wereld.db.session() as s:
        found = s.scalars(select(Case.id).where(Case.process_kind.is_not(None),
                                                Case.category == "Autorisaties herzien")).all()
    if len(found) != 1:
        fail("één herziening van de autorisaties", f"{len(found)} gevonden")
    wereld.case_id = found[0]


DECISION = "Besluiten over onaanvaardbare risico's"
ACTION_COLUMNS = {"functie": "functie", "actie": "actie", "uiterlijk": "uiterlijk"}


def _actions(datatable) -> list[dict]:
    head, *rows = datatable
    keys = [h.strip().lower() for h in head]
    unknown = [k for k in keys if k not in ACTION_COLUMNS]
    if unknown:
        fail(f"kolommen uit {', '.join(ACTION_COLUMNS)}", f"onbekende kolommen {unknown}")
    out = []
    for row in rows:
        item = {ACTION_COLUMNS[k]: v.strip() for k, v in zip(keys, row) if v.strip()}
        if "uiterlijk" in item:
            item["uiterlijk"] = dutch_date(item["uiterlijk"]).isoformat()
        out.append(item)
    return out


@when(parsers.parse('"{wie}" extra maatregelen besluit met de vervolgacties:'))
@given(parsers.parse('"{wie}" extra maatregelen besluit met de vervolgacties:'))
def step_decide_actions(wereld: World, wie: str, datatable):
    """Voorbeeld: Als "mtlid" extra maatregelen besluit met de vervolgacties:
        | functie           | actie                  | uiterlijk       |
        | Douanier controle | Roulatie invoeren      | 1 december 2026 |
        | Kassier           | Autorisaties opschonen | 15 januari 2027 |
    (de taak "Besluiten over onaanvaardbare risico's"; elke regel wordt een eigen taak "Vervolgactie uitvoeren" met
    die uiterste datum en een eigen escalatie)"""
    r = _complete(wereld, wie, DECISION, {"mt_besluit": "maatregelen_treffen", "vervolgacties": _actions(datatable)})
    if r.status_code != 200:
        fail(f"'{wie}' besluit over de onaanvaardbare risico's", answer(r))
    run_timers(wereld)


@then(parsers.parse('mag "{wie}" niet besluiten omdat "{reden}" bij "{veld}" met de vervolgacties:'))
def step_decision_refused(wereld: World, wie: str, reden: str, veld: str, datatable):
    """Voorbeeld: Dan mag "mtlid" niet besluiten omdat "ligt in het verleden" bij "vervolgacties.1.uiterlijk" met de vervolgacties:
        | functie | actie | uiterlijk |
    (de weigering noemt de regel en het veld; het besluit blijft open, er is geen vervolgactie)"""
    r = _complete(wereld, wie, DECISION, {"mt_besluit": "maatregelen_treffen", "vervolgacties": _actions(datatable)})
    if r.status_code != 422 or reden not in r.text or veld not in r.text:
        fail(f"geweigerd (422) met '{reden}' bij '{veld}'", answer(r))
    open_ = [t["naam"] for t in wereld.open_tasks()]
    if open_ != [DECISION]:
        fail(f"alleen '{DECISION}' open", ", ".join(open_) or "geen taken")


def _action_tasks(wereld: World, taak: str, actie: str) -> list[dict]:
    from engine.worklist.models import WorkItem

    found = []
    for t in wereld.open_tasks():
        if not is_task(t, taak):
            continue
        with wereld.db.session() as s:
            view = s.get(WorkItem, t["id"]).view or {}
        if view.get("vervolgactie") == actie:
            found.append(t)
    return found


@then(parsers.parse('staat de taak "{taak}" voor de vervolgactie "{actie}" open voor de rol "{rol}"'))
def step_action_task_open(wereld: World, taak: str, actie: str, rol: str):
    """Voorbeeld: Dan staat de taak "Escalatie: vervolgactie te laat" voor de vervolgactie "Roulatie invoeren" open voor de rol "Beveiligingsadviseur"
    (één vervolgactie van de lijst van het managementteam, herkend aan haar tekst)"""
    from features.steps.common import role_code

    if not any(t["rol"] == role_code(rol) for t in _action_tasks(wereld, taak, actie)):
        fail(f"open taak '{taak}' voor '{actie}' en de rol '{rol}'", describe(wereld.open_tasks()))


@then(parsers.parse('staat de taak "{taak}" voor de vervolgactie "{actie}" niet open'))
def step_action_task_not_open(wereld: World, taak: str, actie: str):
    """Voorbeeld: Dan staat de taak "Escalatie: vervolgactie te laat" voor de vervolgactie "Vervanger opleiden" niet open"""
    if _action_tasks(wereld, taak, actie):
        fail(f"geen open taak '{taak}' voor '{actie}'", describe(wereld.open_tasks()))


@when(parsers.parse('"{wie}" de taak "{taak}" voor de vervolgactie "{actie}" afrondt met:'))
def step_action_task_complete(wereld: World, wie: str, taak: str, actie: str, datatable):
    """Voorbeeld: Als "leidinggevende" de taak "Vervolgactie uitvoeren" voor de vervolgactie "Roulatie invoeren" afrondt met:
        | veld            | waarde                    |
        | actie_resultaat | Roulatieschema vastgesteld |"""
    from features.steps.common import _table

    found = _action_tasks(wereld, taak, actie)
    if not found:
        fail(f"een open taak '{taak}' voor '{actie}'", describe(wereld.open_tasks()))
    r = _complete(wereld, wie, taak, _table(datatable), task=found[0])
    if r.status_code != 200:
        fail(f"'{wie}' rondt '{taak}' voor '{actie}' af", answer(r))
    run_timers(wereld)


@then(parsers.parse('toont de lijst van vervolgacties voor "{wie}":'))
def step_action_list(wereld: World, wie: str, datatable):
    """Voorbeeld: Dan toont de lijst van vervolgacties voor "dlso":
        | Team   | Functie           | Vervolgactie      | Uiterlijk  | Stand |
        | Douane | Douanier controle | Roulatie invoeren | 01-12-2026 | open  |
    (elke actie een regel, zoals de API /register/vervolgacties ze geeft; ook de afgeronde)"""
    r = wereld.client.get("/api/v1/register/vervolgacties", headers=wereld.h(wie))
    if r.status_code != 200:
        fail("de vervolgacties (200)", answer(r))
    fields = {"Team": "team", "Functie": "functie", "Vervolgactie": "vervolgactie", "Uiterlijk": "uiterlijk",
              "Stand": "stand", "Kenmerk": "kenmerk"}
    head, *rows = [[c.strip() for c in row] for row in datatable]
    unknown = [h for h in head if h not in fields]
    if unknown:
        fail(f"kolommen uit {', '.join(fields)}", f"onbekende kolommen {unknown}")

    def cell(item: dict, column: str) -> str:
        value = item[fields[column]]
        if column == "Uiterlijk" and value:
            y, m, d = value.split("-")
            return f"{d}-{m}-{y}"
        return str(value)

    got = [[cell(item, h) for h in head] for item in r.json()]
    if got != rows:
        fail("\n".join(" | ".join(row) for row in rows), "\n".join(" | ".join(row) for row in got))
