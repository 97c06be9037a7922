"""Every page of the built site, opened in headless Chromium with the network cut off.

Run after the book is built (``make test`` does both). A reader without a
network must see typeset math, every figure, and the explorers' first
pictures, with nothing fetched from outside the site and no console errors.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
PAGES = sorted(p.relative_to(SITE).as_posix() for p in SITE.glob("**/*.html")
               if p.parent.name not in ("_static", "_sources") and p.name not in ("search.html", "genindex.html")
               and not p.name.startswith("prf-")
               and 'http-equiv="Refresh"' not in p.read_text()[:2000])     # index.html only redirects


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    assert SITE.joinpath("index.html").exists(), "build the book first (make book)"
    assert Path(CHROMIUM).exists(), "Chromium is missing: `make chromium` installs Debian's package"
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


def test_the_site_has_its_pages():
    assert {"intro.html", "notation.html", "chapters/gradient_descent.html"} <= set(PAGES)


@pytest.mark.parametrize("name", PAGES)
def test_page_works_offline(browser, name):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside, failed, errors = [], [], []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:", "blob:"))
               else (outside.append(route.request.url), route.abort()))
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((SITE / name).as_uri())
    page.wait_for_load_state("load")
    page.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")
    page.wait_for_timeout(300)      # the widget manager renders after load
    report = page.evaluate("""() => ({
        math: document.querySelectorAll('.math, mjx-container').length,
        untypeset: [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container')).length,
        mathErrors: document.querySelectorAll('mjx-merror').length,
        brokenImages: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80)),
        // the explorers' live picture is an ipywidgets Image, which has no alt attribute; the
        // prose and the player beside it describe it
        unlabelled: [...document.images].filter(i => !i.classList.contains('widget-image'))
                                        .filter(i => !(i.alt || i.title).trim()).map(i => i.outerHTML.slice(0, 120)),
        widgetStates: document.querySelectorAll('script[type="application/vnd.jupyter.widget-state+json"]').length,
        widgetViews: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length,
        renderedWidgets: document.querySelectorAll('.widget-subarea .jupyter-widgets').length,
    })""")
    page.close()
    assert outside == [], f"{name} fetched from the network: {outside[:3]}"
    assert failed == [], f"{name} has missing assets: {failed[:3]}"
    assert errors == [], f"{name} logged console errors: {errors[:3]}"
    assert report["untypeset"] == 0 and report["mathErrors"] == 0, f"{name}: math not typeset: {report}"
    assert report["brokenImages"] == [], f"{name}: images that did not load: {report['brokenImages']}"
    assert report["unlabelled"] == [], f"{name}: images without alt text: {report['unlabelled']}"
    if report["widgetViews"]:
        assert report["renderedWidgets"] > 0, f"{name}: widgets not drawn from their saved state"


def test_chapters_have_math_and_figures(browser):
    page = browser.new_page()
    page.goto((SITE / "chapters" / "gradient_descent.html").as_uri())
    page.evaluate("async () => { await MathJax.startup.promise; }")
    assert page.evaluate("document.querySelectorAll('mjx-container').length") > 100
    assert page.evaluate("document.querySelectorAll('figure img').length") >= 5
    page.close()
