"""The PDF route of `make pdf` (tools/print_pdf.py), on two pages of the built site."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "_build" / "html"
sys.path.insert(0, str(ROOT / "tools"))


def test_pages_print_to_one_pdf_with_bookmarks_math_and_figures(tmp_path):
    pytest.importorskip("playwright.sync_api")
    import print_pdf
    from pypdf import PdfReader

    order = print_pdf.pages_in_order()
    assert order[0] == "intro" and "chapters/gradient_descent" in order
    target = tmp_path / "book.pdf"
    print_pdf.join(print_pdf.print_pages(SITE, ["intro", "chapters/gradient_descent"]), target)
    reader = PdfReader(target)
    assert len(reader.pages) > 10
    assert [item.title for item in reader.outline] == ["The optimizers of machine learning",
                                                        "Gradient descent"]
    text = "\n".join(page.extract_text() for page in reader.pages[2:])
    assert "Fig. 1.1" in text                         # numbered, captioned figures
    # math typeset: MathJax's glyphs are in the text, and none of the TeX that only prose uses
    assert "θ" in text and "\\lVert" not in text and "\\nabla" not in text
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 8
