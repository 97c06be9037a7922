"""Every chapter follows the anatomy of ../shared/CHAPTER_GUIDE.md.

These tests read the committed notebooks (nbval runs them); they check what a
reader, a student in Colab and nbval rely on: the same setup cell everywhere,
committed outputs, captions and alt text, glued numbers that exist, citations
that resolve, exercises with solutions, and the sections in order.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pybtex.database
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from setup_cell import setup_cell  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
#: The sections of an optimizer chapter, in order (CHAPTER_GUIDE.md, "Anatomy").
SECTIONS = ("Intuition", "Derivation", "The algorithm", "Implementation", "Experiments",
            "Explorer", "Conventions", "Summary", "Exercises", "References")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def load(path: Path):
    return nbformat.read(path, as_version=4)


def markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def test_toc_lists_exactly_the_chapters():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = {entry["file"] for part in toc["parts"] for entry in part["chapters"]}
    chapters = {f"chapters/{p.stem}" for p in CHAPTERS}
    assert chapters <= files, f"chapters missing from _toc.yml: {chapters - files}"
    assert {f for f in files if f.startswith("chapters/")} == chapters


@pytest.fixture(params=CHAPTERS, ids=lambda p: p.stem)
def chapter(request):
    return request.param.stem, load(request.param)


def test_first_code_cell_is_the_shared_setup_cell(chapter):
    _, nb = chapter
    first = code_cells(nb)[0]
    assert first.source == setup_cell(), "regenerate it with `python tools/setup_cell.py`"
    assert "hide-cell" in first.metadata.get("tags", [])


def test_committed_executed_without_errors(chapter):
    _, nb = chapter
    for cell in code_cells(nb):
        assert cell.execution_count is not None, f"unexecuted cell: {cell.source[:60]!r}"
        assert all(o.output_type != "error" for o in cell.outputs), cell.source[:60]
        assert not cell.source.rstrip().endswith(";"), "a trailing ';' does not hide output under nbval"


def test_only_widget_and_timing_cells_are_exempt_from_nbval(chapter):
    _, nb = chapter
    exempt = [c for c in code_cells(nb) if "nbval-ignore-output" in c.metadata.get("tags", [])]
    for cell in exempt:
        widget = any(WIDGET_VIEW in o.get("data", {}) for o in cell.outputs)
        timing = "time.perf_counter" in cell.source or "timeit" in cell.source
        assert widget or timing, f"nbval-ignore-output on a cell without a widget or a timing: {cell.source[:60]!r}"
    assert sum("time.perf_counter" in c.source or "timeit" in c.source for c in exempt) <= 1, \
        "at most one timing cell per chapter"


def test_every_figure_has_a_caption_and_alt_text(chapter):
    _, nb = chapter
    for cell in code_cells(nb):
        if any("image/png" in o.get("data", {}) for o in cell.outputs):
            meta = cell.metadata.get("mystnb", {})
            assert meta.get("figure", {}).get("caption"), f"no caption: {cell.source[:60]!r}"
            assert meta.get("figure", {}).get("name", "").startswith("fig-"), cell.source[:60]
            assert len(meta.get("image", {}).get("alt", "").split()) >= 8, f"no alt: {cell.source[:60]!r}"


def test_every_code_cell_is_introduced_by_prose(chapter):
    _, nb = chapter
    setup = code_cells(nb)[0]
    for before, cell in zip(nb.cells, nb.cells[1:]):
        if cell.cell_type == "code" and cell is not setup:
            assert before.cell_type == "markdown", f"no prose before: {cell.source[:60]!r}"


def test_glued_numbers_exist(chapter):
    _, nb = chapter
    glued = {o.metadata["scrapbook"]["name"] for c in code_cells(nb) for o in c.outputs
             if "scrapbook" in o.get("metadata", {})}
    used = set(re.findall(r"\{glue(?::\w+)?\}`([A-Za-z0-9_]+)", markdown(nb)))
    assert used <= glued, f"glued names used but never glued: {used - glued}"


def test_citations_resolve():
    keys = set(pybtex.database.parse_file(ROOT / "references.bib").entries)
    for path in [*CHAPTERS, *ROOT.glob("*.md")]:
        text = markdown(load(path)) if path.suffix == ".ipynb" else path.read_text()
        for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text):
            for key in group.split(","):
                assert key.strip() in keys, f"{path.name}: unknown citation {key.strip()!r}"


def test_sections_in_order(chapter):
    _, nb = chapter
    headings = re.findall(r"^## (.+)$", markdown(nb), flags=re.M)
    positions = []
    for section in SECTIONS:
        found = [i for i, h in enumerate(headings) if h.startswith(section)]
        assert found, f"missing section {section!r}"
        positions.append(found[0])
    assert positions == sorted(positions), f"sections out of order: {headings}"


def test_algorithm_box_and_labelled_equations(chapter):
    _, nb = chapter
    text = markdown(nb)
    assert "{prf:algorithm}" in text
    assert len(re.findall(r"^:label: ", text, flags=re.M)) >= 3


def test_exercises_with_solutions_and_a_checked_coding_exercise(chapter):
    stem, nb = chapter
    text = markdown(nb)
    labels = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", text)
    assert len(labels) >= 5, "at least five exercises"
    assert labels == [f"{stem}-ex{n}" for n in range(1, len(labels) + 1)]
    solved = set(re.findall(r"```\{solution(?:-start)?\} (\S+)", text))
    assert set(labels) <= solved, f"exercises without solutions: {set(labels) - solved}"
    for block in re.findall(r"```\{solution(?:-start)?\} \S+\n((?::\w+: .*\n)*)", text):
        assert ":class: dropdown" in block, "solutions are hidden until asked for"
    assert any("optlib.checks" in c.source or "check_" in c.source for c in code_cells(nb))


def test_explorer_and_something_to_play_without_a_kernel(chapter):
    _, nb = chapter
    sources = "\n".join(c.source for c in code_cells(nb))
    assert "widgets.explorer(" in sources
    assert "widgets.sweep_player(" in sources
