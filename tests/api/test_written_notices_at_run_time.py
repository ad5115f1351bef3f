"""The voornemen is made known to the subject in writing (``legal_rules.written_notices``), also at run time.

`processes check` and deploy refuse a voornemen task without its letter (tests/engine/test_written_notices.py). A
version that slipped in anyway (stored by an older release, without the proof) is stopped at the step: completing
the voornemen without producing the letter to the subject in the same transaction is refused (HTTP 422,
``legal-rule``) and nothing of the step remains: no outbox row, the task still open, the case unchanged.
"""
from __future__ import annotations

from sqlalchemy import func, select

from features.steps.common import World, _complete, step_demo, wereld  # noqa: F401
from tests.api.test_deadline_terms_at_run_time import _to_voornemen
from tests.api.test_legal_rules import _state, _store_unproven_version

LETTER = b'<spiffworkflow:property name="letter" value="voornemen_disciplinaire_maatregel" />'
RECIPIENT = b'<spiffworkflow:property name="letter_recipient" value="betrokkene" />'


def _jobs(w: World) -> int:
    from engine.letter_outbox.models import LetterJob

    with w.db.session() as s:
        return s.execute(select(func.count()).select_from(LetterJob).where(LetterJob.case_id == w.case_id)).scalar_one()


def _variant(*replacements: tuple[bytes, bytes]):
    def edit(files: dict) -> dict:
        text = files["afdoening.bpmn"]
        for old, new in replacements:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        files["afdoening.bpmn"] = text
        return files
    return edit


def _refused_without_a_trace(w: World) -> dict:
    before, jobs = _state(w), _jobs(w)
    r = _complete(w, "directeur", "voornemen_verzenden", {})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"].endswith("/legal-rule"), body
    assert "Voornemen disciplinaire maatregel verzenden" in body["detail"], body
    assert "wordt schriftelijk meegedeeld aan 'betrokkene'" in body["detail"], body
    assert "CAO Rijk hoofdstuk 15" in body["detail"], body
    assert _state(w) == before
    assert _jobs(w) == jobs
    assert "zienswijze_verwerken" not in _state(w)[0]
    return body


def test_a_voornemen_without_its_letter_is_refused_at_the_step(wereld):
    step_demo(wereld)
    _store_unproven_version(wereld, _variant((LETTER, b"")))
    _to_voornemen(wereld)
    body = _refused_without_a_trace(wereld)
    assert "zonder brief" in body["detail"], body


def test_a_voornemen_whose_letter_goes_to_someone_else_is_refused_at_the_step(wereld):
    step_demo(wereld)
    _store_unproven_version(wereld, _variant(
        (LETTER + b"\n          " + RECIPIENT,
         b'<spiffworkflow:property name="letter" value="sanctieadvies" />\n          '
         b'<spiffworkflow:property name="letter_recipient" value="bevoegd_gezag" />')))
    _to_voornemen(wereld)
    body = _refused_without_a_trace(wereld)
    assert "'sanctieadvies'" in body["detail"], body


def test_the_real_voornemen_sends_its_letter(wereld):
    step_demo(wereld)
    _to_voornemen(wereld)
    jobs = _jobs(wereld)
    r = _complete(wereld, "directeur", "voornemen_verzenden", {})
    assert r.status_code == 200, r.text
    assert _jobs(wereld) == jobs + 1
    assert "zienswijze_verwerken" in _state(wereld)[0]



def _letters_showing_the_intention_with_join(files: dict) -> dict:
    """The version carries its letters; the voornemen's shows the intention with ``join`` (which the deployment
    proof accepts) instead of ``opsomming`` (which itself refuses an empty list)."""
    import io
    import zipfile

    from tests.process.driver import PROCESSES

    for path in sorted((PROCESSES / "letters").glob("*.docx")):
        files[f"letters/{path.name}"] = path.read_bytes()
    name = "letters/voornemen_disciplinaire_maatregel.docx"
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(files[name])) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                old = b"{{ voorgenomen_maatregel|map('klein')|list|opsomming }}"
                assert data.count(old) == 1
                data = data.replace(old, b"{{ voorgenomen_maatregel|join(', ') }}")
            zout.writestr(item, data)
    files[name] = out.getvalue()
    return files


def test_a_voornemen_without_an_intended_penalty_is_refused_at_the_step(wereld):
    """A version stored without the proof whose voornemen empties the intention field: the letter would name no
    penalty (an empty list renders as nothing through ``join``; a missing value, or ``opsomming`` as the shipped
    letter has it, the letter check refuses already), and the subject would be 'heard' on nothing. Refused at the
    step, nothing saved."""
    script = b'<spiffworkflow:postScript>zienswijze_termijn = legal_date("P14D", start=voornemen_datum)'
    emptied = _variant((script, b'<spiffworkflow:postScript>voorgenomen_maatregel = []\n'
                                b'zienswijze_termijn = legal_date("P14D", start=voornemen_datum)'))
    step_demo(wereld)
    _store_unproven_version(wereld, lambda files: _letters_showing_the_intention_with_join(emptied(files)))
    _to_voornemen(wereld)
    before, jobs = _state(wereld), _jobs(wereld)
    r = _complete(wereld, "directeur", "voornemen_verzenden", {})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["type"].endswith("/legal-rule") and body.get("reden") == "voornemen-zonder-straf", body
    assert "zonder voorgenomen straf" in body["detail"] and "'voorgenomen_maatregel'" in body["detail"], body
    assert _state(wereld) == before and _jobs(wereld) == jobs
