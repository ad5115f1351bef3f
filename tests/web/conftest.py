"""Browser tests: the real app served by uvicorn on loopback, driven by Playwright + OS Chromium.

Each test gets a fresh database (the ``db`` fixture: SQLite, or PostgreSQL with
``MELDPUNT_TEST_DATABASE_URL``), the real process set deployed, the demo users with a
known password, and a server on a free port in a thread of this process (so the engine
clock fixture and the database are shared). Chromium comes from the OS package
(``/usr/bin/chromium``); Playwright's own browser download is never used.
Screenshots go to ``test-artifacts/screenshots/``.
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("MELDPUNT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-dev-shm-usage"]
PASSWORD = "Demo-wachtwoord-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium niet gevonden op {CHROMIUM}: installeer met `apt-get install -y chromium` (make test doet dit)")
    if not AXE.exists():
        pytest.skip("node_modules ontbreekt: `npm ci` (make test doet dit)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def app_server(db, clock):
    """The whole application on 127.0.0.1:<free port> with processes deployed and demo users seeded."""
    import uvicorn

    from api.app import create_app
    from api.settings import ApiSettings
    from engine.identity.seed import ensure_demo_users
    from engine.processes import service as processes

    with db.session() as s:
        processes.deploy(session=s, directory=ROOT / "processes")
        ensure_demo_users(session=s, password=PASSWORD)
    app = create_app(ApiSettings(cookie_secure=False))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def demo_app(db, clock):
    """The application on the demo organisation (processes, users, sample cases), for a TestClient; cookies without
    Secure (plain http)."""
    from api.app import create_app
    from api.settings import ApiSettings
    from engine.demo import seed

    with db.session() as s:
        seed(session=s)
    return create_app(ApiSettings(cookie_secure=False))


class Site:
    """Small helpers around one browser context per person (cookies stay separate)."""

    def __init__(self, browser, base: str):
        self.browser, self.base = browser, base
        self.contexts = []

    def person(self, username: str | None = None):
        ctx = self.browser.new_context(base_url=self.base, locale="nl-NL", accept_downloads=True,
                                       viewport={"width": 1280, "height": 900})
        ctx.set_default_timeout(15000)
        self.contexts.append(ctx)
        page = ctx.new_page()
        if username:
            page.goto("/inloggen")
            page.get_by_label("Gebruikersnaam").fill(username)
            page.get_by_label("Wachtwoord").fill(PASSWORD)
            page.get_by_role("button", name="Inloggen").click()
            page.wait_for_url("**/werkvoorraad**")
        return page

    def close(self):
        for ctx in self.contexts:
            ctx.close()


@pytest.fixture
def site(browser, app_server):
    s = Site(browser, app_server)
    yield s
    s.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def axe_violations(page, impacts=("serious", "critical")) -> list[dict]:
    """Run axe-core (from npm, injected into the page) for WCAG 2.1 A/AA rules."""
    # After the page's stylesheets have loaded ("load"): a check run while the theme's CSS was still on its way
    # (a busy machine, after a form's answer) once measured the unstyled link colour on the styled background.
    page.wait_for_load_state("load")
    # Evaluated through the DevTools protocol, not injected as an inline <script>: the pages' CSP forbids those.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [v for v in result if v["impact"] in impacts]
