"""The demo organisation: users in every role (password ``meldpunt-demo``) and a few sample cases
at different stages, driven through the real process. Idempotent."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.cases import duties
from engine.cases import service as cases
from engine.cases.models import Case
from engine.functions import today
from engine.identity.models import User
from engine.identity.seed import ensure_demo_users
from engine.intake import service as intake
from engine.processes import service as processes
from engine.worklist import service as worklist

DEMO_PASSWORD = "meldpunt-demo"


def _registration(**overrides) -> dict:
    data = {
        "kanaal": "meldpunt_integriteit", "melder_soort": "medewerker", "melder_anoniem": False,
        "melder_naam": "Mehmet Medewerker", "melder_email": "m.medewerker@voorbeeld.example",
        "via_vertrouwenspersoon": False, "datum_melding": today(), "categorie": "Financiële schendingen",
        "subcategorie": "fraude", "omschrijving": "Declaraties voor reizen die niet zijn gemaakt.",
        "dienstonderdeel": "Douane", "betrokkene_naam": "Tamara Teamleider", "betrokkene_persoon": "teamleider",
        "betrokkene_functie": "Teamleider",
        "risicofunctie": "risicovol", "melding_compleet": True,
    }
    data.update(overrides)
    return data


def _advance(session: Session, case_id: int, answers: dict[str, dict]) -> None:
    """Complete open tasks with an eligible user, until none of ``answers`` is left. ``answers`` is keyed by
    what a task means, as the process files declare it: ``intake`` (the registration of the report) or a
    legal milestone the task ``fulfils`` - never by element id."""
    parsed = processes.parsed_version(session=session, version_id=session.get(Case, case_id).process_version_id)
    meaning = {element: "intake" for element in processes.intake_elements(parsed)}
    for milestone in answers:
        meaning.update({element: milestone for element in processes.elements_fulfilling(parsed, milestone)})
    for _ in range(50):
        item = next((i for i in worklist.items_of_case(session=session, case_id=case_id)
                     if meaning.get(i.element_id) in answers), None)
        if item is None:
            return
        user = session.get(User, item.assignee_id) if item.assignee_id else None
        if user is None:
            eligible = duties.eligible_users(session, case_id=case_id, role=item.role, slot=item.slot,
                                             manifest=parsed.manifest)
            user = eligible[0]
        cases.complete_task(session=session, work_item_id=item.id, user=user,
                            data=answers.pop(meaning[item.element_id]))


def seed(*, session: Session) -> dict:
    processes.deploy(session=session, actor="demo")
    users = {u.username: u for u in ensure_demo_users(session=session, password=DEMO_PASSWORD)}
    if session.scalar(select(func.count()).select_from(Case)):
        return {"users": len(users), "cases": 0}
    # 1. An anonymous report from the public form, waiting for the desk.
    anon = intake.submit_report(session=session, actor=None, data={
        "categorie": "Lekken en misbruik en/of achterhouden van en/of ongeoorloofd omgaan met informatie",
        "omschrijving": "Een collega zoekt zonder reden personen op in vertrouwelijke registers.",
        "dienstonderdeel": "Douane"})
    # 2. A named report about a team leader, registered and acknowledged; assessment is next.
    named = intake.submit_report(session=session, actor=users["meldpunt"], data={},
                                 reporter_user_id=users["medewerker"].id, subject_user_id=users["teamleider"].id)
    _advance(session, named.case.id, {"intake": _registration(),
                                      "ontvangstbevestiging": {"ontvangstbevestiging_via": "email"}})
    # 3. Undesirable behaviour reported through a vertrouwenspersoon, still to be registered.
    vp = intake.submit_report(session=session, actor=users["vertrouwenspersoon"], data={
        "categorie": "Ongewenste omgangsvormen", "dienstonderdeel": "Douane", "via_vertrouwenspersoon": True,
        "toestemming_doorgeven": True, "omschrijving": "Herhaaldelijk intimiderend gedrag tijdens overleggen."})
    return {"users": len(users), "cases": 3, "receipt_case": anon.case.reference,
            "cases_refs": [anon.case.reference, named.case.reference, vp.case.reference]}


DEMO_MAIL_DOMAIN = "meldpunt-demo.example"


def give_demo_addresses(*, session: Session) -> int:
    """Give every demo user without an e-mail address ``<username>@meldpunt-demo.example`` (the demo with an SMTP
    server: e-mail goes only to users with an address). Returns how many got one."""
    from engine.identity.seed import DEMO_USERS

    names = [u[0] for u in DEMO_USERS]
    users = session.scalars(select(User).where(User.username.in_(names)))
    given = 0
    for user in users:
        if not (user.email or "").strip():
            user.email = f"{user.username}@{DEMO_MAIL_DOMAIN}"
            given += 1
    return given
