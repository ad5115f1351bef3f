"""The scenario framework itself: catalogue complete, new feature files run without Python, failures readable."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from features import catalogue

HERE = Path(__file__).parent
REPO = HERE.parent

NEW_FEATURE = """# language: nl
Functionaliteit: Een nieuw bestand van een tester

  Scenario: De melding komt bij het meldpunt binnen
    Gegeven de demo-organisatie
    En het is 2 november 2026
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Valse declaraties van reizen"
    Dan ziet "meldpunt" de taak "melding_registreren" in de werkvoorraad
    Maar ziet "onderzoeker1" de taak "melding_registreren" niet in de werkvoorraad
"""

WRONG_FEATURE = """# language: nl
Functionaliteit: Een verkeerde verwachting

  Scenario: De tester verwacht een verkeerde termijn
    Gegeven de demo-organisatie
    En het is 2 november 2026
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Valse declaraties van reizen"
    En "meldpunt" de taak "melding_registreren" afrondt
    Dan is de termijn van de taak "ontvangst_bevestigen" 1 januari 2030

  Scenario: De tester verwacht een taak die er niet is
    Gegeven de demo-organisatie
    En het is 2 november 2026
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Valse declaraties van reizen"
    Dan ziet "meldpunt" de taak "Sanctieadvies opstellen" in de werkvoorraad
"""


def test_catalogue_lists_every_step():
    text = (HERE / "STAPPEN.md").read_text(encoding="utf-8")
    missing = [f"{kw} {sentence}" for kw, sentence, _, _ in catalogue.steps() if f"## {kw} {sentence}\n" not in text]
    assert not missing, ("features/STAPPEN.md mist deze stappen (draai `python -m features.catalogue`): "
                         + "; ".join(missing))
    assert text == catalogue.render(), "features/STAPPEN.md is verouderd: draai `python -m features.catalogue`"
    assert all(example for _, _, example, _ in catalogue.steps()), "elke stap heeft een voorbeeld (docstring)"


def test_every_catalogue_example_says_its_own_sentence():
    """The tester copies the example under a sentence: it must be that sentence, under its keyword (a step that
    reads "er 8 dagen verstrijken" and "er 1 dag verstrijkt" has an example for each)."""
    assert catalogue.unfitting_examples() == [], (
        "voorbeelden die niet bij hun zin passen (zet een passend voorbeeld in de docstring van de stap): "
        + "; ".join(catalogue.unfitting_examples()))


def _copy_and_run(tmp_path: Path, files: dict[str, str]) -> subprocess.CompletedProcess:
    copy = tmp_path / "features"
    shutil.copytree(HERE, copy, ignore=shutil.ignore_patterns("*.feature", "__pycache__", "test_framework.py",
                                                              "test_evidence.py"))
    for name, text in files.items():
        (copy / name).write_text(text, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           str(copy), "--rootdir", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_new_feature_file_runs_without_python(tmp_path):
    run = _copy_and_run(tmp_path, {"nieuw.feature": NEW_FEATURE})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout, run.stdout


def test_wrong_expectation_gives_readable_message(tmp_path):
    run = _copy_and_run(tmp_path, {"fout.feature": WRONG_FEATURE})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "2 failed" in run.stdout, run.stdout
    assert "Verwacht: termijn 1 januari 2030" in run.stdout and "Gevonden: 9 november 2026" in run.stdout, run.stdout
    assert "Verwacht: 'meldpunt' ziet de taak 'Sanctieadvies opstellen'" in run.stdout, run.stdout
    assert "'Melding registreren' (melding_registreren, rol meldpunt)" in run.stdout, run.stdout


UNKNOWN_SENTENCE = """# language: nl
Functionaliteit: Een zin die niet in de catalogus staat

  Scenario: De tester schrijft een zin net anders dan de catalogus
    Gegeven de demo-organisatie
    En het is 2 november 2026
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Valse declaraties van reizen"
    En "meldpunt" de taak "melding_registreren" afrond
