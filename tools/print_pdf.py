"""Print the built site to one PDF, in the order of _toc.yml, with Chromium.

Each page of ``_build/html`` is printed after the site's own MathJax has
typeset it (the explorers show their saved first picture), without the
navigation; the pages are joined with one bookmark per chapter. Chapter and
figure numbers are those of the site. (Jupyter Book's ``singlehtml`` builder
cannot render myst-nb's hidden cells, and its LaTeX route needs a TeX
installation; this route needs only the browser the tests already use.)

Usage: python tools/print_pdf.py _build/html _build/pdf/book.pdf
"""

from __future__ import annotations

import io
import os
import shutil
import sys
from pathlib import Path

import yaml
from playwright.sync_api import sync_playwright
from pypdf import PdfReader, PdfWriter

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
PRINT_CSS = """
  html { font-size: 12.5px; }
  .bd-header, .bd-sidebar-primary, .bd-sidebar-secondary, .header-article, .prev-next-area,
  .bd-footer, .bd-footer-article, .bd-header-article, #pst-back-to-top, .skip-link { display: none !important; }
  .bd-container, .bd-container__inner, .bd-page-width, .bd-main, .bd-content, .bd-article-container,
  .bd-article { max-width: none !important; width: 100% !important; margin: 0 !important; padding: 0 !important; }
  .table-wrapper, .pst-scrollable-table-container, div.highlight pre, .output pre { overflow: visible !important; }
  table { width: 100% !important; font-size: 0.9em; }
  div.highlight pre, .output pre { white-space: pre-wrap !important; word-break: break-word; }
  figure, img, .cell_output, .admonition, tr { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
"""


def pages_in_order() -> list[str]:
    """The documents of _toc.yml in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    order = [toc["root"]]
    for part in toc.get("parts", []):
        order += [entry["file"] for entry in part.get("chapters", [])]
    return order


def print_pages(site: Path, documents: list[str]) -> list[tuple[str, bytes]]:
    printed = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.route("**/*", lambda route: route.continue_()
                   if route.request.url.startswith(("file:", "data:", "blob:")) else route.abort())
        for document in documents:
            page.goto((site / f"{document}.html").resolve().as_uri(), timeout=120_000)
            page.wait_for_load_state("load")
            page.evaluate("async () => { if (window.MathJax && MathJax.startup) await MathJax.startup.promise; }")
            page.add_style_tag(content=PRINT_CSS)
            page.wait_for_timeout(300)
            title = page.evaluate("document.querySelector('main h1')?.innerText.replace('#', '').trim()")
            printed.append((title or document, page.pdf(
                format="A4", print_background=True, display_header_footer=True,
                margin={"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"},
                header_template="<span></span>",
                footer_template='<div style="font-size:8px;width:100%;text-align:center;color:#666">'
                                '<span class="title"></span> · <span class="pageNumber"></span></div>')))
        browser.close()
    return printed


def join(printed: list[tuple[str, bytes]], target: Path) -> None:
    writer = PdfWriter()
    for title, data in printed:
        first = len(writer.pages)
        for page in PdfReader(io.BytesIO(data)).pages:
            writer.add_page(page)
        writer.add_outline_item(title=title, page_number=first)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        writer.write(out)


if __name__ == "__main__":
    site, target = Path(sys.argv[1]), Path(sys.argv[2])
    join(print_pages(site, pages_in_order()), target)
    print(target)
