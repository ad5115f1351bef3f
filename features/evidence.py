"""Evidence for an auditor: law article -> the scenarios that prove it -> the process elements they passed -> the
letters they produced.

``meldpunt scenarios --rapport <map>`` runs the chosen scenarios and writes ``<map>/rapport.html`` (Dutch) and
``<map>/rapport.json``, with every letter a scenario produced as a .docx under ``<map>/brieven/``.

A scenario names the rules it proves with tags: ``@wet:Wbk-art2a``, ``@cao:h15``, ``@atw:art1``, ``@avg:art15`` …
(:data:`PREFIXES`). The articles the process relies on are read from the manifest's legal rules (``legal_rules``,
``reporter_contact``, ``privacy`` and ``retention`` in processes/manifest.json): every article a source text there cites maps to one tag
(:data:`ARTICLES`), so the report can list the articles that no scenario proves. Nothing here reads the wall clock.
"""
from __future__ import annotations

import html
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MANIFEST = REPO / "processes" / "manifest.json"

# Tag prefixes that name a legal rule (the part before the colon).
PREFIXES = {"wet": "wet", "cao": "cao", "atw": "Algemene termijnenwet", "avg": "AVG", "richtlijn": "EU-richtlijn",
            "protocol": "protocol", "handreiking": "handreiking"}

# tag -> (Dutch title, pattern that finds the article in a source text of the manifest, or None when the manifest
# does not cite it). Align a new tag with the manifest's wording here, once.
ARTICLES: dict[str, tuple[str, str | None]] = {
    "wet:Wbk-art2a": ("Wet bescherming klokkenluiders art. 2a: interne meldprocedure (ontvangstbevestiging, "
                      "terugkoppeling, vertrouwelijkheid)", r"Wet bescherming klokkenluiders"),
    "richtlijn:2019-1937-art9": ("EU-richtlijn 2019/1937 art. 9: procedures voor interne melding en opvolging",
                                 r"2019/1937 art\. 9\b"),
    "richtlijn:2019-1937-art16": ("EU-richtlijn 2019/1937 art. 16: vertrouwelijkheid van de identiteit van de melder",
                                  r"2019/1937 art\. 16\b"),
    "richtlijn:2019-1937-art18": ("EU-richtlijn 2019/1937 art. 18: registratie van meldingen, niet langer bewaard dan "
                                  "nodig", r"2019/1937 art\. 18\b"),
    "richtlijn:2019-1937-art19": ("EU-richtlijn 2019/1937 art. 19 en 21: verbod op en bescherming tegen represailles "
                                  "(nazorg na afsluiting)", r"2019/1937 art\. 19\b"),
    "wet:Sv-art162": ("Wetboek van Strafvordering art. 162: onverwijld aangifte van een ambtsmisdrijf",
                      r"art\. 162 Wetboek van Strafvordering"),
    "wet:Awb-art6:7": ("Algemene wet bestuursrecht art. 6:7: bezwaartermijn van zes weken", r"Awb art\. 6:7"),
    "wet:Awb-art3:41": ("Algemene wet bestuursrecht art. 3:41: een besluit wordt bekendgemaakt door toezending aan "
                        "de belanghebbende", r"Awb art\. 3:41"),
    "wet:BW-art7:686a": ("Burgerlijk Wetboek art. 7:686a lid 4: ontslag op staande voet binnen twee maanden "
                         "aanvechten", r"BW art\. 7:686a"),
    "cao:h15": ("CAO Rijk hoofdstuk 15: disciplinaire straffen, voornemen en zienswijze", r"CAO Rijk hoofdstuk 15"),
    "protocol:hoor-en-wederhoor": ("Protocol integriteitsonderzoek: hoor en wederhoor, verslag ter correctie en "
                                   "ondertekening", r"Protocol integriteitsonderzoek"),
    "handreiking:Rijk-gegrondheid": ("Handreiking Rijk: de melder hoort binnen 12 weken of de melding gegrond is",
                                     r"handreiking Rijk"),
    "avg:art5": ("AVG art. 5 lid 1 onder c en e: minimale gegevens, niet langer bewaard dan nodig",
                 r"AVG art\. 5\b"),
    "avg:art12": ("AVG art. 12 lid 3: antwoord op een verzoek binnen één maand, eenmaal te verlengen",
                  r"AVG art\. 12\b"),
    "avg:art15": ("AVG art. 15: recht van inzage", r"AVG art\. 15\b"),
    "avg:art18": ("AVG art. 18: beperking van de verwerking", r"AVG art\. 18\b"),
    "atw:art1": ("Algemene termijnenwet art. 1: een termijn eindigt niet op een zaterdag, zondag of feestdag",
                 r"termijnenwet art\. 1\b"),
    "atw:art2": ("Algemene termijnenwet art. 2: een termijn van ten minste drie dagen omvat twee werkdagen",
                 r"termijnenwet art\. 2\b"),
    "wet:Ambtenarenwet-art4": ("Ambtenarenwet 2017 art. 4: registratie van integriteitsschendingen en verantwoording "
                               "in het jaarverslag", r"Ambtenarenwet"),
}


