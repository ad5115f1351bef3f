"""The letters this package ships, with their usual recipient role.

The process files decide which letter belongs to which step (task property
``letter``) and to whom it goes (``letter_recipient``). The recipient here is the
default used by ``meldpunt templates check`` to test each template against the
data that recipient may receive.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LetterSpec:
    name: str
    title: str
    recipient: str


LETTERS: dict[str, LetterSpec] = {
    spec.name: spec
    for spec in (
        LetterSpec("ontvangstbevestiging", "Ontvangstbevestiging melding", "melder"),
        LetterSpec("verzoek_aanvullende_informatie", "Verzoek om aanvullende informatie", "melder"),
        LetterSpec("besluit_geen_onderzoek", "Besluit geen onderzoek / doorverwijzing", "melder"),
        LetterSpec("onderzoeksopdracht", "Onderzoeksopdracht", "onderzoeker"),
        LetterSpec("kennisgeving_onderzoek", "Kennisgeving onderzoek en uitnodiging hoorgesprek", "betrokkene"),
        LetterSpec("verslag_hoorgesprek", "Verslag hoorgesprek ter correctie en ondertekening", "betrokkene"),
        LetterSpec("verslag_getuigenverhoor", "Verslag getuigenverhoor ter correctie en ondertekening", "getuige"),
        LetterSpec("besluit_ordemaatregel", "Besluit ordemaatregel", "betrokkene"),
        LetterSpec("sanctieadvies", "Sanctieadvies", "bevoegd_gezag"),
        LetterSpec("voornemen_disciplinaire_maatregel", "Voornemen disciplinaire maatregel", "betrokkene"),
        LetterSpec("besluit_disciplinaire_maatregel", "Besluit disciplinaire maatregel", "betrokkene"),
        LetterSpec("afsluiting_zonder_maatregel", "Afsluiting zonder maatregel", "betrokkene"),
        LetterSpec("terugkoppeling_melder", "Terugkoppeling aan melder", "melder"),
        LetterSpec("gegrondheid_melder", "Oordeel over de gegrondheid van de melding (12 weken)", "melder"),
        LetterSpec("melding_politie_om", "Melding aan politie/OM (art. 162 Sv)", "politie_om"),
        LetterSpec("kennisgeving_bekendmaking_identiteit", "Kennisgeving bekendmaking identiteit melder", "melder"),
    )
}

# How the recipients of the process files' letters (``letter_recipient``) are named on screen.
RECIPIENT_LABELS: dict[str, str] = {
    "melder": "de melder",
    "betrokkene": "de betrokkene",
    "getuige": "de getuige",
    "onderzoeker": "de onderzoeker",
    "bevoegd_gezag": "het bevoegd gezag",
    "politie_om": "politie/OM",
}
