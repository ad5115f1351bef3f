"""The reporter's side of the portal and the public form, seen from her browser (no JavaScript needed): the letters
readable in the page, the receipt code masked when typed and never in a cookie, a reply kept when her session
expired, errors that name the field as the form shows it, and the public API giving her what the web form gives."""
from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from engine.cases.models import Case
from engine.identity import receipts
from tests.web import flow

pytestmark = pytest.mark.db

REPORT = {"omschrijving": "Een collega declareert reizen die niet zijn gemaakt.", "dienstonderdeel": "Douane",
          "melden_als": "anoniem"}
CODE = re.compile(r"\d{4} \d{4} \d{4} \d{4}")


@pytest.fixture
def app(db, clock):
    from api.app import create_app
    from api.settings import ApiSettings
    from engine.demo import seed

    with db.session() as s:
        seed(session=s)
    return create_app(ApiSettings(cookie_secure=False))


@pytest.fixture
def c(app):
    with TestClient(app, follow_redirects=False, client=("192.0.2.44", 40000)) as client:
        yield client


def _report(c) -> str:
    """Files a report with the web form; the receipt code the confirmation shows."""
    r = c.post("/melden", data=REPORT)
    assert r.status_code == 200, r.text
    return CODE.search(r.text).group(0)


def _login_token(c) -> str:
    return re.search(r'name="login_token" value="([^"]+)"', c.get("/mijn-melding").text).group(1)


def _login(c, code: str, **extra):
    return c.post("/mijn-melding/code", data={"ontvangstcode": code, "login_token": _login_token(c), **extra})


def _latest_case(db) -> int:
    with db.session() as s:
        return s.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))


# --------------------------------------------------------------------------- 3. the code never in a cookie

def test_the_receipt_code_is_shown_once_in_the_answer_to_the_form_and_never_put_in_a_cookie_or_address(c):
    r = c.post("/melden", data=REPORT)
    assert r.status_code == 200, r.status_code
    code = CODE.search(r.text).group(0)
    assert r.text.count(code) == 1
    assert r.headers["cache-control"] == "no-store"
    digits = code.replace(" ", "")
    for name, value in r.headers.multi_items():
        assert digits not in value.replace(" ", "").replace("%20", ""), name
    assert "set-cookie" not in {k.lower() for k, _ in r.headers.multi_items()} or \
        all(digits not in v.replace(" ", "") for k, v in r.headers.multi_items() if k.lower() == "set-cookie")
    assert digits not in str(r.url).replace(" ", "")
    assert "ontvangstcode" not in " ".join(c.cookies.keys())


# --------------------------------------------------------------------------- 2. the code masked on the login page

def test_the_receipt_code_field_is_masked_and_not_remembered_or_corrected(c):
    page = c.get("/mijn-melding").text
    field = re.search(r"<input[^>]*id=\"ontvangstcode\"[^>]*>", page).group(0)
    assert 'type="password"' in field
    assert 'autocomplete="off"' in field
    assert 'autocapitalize="off"' in field and 'spellcheck="false"' in field and 'autocorrect="off"' in field


# --------------------------------------------------------------------------- 1. letters readable in the page

def test_the_reporter_reads_her_letter_in_the_page_and_may_still_download_it(c, db):
    code = _report(c)
    case_id = _latest_case(db)
    flow.complete(db, case_id, "melding_registreren")
    flow.complete(db, case_id, "ontvangst_bevestigen")
    assert _login(c, code).status_code == 303
    inbox = c.get("/mijn-melding").text
    reading = re.search(r'href="(/mijn-melding/brieven/(\d+)/lezen)"', inbox)
    assert reading, inbox[inbox.find('id="brieven"'):][:800]
    letter_id = reading.group(2)
    assert "Downloaden als Word-bestand (.docx)" in inbox
    page = c.get(reading.group(1))
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Met deze brief bevestig ik de ontvangst van uw melding." in page.text and "<w:" not in page.text
    # the footer once, as she reads the letter (its first page and its other pages have the same footer), at the end
    footer = re.findall(r"Vertrouwelijk  \|  Ons kenmerk MP-\d{4}-\d{6}\s+Pagina 1 van 1", page.text)
    assert len(footer) == 1, footer
    assert page.text.index(footer[0]) > page.text.index("Met deze brief bevestig ik de ontvangst van uw melding.")
    assert f'href="/mijn-melding/brieven/{letter_id}"' in page.text  # the download, kept as an option
    assert "Downloaden als Word-bestand (.docx)" in page.text
    # the same rule as the download: another case's letter, or no session, is not found / the login page
    assert c.get("/mijn-melding/brieven/999999/lezen").status_code == 404
    c.cookies.clear()
    assert c.get(reading.group(1)).status_code == 401


def test_a_letters_text_is_escaped_in_the_page():
    from web.pages.reporter import letter_paragraphs

    assert letter_paragraphs("Geachte <b>melder</b>,\n\nRegel") == ["Geachte <b>melder</b>,", "Regel"]
    from web.pages.common import templates

    from starlette.requests import Request

    request = Request({"type": "http", "method": "GET", "path": "/mijn-melding/brieven/1/lezen", "query_string": b"",
                       "headers": [], "server": ("testserver", 80), "scheme": "http", "root_path": ""})
    out = templates.get_template("mijn_melding_brief.html").render(
        request=request, public=True, title="Brief", paragraphs=["<script>x</script>"], letter_id=1, rendered_at=None)
    assert "<script>x</script>" not in out and html.escape("<script>x</script>") in out


# --------------------------------------------------------------------------- 4. a reply after the session expired