"""


def test_unknown_sentence_names_file_line_and_nearest_sentences(tmp_path):
    run = _copy_and_run(tmp_path, {"onbekend.feature": UNKNOWN_SENTENCE})
    assert run.returncode == 1, run.stdout + run.stderr
    out = run.stdout
    assert "StepDefinitionNotFoundError" not in out, out
    assert "Onbekende zin in " in out and "onbekend.feature, regel 8:" in out, out
    assert 'En "meldpunt" de taak "melding_registreren" afrond' in out, out
    hint = out.split("Bedoelt u een van deze?", 1)[1]
    suggestions = [line.strip()[2:] for line in hint.splitlines() if line.strip().startswith("- ")][:3]
    assert len(suggestions) == 3, out
    assert suggestions[0] == 'Als "{wie}" de taak "{taak}" afrondt', out


UNCOVERED_YEAR = """# language: nl
Functionaliteit: Een jaar dat de instellingen niet dekken

  Scenario: Een melding in 2031 zonder gelijkgestelde dagen in de instellingen
    Gegeven de demo-organisatie
    En het is 7 maart 2031
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiële schendingen" over "Valse declaraties van reizen"
    En "meldpunt" de taak "melding_registreren" afrondt
    Dan is de termijn van de taak "ontvangst_bevestigen" 14 maart 2031
"""


def test_year_without_equated_days_is_named_in_dutch(tmp_path):
    """Scenarios may start on any date; a term in a year that processes/gelijkgestelde_dagen.json does not cover
    fails with a Dutch message saying how to declare it (the same scenario passes with the declaration:
    ontvangstbevestiging.feature)."""
    run = _copy_and_run(tmp_path, {"jaar.feature": UNCOVERED_YEAR})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Verwacht: gelijkgestelde dagen (Algemene termijnenwet art. 3 lid 3) voor 2031" in run.stdout, run.stdout
    assert "processes/gelijkgestelde_dagen.json gaat over 2023 tot en met 2028" in run.stdout, run.stdout
    assert "Gegeven in 2031 zijn er geen gelijkgestelde dagen" in run.stdout, run.stdout
    assert "datum na" not in run.stdout, run.stdout


TWO_LETTERS_OF_ONE_KIND = """# language: nl
Functionaliteit: Twee brieven van hetzelfde sjabloon

  Scenario: De tester vraagt naar "een brief" terwijl er twee van die soort zijn
    Gegeven de demo-organisatie
    En het is 3 februari 2027
    En "meldpunt" een melding registreert van "medewerker" met categorie "Misbruik bevoegdheden" over "Dossiers ingezien zonder reden"
    En "meldpunt" de taak "melding_registreren" afrondt
    En "meldpunt" de taak "ontvangst_bevestigen" afrondt
    En "meldpunt" de taak "terugkoppeling_melder" afrondt
    Als "meldpunt" de taak "melder_informeren_gegrondheid" afrondt met:
      | veld                     | waarde                          |
      | melding_gegrond          | nog_niet_bekend                 |
      | gegrondheid_tekst        | Het onderzoek vraagt meer tijd. |
      | gegrondheid_vervolgdatum | 19 februari 2027                |
    En "meldpunt" de taak "melder_informeren_gegrondheid" afrondt met:
      | veld              | waarde                                    |
      | melding_gegrond   | ongegrond                                 |
      | gegrondheid_tekst | De organisatie neemt de uitkomst serieus. |
    Dan is er een brief "gegrondheid_melder" voor de "melder"
"""


def test_a_letter_that_is_ambiguous_fails_loudly(tmp_path):
    """'is er een brief' with two letters of one template never silently takes one of them: it names both and
    the sentence that chooses ("de tweede brief van soort ...")."""
    run = _copy_and_run(tmp_path, {"twee.feature": TWO_LETTERS_OF_ONE_KIND})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Verwacht: precies één brief 'gegrondheid_melder' voor 'melder'" in run.stdout, run.stdout
    assert "Gevonden: 2 brieven" in run.stdout, run.stdout
    assert 'Dan is er een eerste (tweede, ..., laatste) brief van soort "gegrondheid_melder"' in run.stdout, run.stdout


def test_a_date_that_does_not_exist_is_named_in_dutch():
    import pytest

    from features.steps.common import dutch_date

    for text, said in (("31 november 2026", "november 2026 heeft geen dag 31"),
                       ("29 februari 2027", "februari 2027 heeft geen dag 29")):
        with pytest.raises(AssertionError) as refused:
            dutch_date(text)
        assert str(refused.value) == f"'{text}' bestaat niet: {said}.", refused.value
    assert dutch_date("29 februari 2028").isoformat() == "2028-02-29"


WRONG_CATEGORY = """# language: nl
Functionaliteit: Een categorie zonder accent

  Scenario: De tester schrijft de categorie net anders dan de lijst
    Gegeven de demo-organisatie
    En het is 2 november 2026
    Als "meldpunt" een melding registreert van "medewerker" met categorie "Financiele schendingen" over "Valse declaraties van reizen"
