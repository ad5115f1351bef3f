"""The acknowledgement letter to an anonymous reporter names the reporter portal: the installation's base URL
(MELDPUNT_BASE_URL) plus the web route of "Mijn melding", and that page exists. A process set cannot set another
address (it once sent reporters to ``/anoniem``, a 404)."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from engine.config import get_settings
from tests.documents.conftest import case_data, render_text

pytestmark = pytest.mark.db


@pytest.fixture
def base_url(monkeypatch):
    monkeypatch.setenv("MELDPUNT_BASE_URL", "https://meldpunt.rijksdienst.test/")
    get_settings.cache_clear()
    yield "https://meldpunt.rijksdienst.test"
    monkeypatch.undo()
    get_settings.cache_clear()


def test_acknowledgement_names_the_real_reporter_portal(base_url, db, clock):
    from api.app import create_app
    from api.settings import ApiSettings

    data = case_data(melder_anoniem=True)
    for key in ("melder_naam", "melder_adres", "melder_email", "melder_telefoon"):
        data.pop(key)
    text = render_text("ontvangstbevestiging", data=data)
    addresses = re.findall(r"meldportaal \((\S+)\)", text)
    assert addresses == [base_url + "/mijn-melding"], text

    page = TestClient(create_app(ApiSettings(cookie_secure=False))).get(urlsplit(addresses[0]).path)
    assert page.status_code == 200
    assert "ontvangstcode" in page.text.lower()
