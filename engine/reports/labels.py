"""The published labels (DOMAIN §1, §5, §6) and exact matching after normalisation."""
from __future__ import annotations

import re
import unicodedata

RESOLUTIONS = (
    "Geen afdoening/actie",
    "Afdoening d.m.v. corrigerend gesprek, waarschuwingsbrief, training, coaching, e.d.",
    "Schriftelijke berisping",
    "Vermindering IKB-uren",
    "Financiële afdoening (boete/ uitsluiting periodiek)",
    "Verplaatsing",
    "Beëindiging dienstverband",
    "Beëindiging tijdelijke arbeidsovereenkomst, contract, stage",
    "Ontslag op initiatief van de medewerker",
)
NO_ACTION = RESOLUTIONS[0]
CONVERSATION = RESOLUTIONS[1]
DISCIPLINARY = frozenset(RESOLUTIONS[2:6])
END_OF_EMPLOYMENT = {  # label → key in the annex totals
    "Beëindiging dienstverband": "beeindiging_dienstverband",
    "Beëindiging tijdelijke arbeidsovereenkomst, contract, stage": "beeindiging_tijdelijk",
    "Ontslag op initiatief van de medewerker": "ontslag_eigen_initiatief",
}

CATEGORIES = (
    "Financiële schendingen",
    "Misbruik positie en belangenverstrengeling",
    "Lekken en misbruik en/of achterhouden van en/of ongeoorloofd omgaan met informatie",
    "Misbruik bevoegdheden",
    "Misbruik geweldsbevoegdheid",
    "Ongewenste omgangsvormen",
    "Misbruik bedrijfsmiddelen en overtreding interne regels",
    "Ongepaste gedragingen in privé-sfeer",
    "Ongepaste communicatie",
    "Misstanden (klokkenluidersregeling)",
)

# Codes as the closing form stores them (the form of the task with legal milestone ``registratie``; x-labels).
INVESTIGATION_KINDS = {
    "geen_onderzoek": "Geen onderzoek",
    "vooronderzoek": "Vooronderzoek",
    "feitenonderzoek_intern": "Feitenonderzoek intern",
    "feitenonderzoek_extern": "Feitenonderzoek extern",
    "forensisch": "Forensisch e-mail- of data-onderzoek",
}
OUTCOMES = {
    "aangetoond": "Aangetoond",
    "deels_aangetoond": "Deels aangetoond",
    "niet_aangetoond": "Niet aangetoond",
    "niet_van_toepassing": "Niet van toepassing",
}


def normalise(text: str) -> str:
    """Case-, whitespace- and punctuation-insensitive key; letters (with accents) and digits kept."""
    text = unicodedata.normalize("NFC", text or "").casefold()
    text = re.sub(r"[\W_]+", " ", text)
    return " ".join(text.split())


def matcher(labels) -> dict[str, str]:
    """normalised → exact label (labels may be a sequence, or a code → label mapping: both match)."""
    out: dict[str, str] = {}
    if isinstance(labels, dict):
        for code, label in labels.items():
            out[normalise(code.replace("_", " "))] = code
            out[normalise(label)] = code
    else:
        for label in labels:
            out[normalise(label)] = label
    return out


def join_resolutions(labels: list[str]) -> str:
    return "; ".join(labels)