def is_law_tag(tag: str) -> bool:
    return ":" in tag and tag.split(":", 1)[0] in PREFIXES


UNKNOWN_TITLE = ("Onbekend wetsartikel: niet in de lijst van features/evidence.py (ARTICLES); een ontwikkelaar voegt "
                 "het daar toe met zijn titel")


def _tag_line(path: Path, tag: str) -> int | None:
    """The line of the feature file where ``tag`` (without '@') is written, or None."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    word = re.compile(r"(?:^|\s)@" + re.escape(tag) + r"(?=\s|$)")
    return next((i for i, line in enumerate(lines, 1) if word.search(line)), None)


def unknown_tag_warnings(refs) -> list[str]:
    """A Dutch warning for every law tag (``@wet:...``, ``@avg:...``) in the scenarios ``refs`` that is not a known
    article: the file and line, the nearest known tags and where the list is."""
    from rapidfuzz import fuzz, process

    out, seen = [], set()
    for ref in refs:
        for tag in sorted(t for t in ref.tags if is_law_tag(t) and t not in ARTICLES):
            if (tag, str(ref.path)) in seen:
                continue
            seen.add((tag, str(ref.path)))
            line = _tag_line(ref.path, tag)
            near = [f"@{t}" for t, _, _ in process.extract(tag, list(ARTICLES), scorer=fuzz.ratio, limit=3)]
            out.append(f"Let op: de tag '@{tag}' ({_rel(ref.path)}" + (f", regel {line}" if line else "")
                       + ") is geen bekend wetsartikel; het bewijsrapport kan er geen artikel bij noemen. "
                       f"Bedoelt u: {', '.join(near)}? De bekende artikelen staan in features/README.md "
                       "(Wetsartikelen en het bewijsrapport); een nieuw artikel voegt een ontwikkelaar toe aan "
                       "features/evidence.py (ARTICLES).")
    return out


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def manifest_articles(path: Path = MANIFEST) -> tuple[dict[str, list[str]], list[str]]:
    """(tag -> the manifest texts that cite it, the manifest's source texts that cite no known article)."""
    manifest = json.loads(path.read_text(encoding="utf-8"))
    cited: dict[str, list[str]] = {}
    unmatched = []
    for section in ("legal_rules", "reporter_contact", "privacy", "retention"):
        for text in _strings(manifest.get(section)):
            hits = [tag for tag, (_, pattern) in ARTICLES.items() if pattern and re.search(pattern, text)]
            for tag in hits:
                if text not in cited.setdefault(tag, []):
                    cited[tag].append(text)
            if not hits and re.search(r"\bart\.|hoofdstuk|\bwet\b", text, flags=re.I) and text not in unmatched:
                unmatched.append(text)
    return cited, unmatched


# ---------------------------------------------------------------- collecting during the run

@dataclass
class Letter:
    sjabloon: str
    ontvanger: str
    stap: str
    bestand: str  # relative to the report folder


@dataclass
class Evidence:
    elementen: list[dict] = field(default_factory=list)  # [{"id", "naam", "afgerond"}] in the order first reached
    brieven: list[Letter] = field(default_factory=list)
    fout: str = ""


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "scenario"


def collect(request, directory: Path, number: int) -> Evidence:
    """What the scenario of ``request`` left in its database: the BPMN elements of its cases' audit trail and its
    letters (written to ``directory/brieven/``). Never raises: a problem is kept in ``fout``."""
    out = Evidence()
    try:
        wereld = request.getfixturevalue("wereld")
        from sqlalchemy import select

        from documents import service as documents
        from documents.models import Letter as LetterRow
        from engine.audit.models import AuditEvent
        from engine.cases.models import Case
        from engine.processes.names import parse_names
        from tests.process.driver import PROCESSES

        names = parse_names({str(p.relative_to(PROCESSES)): p.read_bytes() for p in PROCESSES.glob("*.bpmn")})
        with wereld.db.session() as s:
            case_ids = list(s.scalars(select(Case.id).order_by(Case.id)))
            events = s.scalars(select(AuditEvent).where(AuditEvent.case_id.in_(case_ids),
                                                        AuditEvent.action.in_(("task.created", "task.completed")))
                               .order_by(AuditEvent.id)).all() if case_ids else []
            seen: dict[str, bool] = {}  # element id -> completed (else only reached: the task was opened)
            for e in events:
                element = (e.details or {}).get("element")
                if isinstance(element, str) and element:
                    seen[element] = seen.get(element, False) or e.action == "task.completed"
            out.elementen = [{"id": i, "naam": names.element(i) or i, "afgerond": done} for i, done in seen.items()]
            letters = s.scalars(select(LetterRow).where(LetterRow.case_id.in_(case_ids))
                                .order_by(LetterRow.id)).all() if case_ids else []
            folder = directory / "brieven" / f"{number:03d}-{_slug(request.node.name.removeprefix('test_'))}"
            for i, letter in enumerate(letters, 1):
                folder.mkdir(parents=True, exist_ok=True)
                target = folder / f"{i:02d}-{_slug(letter.template)}-{_slug(letter.recipient)}.docx"
                target.write_bytes(documents.letter_content(session=s, letter=letter))
                out.brieven.append(Letter(sjabloon=letter.template, ontvanger=letter.recipient, stap=letter.step,
                                          bestand=str(target.relative_to(directory)).replace("\\", "/")))
    except Exception as exc:  # evidence must never hide the scenario's own result
        out.fout = f"{type(exc).__name__}: {exc}"
    return out


# ---------------------------------------------------------------- the report

def build(outcomes: list, every: list, selection_keys: set) -> dict:
    """The report as data. ``outcomes``: the runner's Outcome objects (with ``.evidence``, ``.tags``);
    ``every``: all scenarios in the feature files (ScenarioRef), to show what was not run."""
    cited, unmatched = manifest_articles()
    rows: dict[str, list[dict]] = {}
    run_keys = set()
    for o in outcomes:
        run_keys.add((o.path, o.scenario))
        ev: Evidence = getattr(o, "evidence", None) or Evidence()
        for tag in sorted(t for t in o.tags if is_law_tag(t)):
            rows.setdefault(tag, []).append({
                "bestand": o.file, "scenario": o.scenario, "voorbeeld": o.example, "resultaat": o.result,
                "elementen": ev.elementen, "brieven": [asdict(b) for b in ev.brieven], "bewijsfout": ev.fout})
    for ref in every:
        if (str(ref.path), ref.name) in run_keys:
            continue
        for tag in sorted(t for t in ref.tags if is_law_tag(t)):
            rows.setdefault(tag, []).append({"bestand": _rel(ref.path), "scenario": ref.name, "voorbeeld": "",
                                             "resultaat": "niet gedraaid", "elementen": [], "brieven": [],
                                             "bewijsfout": ""})
    articles = []
    for tag in sorted(set(rows) | set(cited), key=lambda t: (t not in cited, t)):
        scenarios = rows.get(tag, [])
        articles.append({
            "artikel": tag, "titel": ARTICLES.get(tag, (UNKNOWN_TITLE, None))[0], "in_manifest": tag in cited,
            "bronnen_in_manifest": cited.get(tag, []), "scenarios": scenarios,
            "bewezen": bool(scenarios) and all(s["resultaat"] == "geslaagd" for s in scenarios)})
    untagged = sorted({(o.file, o.scenario) for o in outcomes if not any(is_law_tag(t) for t in o.tags)})
    unknown = sorted({(f"@{t}", o.file, o.scenario) for o in outcomes for t in o.tags
                      if is_law_tag(t) and t not in ARTICLES}
                     | {(f"@{t}", _rel(ref.path), ref.name) for ref in every for t in ref.tags
                        if is_law_tag(t) and t not in ARTICLES})
    return {
        "artikelen": articles,
        "zonder_scenario": [a["artikel"] for a in articles if a["in_manifest"] and not a["scenarios"]],
        "bronnen_zonder_artikelcode": unmatched,
        "scenarios_zonder_wetsartikel": [{"bestand": f, "scenario": n} for f, n in untagged],
        "onbekende_wetsartikelen": [{"tag": t, "bestand": f, "scenario": n} for t, f, n in unknown],
        "samenvatting": {label: sum(o.result == label for o in outcomes)
                         for label in ("geslaagd", "MISLUKT", "overgeslagen", "niet gedraaid")},
    }


def _rel(path: Path) -> str:
    try:
        return str(Path(path).relative_to(REPO))
    except ValueError:
        return str(path)


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def to_html(report: dict) -> str:
    parts = ["<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>Bewijs per wetsartikel</title>",
             "<style>body{font-family:sans-serif;max-width:75em;margin:2em auto}table{border-collapse:collapse;"
             "width:100%}td,th{border:1px solid #999;padding:.3em;vertical-align:top;text-align:left}"
             ".geslaagd{color:#060}.MISLUKT{color:#b00;font-weight:bold}.niet{color:#666}</style></head><body>",
             "<h1>Bewijs per wetsartikel</h1>",
             "<p>Per artikel de scenario's die het aantonen (features/), of zij slaagden, de processtappen die zij "
             "doorliepen (uit de audittrail van hun zaken: afgeronde taken, en geopende taken zoals een escalatie) "
             "en de brieven die zij opleverden (Word-bestanden naast dit rapport).</p>"]
    s = report["samenvatting"]
    parts.append(f"<p>{s['geslaagd']} geslaagd, {s['MISLUKT']} mislukt"
                 + (f", {s['overgeslagen']} overgeslagen" if s["overgeslagen"] else "") + ".</p>")
    parts.append("<h2>Artikelen zonder scenario</h2>")
    if report["zonder_scenario"]:
        parts.append("<ul>" + "".join(
            f"<li id='zonder-{_e(a['artikel'])}'><b>{_e(a['artikel'])}</b> — {_e(a['titel'])}</li>"
            for a in report["artikelen"] if a["artikel"] in report["zonder_scenario"]) + "</ul>")
    else:
        parts.append("<p>Geen: elk artikel uit de wettelijke regels van het manifest heeft een scenario.</p>")
    parts.append("<h2>Artikelen en hun scenario's</h2>")
    for a in report["artikelen"]:
        parts.append(f"<h3 id='{_e(a['artikel'])}'>{_e(a['artikel'])} — {_e(a['titel'])}</h3>")
        parts.append("<p>" + ("In het manifest: " + "; ".join(_e(b) for b in a["bronnen_in_manifest"])
                              if a["in_manifest"] else "Niet genoemd in de wettelijke regels van het manifest.")
                     + "</p>")
        if not a["scenarios"]:
            parts.append("<p class='MISLUKT'>Geen scenario.</p>")
            continue
        parts.append("<table><tr><th>scenario</th><th>resultaat</th><th>doorlopen processtappen</th>"
                     "<th>brieven</th></tr>")
        for row in a["scenarios"]:
            name = row["scenario"] + (f" [{row['voorbeeld']}]" if row["voorbeeld"] else "")
            steps = ", ".join(f"{_e(el['naam'])}" + ("" if el.get("afgerond") else " <i>(geopend)</i>")
                              + f" <small>({_e(el['id'])})</small>" for el in row["elementen"]) or "—"
            letters = "<br>".join(f"<a href='{_e(b['bestand'])}'>{_e(b['sjabloon'])}</a> aan {_e(b['ontvanger'])}"
                                  for b in row["brieven"]) or "—"
            css = row["resultaat"].split()[0]
            parts.append(f"<tr><td>{_e(name)}<br><small>{_e(row['bestand'])}</small></td>"
                         f"<td class='{_e(css)}'>{_e(row['resultaat'])}</td><td>{steps}</td><td>{letters}</td></tr>")
        parts.append("</table>")
    if report.get("onbekende_wetsartikelen"):
        parts.append("<h2>Onbekende wetsartikelen</h2><p>Deze tags noemen geen bekend artikel (zie features/README.md); "
                     "het rapport kan er geen titel bij geven.</p><ul>" + "".join(
                         f"<li><b>{_e(r['tag'])}</b>: {_e(r['scenario'])} <small>({_e(r['bestand'])})</small></li>"
                         for r in report["onbekende_wetsartikelen"]) + "</ul>")
    if report["bronnen_zonder_artikelcode"]:
        parts.append("<h2>Bronnen in het manifest zonder artikelcode</h2><ul>"
                     + "".join(f"<li>{_e(t)}</li>" for t in report["bronnen_zonder_artikelcode"]) + "</ul>")
    if report["scenarios_zonder_wetsartikel"]:
        parts.append("<h2>Scenario's zonder wetsartikel</h2><ul>" + "".join(
            f"<li>{_e(r['scenario'])} <small>({_e(r['bestand'])})</small></li>"
            for r in report["scenarios_zonder_wetsartikel"]) + "</ul>")
    parts.append("</body></html>\n")
    return "".join(parts)


def write(directory: Path, report: dict) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "rapport.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (directory / "rapport.html").write_text(to_html(report), encoding="utf-8")
