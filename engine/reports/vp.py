"""Confidential-adviser (vertrouwenspersoon) registrations and their annual tables (DOMAIN §5, §6).

A registration is anonymous: date, unit, category/sub-category, whom it concerns, how it
was handled and the situation afterwards - codes from the lists below, never a name.
Tables show the year and the two previous years side by side, counts and percentages
(percentage = share of that year's registrations).
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.errors import FieldError, InvalidData, NotAuthorized
from engine.identity.models import User
from engine.reports import word
from engine.reports.models import VpRegistration
from engine.reports.service import dutch_pct, percentage

CATEGORIES: dict[str, tuple[str, ...]] = {
    "1 Financiële schendingen": ("diefstal/verduistering", "fraude", "overig"),
    "2 Misbruik positie en belangenverstrengeling": (
        "ongeoorloofde nevenactiviteiten", "ongeoorloofde financiële belangen",
        "corruptie (omkoping, favoritisme, vragen van gunsten, diensten)", "misbruik van legitimatiebewijs", "overig"),
    "3 Lekken en misbruik van informatie": (
        "lekken van informatie", "misbruik van informatie", "ongeoorloofd raadplegen informatie uit vertrouwelijke registers",
        "verlies/diefstal van informatiedragers", "overig"),
    "4 Misbruik (gewelds)bevoegdheden": (
        "ongeoorloofde opsporingsmethoden en dwangmiddelen", "meineed", "valsheid in geschrifte",
        "afgifte van vergunningen en legitimatiebewijzen", "misbruik geweldsbevoegdheid (fysiek)",
        "misbruik geweldsbevoegdheid (vuurwapen)", "overig"),
    "5 Ongewenste omgangsvormen": (
        "discriminatie", "pesten, treiteren, roddelen, buitensluiten", "intimidatie", "agressie en geweld",
        "seksuele intimidatie/geweld", "overig"),
    "6 Misbruik bedrijfsmiddelen en overtreding interne regels": (
        "ongewenst gebruik e-mail/internet/sociale media", "misbruik van bedrijfsmiddelen/faciliteiten",
        "werkverzuim (incl. urenregistratie)", "niet volgen van de procedures", "slordig omgaan met bedrijfsmateriaal",
        "gebruik van alcohol of drugs", "overig"),
    "7 Misdragingen in privésfeer": (
        "financiële schendingen w.o. fiscale integriteit", "financiële problemen", "fiscale integriteit eigen aangifte",
        "ongewenste omgangsvormen", "alcohol of drugs", "ongewenste contacten", "overig"),
    "8 Problematiek personeel en organisatie": (
        "functioneringsproblemen", "arbeidsconflict", "onvrede organisatie", "PSA (werkdruk, stress etc)", "overig"),
}

CONCERNS = {
    "melder_zelf": "Melder zelf",
    "leidinggevende": "Leidinggevende",
    "collega_eigen_onderdeel": "Collega eigen dienstonderdeel",
    "medewerker_ander_onderdeel": "Medewerker ander dienstonderdeel",
    "onbekend": "Onbekend",
}
HANDLING = {
    "klankbordgesprek": "Klankbordgesprek",
    "driegesprek": "Driegesprek",
    "doorverwijzing": "Doorverwijzing",
    "escalatie_directeur_met_melder": "Escalatie naar directeur, met melder",
    "escalatie_directeur_zonder_melder": "Escalatie naar directeur, zonder melder",
    "escalatie_directeur_anoniem": "Escalatie naar directeur, anoniem",
    "doorverwijzing_klachtencommissie": "Doorverwijzing naar klachtencommissie/commissie/bureau",
    "aangifte_politie": "Aangifte bij politie",
    "loopt_nog": "Loopt nog",
    "anders": "Anders",
    "onbekend": "Onbekend",
}
SITUATION = {
    "genormaliseerd": "Genormaliseerd",
    "hetzelfde": "Hetzelfde gebleven",
    "verslechterd": "Verslechterd",
    "andere_werkplek": "Andere werkplek",
    "ontslag_genomen": "Ontslag genomen",
    "contract_beeindigd": "Contract beëindigd",
    "ziek_gemeld": "Ziek gemeld",
    "loopt_nog": "Loopt nog",
    "anders": "Anders",
    "onbekend": "Onbekend",
}


# Who registers (the confidential adviser) and who reads the annual tables (also the coordinator): the one decision
# for api/routers/reports.py and web/pages/confidential_adviser.py.
REGISTER_ROLES = frozenset({"vertrouwenspersoon"})
TABLE_ROLES = frozenset({"vertrouwenspersoon", "integriteitscoordinator"})
OWN_LIST_LIMIT = 200


def may_register(user: User) -> bool:
    return bool(user.active) and bool(user.role_codes & REGISTER_ROLES)


def may_read_tables(user: User) -> bool:
    return bool(user.active) and bool(user.role_codes & TABLE_ROLES)


def require_register(user: User) -> None:
    if not may_register(user):
        raise NotAuthorized("Alleen een vertrouwenspersoon registreert contacten.")


def require_tables(user: User) -> None:
    if not may_read_tables(user):
        raise NotAuthorized("Alleen vertrouwenspersonen en de integriteitscoördinator zien deze tabellen.")


def register_as(*, session: Session, user: User, contact_date: date, unit: str, category: str,
                subcategory: str | None, concerns: str, handling: str, situation_after: str) -> VpRegistration:
    """A registration by ``user`` (a confidential adviser), recorded as theirs."""
    require_register(user)
    return register(session=session, contact_date=contact_date, unit=unit, category=category,
                    subcategory=subcategory, concerns=concerns, handling=handling, situation_after=situation_after,
                    registered_by_id=user.id)


def own_registrations(*, session: Session, user: User, limit: int = OWN_LIST_LIMIT) -> list[VpRegistration]:
    """The registrations ``user`` made, newest contact first (nobody reads another adviser's list)."""
    require_register(user)
    return list(session.scalars(select(VpRegistration).where(VpRegistration.registered_by_id == user.id)
                                .order_by(VpRegistration.contact_date.desc(), VpRegistration.id.desc()).limit(limit)))


def register(*, session: Session, contact_date: date, unit: str, category: str, subcategory: str | None,
             concerns: str, handling: str, situation_after: str, registered_by_id: int | None) -> VpRegistration:
    errors = []
    unit = " ".join((unit or "").split())
    if not unit:
        errors.append(FieldError("dienstonderdeel", "Verplicht."))
    if category not in CATEGORIES:
        errors.append(FieldError("categorie", "Onbekende categorie; kies een van de acht hoofdcategorieën."))
    elif subcategory and subcategory not in CATEGORIES[category]:
        errors.append(FieldError("subcategorie", f"Onbekende subcategorie bij '{category}'."))
    for key, value, allowed in (("betreft", concerns, CONCERNS), ("afhandeling", handling, HANDLING),
                                ("situatie_na", situation_after, SITUATION)):
        if value not in allowed:
            errors.append(FieldError(key, "Onbekende waarde; kies uit de lijst."))
    from engine.clock import now

    if contact_date > now().date():
        errors.append(FieldError("datum", "De datum ligt in de toekomst."))
    if errors:
        raise InvalidData(errors)
    reg = VpRegistration(contact_date=contact_date, unit=unit, category=category, subcategory=subcategory or None,
                         concerns=concerns, handling=handling, situation_after=situation_after,
                         registered_by_id=registered_by_id, created_at=now())
    session.add(reg)
    session.flush()
    return reg


def _count_table(regs_by_year: dict[int, list[VpRegistration]], years: list[int], keys: list, key_fn, label_fn) -> list[dict]:
    totals = {y: len(regs_by_year[y]) for y in years}
    rows = []
    for key in keys:
        counts = {y: sum(1 for r in regs_by_year[y] if key_fn(r) == key) for y in years}
        rows.append({"label": label_fn(key), "sleutel": key,
                     "aantallen": {str(y): counts[y] for y in years},
                     "percentages": {str(y): percentage(counts[y], totals[y]) for y in years}})
    rows.append({"label": "Totaal", "sleutel": None, "aantallen": {str(y): totals[y] for y in years},
                 "percentages": {str(y): 100.0 if totals[y] else 0.0 for y in years}})
    return rows


def build(*, session: Session, year: int) -> dict:
    years = [year - 2, year - 1, year]
    regs = list(session.execute(select(VpRegistration).where(
        VpRegistration.contact_date >= date(year - 2, 1, 1), VpRegistration.contact_date <= date(year, 12, 31))).scalars())
    by_year = {y: [r for r in regs if r.contact_date.year == y] for y in years}
    # categories with their sub-categories (category row first, then its sub-categories)
    cat_rows = []
    totals = {y: len(by_year[y]) for y in years}
    for cat, subs in CATEGORIES.items():
        def row(label, level, pred):
            counts = {y: sum(1 for r in by_year[y] if pred(r)) for y in years}
            return {"label": label, "niveau": level, "aantallen": {str(y): counts[y] for y in years},
                    "percentages": {str(y): percentage(counts[y], totals[y]) for y in years}}
        cat_rows.append(row(cat, "categorie", lambda r, c=cat: r.category == c))
        for sub in subs:
            cat_rows.append(row(sub, "subcategorie", lambda r, c=cat, s=sub: r.category == c and r.subcategory == s))
        unspecified = row("(geen subcategorie)", "subcategorie", lambda r, c=cat: r.category == c and not r.subcategory)
        if any(unspecified["aantallen"].values()):
            cat_rows.append(unspecified)
    cat_rows.append({"label": "Totaal", "niveau": "totaal", "aantallen": {str(y): totals[y] for y in years},
                     "percentages": {str(y): 100.0 if totals[y] else 0.0 for y in years}})
    units = sorted({r.unit for r in regs}, key=str.casefold)
    return {
        "jaar": year, "jaren": [str(y) for y in years],
        "categorieen": cat_rows,
        "dienstonderdelen": _count_table(by_year, years, units, lambda r: r.unit, lambda k: k),
        "betreft": _count_table(by_year, years, list(CONCERNS), lambda r: r.concerns, CONCERNS.get),
        "afhandeling": _count_table(by_year, years, list(HANDLING), lambda r: r.handling, HANDLING.get),
        "situatie_na": _count_table(by_year, years, list(SITUATION), lambda r: r.situation_after, SITUATION.get),
    }


TABLE_TITLES = {
    "categorieen": "Per categorie en subcategorie",
    "dienstonderdelen": "Per dienstonderdeel",
    "betreft": "Op wie heeft de melding betrekking",
    "afhandeling": "Wijze van afhandeling",
    "situatie_na": "Situatie na afloop",
}


def table_cells(report: dict, key: str) -> tuple[list[str], list[list[str]]]:
    years = report["jaren"]
    headers = ["Omschrijving"] + [h for y in years for h in (y, f"% {y}")]
    rows = []
    for r in report[key]:
        label = ("   " + r["label"]) if r.get("niveau") == "subcategorie" else r["label"]
        rows.append([label] + [v for y in years for v in (str(r["aantallen"][y]), dutch_pct(r["percentages"][y]))])
    return headers, rows


def to_docx(report: dict) -> bytes:
    sections = []
    for key, title in TABLE_TITLES.items():
        headers, rows = table_cells(report, key)
        sections.append((title, headers, rows))
    return word.document(f"Registraties vertrouwenspersonen {report['jaar']}", sections)


def to_text(report: dict) -> str:
    lines = [f"Registraties vertrouwenspersonen {report['jaar']}"]
    for key, title in TABLE_TITLES.items():
        headers, rows = table_cells(report, key)
        lines += ["", title, " | ".join(headers)] + [" | ".join(r) for r in rows]
    return "\n".join(lines)
