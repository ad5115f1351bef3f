"""Bad arguments on the command line: a Dutch message naming the argument or option and why, exit code 2 (usage)
and no traceback; nothing is looked up with an id no database has."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import app

pytestmark = pytest.mark.db
runner = CliRunner()
HUGE = "99999999999999999999"

# (arguments, words the message must carry)
CASES = [
    (["processes", "activate", HUGE], ["argument 'version'", "hoogstens 2147483647"]),
    (["processes", "activate", "abc"], ["argument 'version'", "geef een geheel getal"]),
    (["processes", "activate", "0"], ["argument 'version'", "minstens 1"]),
    (["processes", "diff", "1", HUGE], ["argument 'new'", "hoogstens"]),
    (["processes", "migreren", "--van", HUGE, "--naar", "1"], ["optie '--van'", "hoogstens"]),
    (["processes", "activate", "1", "2"], ["Onverwacht extra argument: 2"]),
    (["letters", "list", HUGE], ["argument 'case_id'", "hoogstens"]),
    (["letters", "export", "-5"], ["Onbekende optie: -5"]),
    (["letters", "pdf", HUGE], ["argument 'letter_id'"]),
    (["templates", "pdf", "x"], ["argument 'letter_id'", "geef een geheel getal"]),
    (["report", "annex", "--year", "-1"], ["optie '--year'", "minstens 1990"]),
    (["report", "vp", "--year", HUGE], ["optie '--year'", "hoogstens 2100"]),
    (["report", "unit", "Douane", "--employees", HUGE], ["optie '--employees'", "hoogstens"]),
    (["report", "dashboard"], ["Optie '--from' ontbreekt"]),
    (["templates", "check", "--sample", "/bestaat/niet"], ["optie '--sample'", "bestaat niet"]),
    (["audit", "verify", "--bestand", "."], ["optie '--bestand'", "is een map, geen bestand"]),
    (["users", "add"], ["Argument 'username' ontbreekt"]),
    (["users", "add", "x", "--onbekend"], ["Onbekende optie: --onbekend"]),
    (["users", "token", "x", "--days", "999"], ["optie '--days'", "hoogstens 366"]),
    (["bestaat-niet"], ["Onbekend commando 'bestaat-niet'"]),
    # a worker polling every -1 or 0 seconds would spin a core instead of refusing
    (["mail", "run", "--poll", "-1"], ["optie '--poll'", "minstens 0.1"]),
    (["timers", "run", "--poll", "0"], ["optie '--poll'", "minstens 0.1"]),
    (["brieven", "run", "--poll", "nan"], ["optie '--poll'"]),
]
ENGLISH = ("Traceback", "Error", "Usage:", "Invalid value", "Missing", "No such", "Try '", "Input should", "exist")


@pytest.mark.parametrize("args,words", CASES, ids=[" ".join(a) for a, _ in CASES])
def test_bad_arguments_are_a_dutch_usage_error(db, args, words):
    r = runner.invoke(app, args, prog_name="meldpunt")
    assert r.exit_code == 2 and isinstance(r.exception, SystemExit), (r.exit_code, repr(r.exception), r.output)
    text = " ".join(line.strip("│╭╮╰╯─ ") for line in r.output.splitlines())
    for word in words:
        assert word in text, (word, r.output)
    assert "Zie 'meldpunt" in text and not any(w in r.output for w in ENGLISH), r.output