def test_a_reply_typed_after_the_session_expired_is_kept_through_the_login(c, db, clock):
    code = _report(c)
    assert _login(c, code).status_code == 303
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/mijn-melding").text).group(1)
    clock.advance(receipts.REPORTER_SESSION_TTL)
    clock.advance(receipts.REPORTER_SESSION_TTL)
    reply = "Het gebeurde ook in april, bij de <afdeling> Noord & Zuid."
    r = c.post("/mijn-melding/antwoord", data={"tekst": reply, "csrf_token": token})
    assert r.status_code == 401
    assert html.escape(reply, quote=False) in r.text  # her text is still in the form
    assert r.headers["cache-control"] == "no-store"
    assert "nog niet verstuurd" in r.text
    kept = html.unescape(re.search(r'<textarea[^>]*name="tekst"[^>]*>(.*?)</textarea>', r.text, re.S).group(1))
    assert kept == reply
    token2 = re.search(r'name="login_token" value="([^"]+)"', r.text).group(1)
    back = c.post("/mijn-melding/code", data={"ontvangstcode": code, "login_token": token2, "tekst": kept})
    assert back.status_code == 200 and back.headers["cache-control"] == "no-store"
    box = html.unescape(re.search(r'<textarea id="tekst"[^>]*>(.*?)</textarea>', back.text, re.S).group(1))
    assert box == reply  # put back in the reply box, for her to send
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', back.text).group(1)
    sent = c.post("/mijn-melding/antwoord", data={"tekst": box, "csrf_token": csrf})
    assert sent.status_code == 303
    assert reply in html.unescape(c.get("/mijn-melding").text)


def test_a_kept_reply_is_not_stored_on_the_server_while_she_logs_in(c, db, clock):
    from tests.web.test_public_channel import _everything_stored

    code = _report(c)
    reply = "Tekst-die-nergens-mag-blijven-7731"
    c.post("/mijn-melding/antwoord", data={"tekst": reply, "csrf_token": "x"})
    assert reply not in _everything_stored(db)
    wrong = c.post("/mijn-melding/code", data={"ontvangstcode": "0000 0000 0000 0000",
                                               "login_token": _login_token(c), "tekst": reply})
    assert wrong.status_code in (401, 403, 422) and reply in wrong.text  # a typo in the code loses nothing either
    assert reply not in _everything_stored(db)
    assert code


# --------------------------------------------------------------------------- 5. errors name the field as shown

def test_an_empty_reply_names_the_field_as_the_form_shows_it(c):
    code = _report(c)
    _login(c, code)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/mijn-melding").text).group(1)
    r = c.post("/mijn-melding/antwoord", data={"tekst": "   ", "csrf_token": token})
    assert r.status_code == 422
    assert "tekst:" not in r.text
    assert "‘Uw antwoord of aanvulling’" in r.text


def test_the_api_says_the_same_for_an_empty_reply(c):
    code = _report(c)
    session = c.post("/api/v1/melder/sessie", json={"ontvangstcode": code})
    assert session.status_code in (200, 201), session.text
    r = c.post("/api/v1/melder/berichten", json={"tekst": "   "},
               headers={"X-CSRF-Token": session.json()["csrf_token"]})
    assert r.status_code == 422, r.text
    body = r.json()
    assert "tekst:" not in body["detail"] and "‘Uw antwoord of aanvulling’" in body["detail"]
    assert body["errors"][0]["field"] == "tekst"


def test_the_web_form_names_a_missing_field_by_its_label(c):
    r = c.post("/melden", data={**REPORT, "dienstonderdeel": "", "omschrijving": ""})
    assert r.status_code == 422
    assert "‘Bij welk dienstonderdeel speelt het?’" in r.text and "‘Wat is er gebeurd?’" in r.text


# --------------------------------------------------------------------------- 6. one rule; no case number for her

API_REPORT = {"omschrijving": "Een collega declareert reizen die niet zijn gemaakt.", "dienstonderdeel": "Douane"}


def test_the_public_api_and_the_web_form_require_the_same_fields(c):
    from engine.intake import public

    assert set(public.REQUIRED) == {"omschrijving", "dienstonderdeel"}
    ok = c.post("/api/v1/publiek/meldingen", json=API_REPORT)  # no category: the desk sorts it, as on the web
    assert ok.status_code == 201, ok.text
    no_unit = c.post("/api/v1/publiek/meldingen", json={**API_REPORT, "dienstonderdeel": None})
    assert no_unit.status_code == 422
    assert [e["field"] for e in no_unit.json()["errors"]] == ["dienstonderdeel"]
    assert "‘Bij welk dienstonderdeel speelt het?’" in no_unit.json()["errors"][0]["message"]
    web = c.post("/melden", data={**REPORT, "dienstonderdeel": ""})
    assert web.status_code == 422 and html.escape(no_unit.json()["errors"][0]["message"], quote=False) in web.text
    schema = c.get("/api/v1/openapi.json").json()["components"]["schemas"]["PublicReportIn"]
    assert sorted(schema.get("required", [])) == sorted(public.REQUIRED)


def test_the_public_api_gives_the_reporter_her_code_and_not_the_case_number(c, db):
    r = c.post("/api/v1/publiek/meldingen", json=API_REPORT)
    assert r.status_code == 201
    body = r.json()
    with db.session() as s:
        reference = s.get(Case, _latest_case(db)).reference
    assert reference not in r.text and "zaaknummer" not in body and "zaak_id" not in body
    assert CODE.fullmatch(body["ontvangstcode"])
    assert body["mijn_melding"] == "/mijn-melding"
    web = c.post("/melden", data=REPORT)
    with db.session() as s:
        assert s.get(Case, _latest_case(db)).reference not in web.text  # the web form shows no case number either
