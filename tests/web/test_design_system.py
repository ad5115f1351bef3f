"""The pages wear the NL Design System's Rijkshuisstijl Community theme (issue 23), served from this app only:

* every page (each ``GET`` page of the access matrix, opened by someone it lets in) has the theme class
  ``rhc-theme`` on ``<body>`` and loads the theme's design tokens, its component CSS and then our own app.css, all
  three from ``/static/``; no page loads a stylesheet, script, image or frame from another address;
* in a real browser those stylesheets answer 200 as CSS, every request a page makes stays on this app's address,
  and the theme's tokens are in force (the header's lint and the primary button take the lintblauw of the theme);
* the packages' CSS itself loads nothing from elsewhere (its ``url()``s are inline ``data:`` images, no ``@import``).

Contrast and the 390 px layout under the theme are checked on every page by ``test_every_page.py`` (axe-core).
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.web.test_every_page import PAGE_KEYS, _viewer, people, server  # noqa: F401  (fixtures)
from tests.web.test_surface_matrix import ANONYMOUS, POLICY, _fill, world  # noqa: F401  (``world``: the seeded case)

ROOT = Path(__file__).resolve().parents[2]
STYLESHEETS = ("/static/vendor/rijkshuisstijl-tokens/index.css",
               "/static/vendor/rijkshuisstijl-componenten/index.css",
               "/static/web/app.css")
PACKAGE_CSS = (ROOT / "node_modules/@rijkshuisstijl-community/design-tokens/dist/index.css",
               ROOT / "node_modules/@rijkshuisstijl-community/components-css/dist/index.css")
LINTBLAUW = "rgb(21, 66, 115)"  # --rhc-color-lintblauw-500: #154273
# Everything a page loads: stylesheets and icons (<link href>), scripts, images, frames, media, objects.
LOADED = re.compile(r"<(?:link|script|img|iframe|frame|source|video|audio|embed|object)\b[^>]*?"
                    r"\b(?:href|src|data)\s*=\s*[\"']([^\"']*)[\"']", re.I)


def _pages(w) -> list[tuple[str, str, str]]:
    out = []
    for key in PAGE_KEYS:
        person = _viewer(key, w)
        if person is None:
            continue
        path = _fill(key.split("#")[0].split(" ", 1)[1], POLICY[key], w)
        if "/diagram" in path:
            path += "?bestand=" + w.bpmn_file
        out.append((key, person, path))
    return out


pytestmark = pytest.mark.db


def test_every_page_wears_the_theme_and_loads_only_its_own_files(world):  # noqa: F811
    pages = _pages(world)
    assert len(pages) > 20, "the access matrix lists the pages"
    failures = []
    for key, person, path in pages:
        answer = world.clients[person].get(path)
        html = answer.text
        body = re.search(r"<body\b[^>]*\bclass=\"([^\"]*)\"", html)
        if not body or "rhc-theme" not in body.group(1).split():
            failures.append(f"{key}: <body> has no class rhc-theme")
        sheets = tuple(re.findall(r"<link rel=\"stylesheet\" href=\"([^\"]+)\"", html))
        if sheets[:3] != STYLESHEETS:
            failures.append(f"{key}: stylesheets {sheets}, expected {STYLESHEETS} first")
        for url in LOADED.findall(html):
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") or parts.netloc or url.startswith("//"):
                failures.append(f"{key}: loads {url} from elsewhere")
        if re.search(r"@import|url\(\s*[\"']?(?:https?:)?//", html, re.I):
            failures.append(f"{key}: inline style loads something from elsewhere")
    assert not failures, "\n".join(failures)


def test_the_packages_css_loads_nothing_from_elsewhere():
    for css in PACKAGE_CSS:
        text = css.read_text(encoding="utf-8")
        assert "@import" not in text, css
        for url in re.findall(r"url\(\s*[\"']?([^\"')\s]+)", text):
            assert url.startswith("data:"), f"{css.name} loads {url}"


def test_the_theme_is_served_locally_and_in_force_in_a_browser(people, server):  # noqa: F811
    requests: list[str] = []
    answers = {}

    def watch(page):
        page.on("request", lambda r: requests.append(r.url))
        page.on("response", lambda r: answers.__setitem__(urlsplit(r.url).path,
                                                          (r.status, r.headers.get("content-type", ""))))

    public = people.page(ANONYMOUS)
    watch(public)
    public.goto("/melden")
    public.wait_for_load_state("load")
    staff = people.page("coordinator")
    watch(staff)
    staff.goto("/werkvoorraad")
    staff.wait_for_load_state("load")

    for sheet in STYLESHEETS:
        status, kind = answers[sheet]
        assert status == 200 and kind.startswith("text/css"), (sheet, status, kind)
    origin = urlsplit(server).netloc
    elsewhere = [u for u in requests if not u.startswith("data:") and urlsplit(u).netloc != origin]
    assert not elsewhere, elsewhere

    for page in (public, staff):
        assert "rhc-theme" in page.evaluate("() => document.body.className").split()
        # the theme's tokens are in force: the lint in the header and a primary button take its lintblauw
        assert page.evaluate("() => getComputedStyle(document.body).getPropertyValue('--rhc-color-lintblauw-500')"
                             ).strip().lower() == "#154273"
        assert page.evaluate("() => getComputedStyle(document.querySelector('.merk .lint')).backgroundColor"
                             ) == LINTBLAUW
    button = public.get_by_role("button", name="Melding versturen")
    assert button.evaluate("b => getComputedStyle(b).backgroundColor") == LINTBLAUW
