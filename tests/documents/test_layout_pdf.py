"""Layout of the shipped letters as a recipient sees them (issue 19): every letter rendered for the sample case,
converted to PDF with LibreOffice and read back per page with pdftotext (poppler-utils). Skipped where either is
not installed; CI installs both from Debian (.ci/run: libreoffice-writer-nogui, poppler-utils, fonts-liberation).

Checked: the letters that fit on one page do; every page says "Pagina x van y" with the right numbers; the
signatory block never stands alone on a page (the closing sentence before the greeting is on the same page);
the first page carries the house-style parts (Retouradres, sender column, Datum, Betreft)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from documents import pdf
from documents.catalog import LETTERS
from documents.checks import load_sample_case
from documents.service import render_letter

pytestmark = [
    pytest.mark.usefixtures("clock"),
    pytest.mark.skipif(not pdf.pdf_available() or shutil.which("pdftotext") is None,
                       reason="LibreOffice of pdftotext (poppler-utils) niet geïnstalleerd"),
]

# The letters that must fit on one page for the sample case (Arial, or its metric twin Liberation Sans).
ONE_PAGE = {
    "ontvangstbevestiging", "verzoek_aanvullende_informatie", "besluit_geen_onderzoek", "besluit_ordemaatregel",
    "sanctieadvies", "besluit_disciplinaire_maatregel", "afsluiting_zonder_maatregel", "terugkoppeling_melder",
    "gegrondheid_melder", "melding_politie_om",
}
GREETINGS = ("Met vriendelijke groet,", "Hoogachtend,")
SIGN_LINES = ("Voor akkoord",)  # the minutes' signature lines


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, list[str]]:
    """Per letter: the text of each page of its PDF (all letters converted in one LibreOffice run)."""
    from engine import clock
    from tests.timebase import TEST_START

    work = tmp_path_factory.mktemp("briefopmaak")
    sample = load_sample_case()
    previous = clock.set_clock(clock.FrozenClock(TEST_START))  # module-wide: before the per-test clock
    try:
        for name, spec in LETTERS.items():
            data = {**sample["data"], **sample.get("varianten", {}).get(name, {})}
            content, _ = render_letter(template=name, recipient=spec.recipient, data=data,
                                       settings=sample["settings"], case_reference=sample["zaaknummer"])
            (work / f"{name}.docx").write_bytes(content)
    finally:
        clock.set_clock(previous)
    profile = (work / "profiel").as_uri()
    subprocess.run([pdf.office_binary(), f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work), *sorted(str(p) for p in work.glob("*.docx"))],
                   check=True, capture_output=True, timeout=600)
    result: dict[str, list[str]] = {}
    for name in LETTERS:
        text = subprocess.run(["pdftotext", "-layout", str(work / f"{name}.pdf"), "-"], check=True,
                              capture_output=True, text=True).stdout
        result[name] = [page for page in text.split("\f") if page.strip()]
    return result


def _lines(page: str) -> list[str]:
    return [" ".join(line.split()) for line in page.splitlines() if line.strip()]


def test_letters_that_fit_on_one_page_do(pages):
    assert {name for name in ONE_PAGE if len(pages[name]) != 1} == set()


@pytest.mark.parametrize("name", sorted(LETTERS))
def test_every_page_is_numbered_and_the_signature_is_not_alone(pages, name):
    total = len(pages[name])
    for number, page in enumerate(pages[name], start=1):
        assert f"Pagina {number} van {total}" in " ".join(page.split()), (name, number)
    for starts in (GREETINGS, SIGN_LINES):
        for number, page in enumerate(pages[name], start=1):
            body = [line for line in _lines(page) if not line.startswith("Vertrouwelijk |")]
            at = next((i for i, line in enumerate(body) if line.startswith(starts)), None)
            assert at != 0, f"{name}: '{body[0]}' begint pagina {number}: de ondertekening staat alleen"
    assert any(line.startswith(GREETINGS) for page in pages[name] for line in _lines(page)), name


@pytest.mark.parametrize("name", sorted(n for n, s in LETTERS.items() if n != "sanctieadvies"))
def test_first_page_has_the_house_style_parts(pages, name):
    first = " ".join(pages[name][0].split())
    for part in ("> Retouradres", "Postadres", "Ons kenmerk", "Datum", "Betreft"):
        assert part in first, (name, part)
    assert re.search(r"Geachte (mevrouw|heer|heer/mevrouw|melder|onderzoekers|heer, mevrouw)\b", first), name