"""


def test_a_refusal_by_the_api_is_told_in_dutch_not_as_json(tmp_path):
    """A step the API refuses says the Dutch title and message of the refusal (and, for a category, the nearest
    categories), never the raw problem+json body with its English keys and URL."""
    run = _copy_and_run(tmp_path, {"categorie.feature": WRONG_CATEGORY})
    assert run.returncode == 1, run.stdout + run.stderr
    out = run.stdout
    assert "Gevonden: geweigerd (Ongeldige gegevens): ‘Categorie’: kies een categorie uit de lijst." in out, out
    assert "Bedoelt u: 'Financiële schendingen'" in out, out
    assert '{"type"' not in out and "problems/invalid-data" not in out, out


def test_every_sentence_is_in_the_catalogue_once():
    """Two step definitions for one sentence: the catalogue shows it twice, and which of them runs depends on the
    order in which modules are imported."""
    from collections import Counter

    twice = [f"{kw} {s}" for (kw, s), n in Counter((kw, s) for kw, s, _, _ in catalogue.steps()).items() if n > 1]
    assert twice == [], "zinnen die meer dan eens in de catalogus staan: " + "; ".join(twice)


def test_an_example_does_not_fill_a_quoted_place_with_quotes():
    """'beantwoordt met "{antwoord}"' also "fits" the example 'beantwoordt met "ja" en toelichting "..."' (the place
    swallows the rest); that example belongs to the longer sentence, and the shorter one needs its own."""
    assert not catalogue.fits(
        __import__("pytest_bdd").parsers.parse('de nazorgvraag beantwoordt met "{antwoord}"'),
        'Als de nazorgvraag beantwoordt met "ja" en toelichting "Ik word buitengesloten"')
    shown = {f"{kw} {s}": ex.splitlines()[0] for kw, s, ex, _ in catalogue.steps()}
    assert shown['Als de melder met de ontvangstcode de nazorgvraag beantwoordt met "{antwoord}"'] \
        == 'Als de melder met de ontvangstcode de nazorgvraag beantwoordt met "nee"', shown


def test_catalogue_headings_are_sentences_not_regular_expressions():
    """A sentence defined by a regular expression is shown with {places} like every other, not as '(?P<n>\\d+)'."""
    headings = [f"{kw} {s}" for kw, s, _, _ in catalogue.steps()]
    raw = [h for h in headings if "(?" in h or "\\d" in h]
    assert raw == [], raw
    assert "Dan eindigt de termijn van {n} {eenheid} vanaf [{begin_weekdag} ]{begin} op [{einde_weekdag} ]{einde}" \
        in headings, headings


WRONG_CLAIMS_OF_NEW_STEPS = """# language: nl
Functionaliteit: Verkeerde beweringen over termijnen van de melder, taaknamen en de ontvangstcode

  Achtergrond:
    Gegeven de demo-organisatie
    En het is 10 maart 2027

  Scenario: Een verkeerde einddatum van de termijn van de melder
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Ongepaste communicatie" over "Kwetsende berichten in de teamapp"
    Dan ziet de melder met de ontvangstcode de termijn "ontvangstbevestiging" met einddatum 18 maart 2027

  Scenario: Een termijn die de melder wel ziet
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Ongepaste communicatie" over "Kwetsende berichten in de teamapp"
    Dan ziet de melder met de ontvangstcode de termijn "ontvangstbevestiging" niet

  Scenario: Een termijn die niet bestaat
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Ongepaste communicatie" over "Kwetsende berichten in de teamapp"
    Dan ziet de melder met de ontvangstcode de termijn "bezwaar" niet

  Scenario: Een taaknaam met een tikfout in een ontkenning
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Ongepaste communicatie" over "Kwetsende berichten in de teamapp"
    Dan staat de taak "Escalatie: ontvangstbevestiging te laaat" niet open

  Scenario: Een taak bij haar naam die niet open staat
    Als iemand anoniem een melding doet via het publieke formulier met categorie "Ongepaste communicatie" over "Kwetsende berichten in de teamapp"
    Dan staat de taak "Escalatie: melding niet geregistreerd, ontvangstbevestiging te laat" open voor de rol "integriteitscoordinator"
