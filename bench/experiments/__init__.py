

def seed_closed_cases(session, *, prefix: str, n: int, category: str, text_of, summary: dict | None = None) -> None:
    """``n`` closed cases of ``category`` (references ``{prefix}-00000``…) for the report and precedent experiments,
    each with an anonymised summary (``text_of(k)``), an encrypted reporter's name and one subject (a user named
    'Collega Leiding', so a summary naming them is withheld)."""
    from engine.cases import confidential
    from engine.cases.models import Case, CaseParty
    from engine.clock import now
    from engine.identity.models import User

    party = User(username=f"{prefix.lower()}_party", display_name="Collega Leiding", unit="Douane")
    session.add(party)
    session.flush()
    for k in range(n):
        case = Case(reference=f"{prefix}-{k:05d}", status="closed", unit="Douane", category=category,
                    closed_at=now(), summary={"afdoeningen": ["Ontslag"], **(summary or {}),
                                              "inhoud_geanonimiseerd": text_of(k)})
        session.add(case)
        session.flush()
        confidential.store(session, case_id=case.id, values={"melder_naam": f"Melder Nummer{k}"})
        session.add(CaseParty(case_id=case.id, party="betrokkene", user_id=party.id))