"""


def test_new_steps_fail_on_a_wrong_claim(tmp_path):
    """The reporter's terms (through 'Mijn melding', the portal's own view) and tasks by the name the user sees:
    each sentence fails, in Dutch, when what it says is false; a misspelt task name never passes a denial."""
    run = _copy_and_run(tmp_path, {"beweringen.feature": WRONG_CLAIMS_OF_NEW_STEPS})
    assert run.returncode == 1, run.stdout + run.stderr
    out = run.stdout
    assert "5 failed" in out, out
    assert "Verwacht: de melder ziet de termijn 'ontvangstbevestiging' met einddatum 18 maart 2027" in out, out
    assert ("Gevonden: in 'Mijn melding': 'U krijgt uiterlijk 17 maart 2027 een bevestiging dat uw melding is "
            "ontvangen.'") in out, out
    assert "Verwacht: de melder ziet de termijn 'ontvangstbevestiging' niet" in out, out
    assert "Verwacht: een termijn van de melder 'bezwaar'" in out, out
    assert "Gevonden: de termijnen heten: 'ontvangstbevestiging'" in out, out
    assert "Verwacht: een taak 'Escalatie: ontvangstbevestiging te laaat' in het proces" in out, out
    assert ("Gevonden: geen taak in de procesbestanden heet zo. Bedoelt u: 'Escalatie: ontvangstbevestiging te "
            "laat'") in out, out
    assert ("Verwacht: open taak 'Escalatie: melding niet geregistreerd, ontvangstbevestiging te laat' voor rol "
            "'integriteitscoordinator'") in out, out


def test_the_receipt_step_fails_on_a_letter_with_the_code_and_never_shows_it():
    """'bevat de brief de ontvangstcode niet' against the letter text the scenario opened, with the code the scenario
    got when reporting: it fails on the code however it is written, says so without the code, and fails (rather than
    passes) when the report has no code to look for."""
    import pytest

    from features.steps.common import World, step_letter_without_receipt

    code = "4811 0293 5562 7730"
    for written in ("4811 0293 5562 7730", "4811029355627730", "4811-0293-5562-7730", "4811.0293.5562\n7730"):
        w = World(client=None, db=None, clock=None, receipt=code, letter_desc="brief 'ontvangstbevestiging'",
                  letter_text=f"Geachte melder,\nUw melding is ontvangen. Uw code is {written}. Bewaar hem goed.")
        with pytest.raises(AssertionError) as refused:
            step_letter_without_receipt(w)
        message = str(refused.value)
        assert "noemt de ontvangstcode van de melder niet" in message and "[ontvangstcode]" in message, message
        digits = "".join(c for c in message if c.isdigit())
        assert "4811" not in digits and "7730" not in digits, message
    clean = World(client=None, db=None, clock=None, receipt=code, letter_desc="brief 'ontvangstbevestiging'",
                  letter_text="Uw melding van 2 november 2026 is ontvangen onder kenmerk 2026-0042.")
    step_letter_without_receipt(clean)  # passes
    for world, said in ((World(client=None, db=None, clock=None, receipt=None, letter_desc="brief 'x'",
                               letter_text="tekst"), "geen ontvangstcode"),
                        (World(client=None, db=None, clock=None, receipt=code), "nog geen brief")):
        with pytest.raises(AssertionError) as refused:
            step_letter_without_receipt(world)
        assert said in str(refused.value), refused.value


def test_the_step_library_names_no_task_by_its_element_id():
    """A process owner may rename an element id: the step library (features/steps/*.py) names a task by what the
    process files declare it means (the milestone it fulfils or carries, the form it shows, the name the user sees),
    never by its element id. Code only: the docstrings are the tester's example sentences (the catalogue)."""
    import ast
    import xml.etree.ElementTree as ET

    ids = {el.get("id") for path in (REPO / "processes").glob("*.bpmn") for el in ET.parse(path).iter()
           if el.tag.rsplit("}", 1)[-1].lower().endswith("task") and el.get("id")}
    assert "ontvangst_bevestigen" in ids  # the guard reads the real process files
    found = []
    for path in sorted((HERE / "steps").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        found += [f"{path.name}:{node.lineno} '{node.value}'" for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in ids
                  and id(node) not in docstrings]
    assert not found, "element ids van taken in de stappenbibliotheek: " + ", ".join(found)


def test_a_task_is_found_by_its_declared_meaning():
    """task_fulfilling / task_with_milestone / task_with_form find the task the process files declare, whatever its
    id; a meaning no task declares fails in Dutch instead of naming nothing."""
    import pytest

    from features.steps.common import task_fulfilling, task_ids, task_with_form, task_with_milestone

    assert str(task_fulfilling("ontvangstbevestiging")) == "Ontvangst bevestigen"
    assert str(task_with_milestone("getuigenverslag")) == "Reactie getuige op verslag verwerken"
    assert str(task_with_form("sanctieadvies_opstellen.json")) == "Sanctieadvies opstellen"
    assert len(task_ids(task_fulfilling("terugkoppeling"))) == 1
    with pytest.raises(AssertionError) as refused:
        task_ids(task_fulfilling("bestaat_niet"))
    assert "de taak die de mijlpaal 'bestaat_niet' vervult" in str(refused.value), refused.value
