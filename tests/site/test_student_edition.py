"""The student edition of the site (``make student``): every exercise, no solution.

Run after the student edition is built (``make test`` builds it first). The text of
every solution is collected from the chapter notebooks (the bodies of solution
directives, and the sources and outputs of the cells inside gated solutions, less
anything that also appears outside the solutions); none of it may appear in any page
of the student edition, in the notebooks it offers for download, or among its
images. The same search must find the exercises in the student edition, and the
solutions in the full edition when that is built, so that it cannot pass by finding
nothing.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
STUDENT = ROOT / "_build" / "student" / "html"
FULL = ROOT / "_build" / "html"
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402

#: Chapters of the site (those in the table of contents).
CHAPTERS = course.chapters(toc_only=True)
#: What the student edition may show: every chapter without its solutions (a solution's line may
#: also be, legitimately, in another chapter's text, such as `rng = np.random.default_rng(0)`).
VISIBLE = course.visible_haystack(CHAPTERS)
MARKERS = re.compile(r"solution-start|solution-end|\{solution|Solution to|sphinx_exercise.*solution", re.I)


def pages(site: Path) -> dict[str, str]:
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.glob("**/*.html")
            if "_static" not in p.parts}


def haystack(site: Path) -> course.Haystack:
    """Every page, every notebook offered for download, every image of a built site."""
    texts = pages(site)
    images = {hashlib.sha256(p.read_bytes()).hexdigest() for p in site.glob("_images/*")}
    result = course.Haystack.from_html(list(texts.values()), images)
    for path in site.glob("_sources/**/*.ipynb"):
        downloaded = course.notebook_haystack(nbformat.read(path, as_version=4))
        result.words += downloaded.words
        result.code += downloaded.code
        result.images |= downloaded.images
    return result


@pytest.fixture(scope="module")
def student():
    assert (STUDENT / "index.html").exists(), "build the student edition first (make student)"
    return haystack(STUDENT)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.stem)
def test_no_solution_text(student, chapter):
    for prints in course.solution_fingerprints(chapter, visible=VISIBLE):
        found = prints.found_in(student)
        assert found == [], f"{prints.label}: solution text in the student edition: {found[:3]}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda c: c.stem)
def test_exercises_are_there(student, chapter):
    page = (STUDENT / "chapters" / f"{chapter.stem}.html").read_text(encoding="utf-8")
    for exercise in chapter.exercises:
        assert f'id="{exercise.label}"' in page, f"{exercise.label} is missing"
        phrases = course.statement_fingerprints(exercise)
        found = [p for p in phrases if f" {p} " in student.words]
        assert len(found) >= 0.8 * len(phrases), f"{exercise.label}: its statement is incomplete"


def test_no_solution_markers():
    for name, text in pages(STUDENT).items():
        assert not MARKERS.search(text), f"{name}: {MARKERS.search(text)[0]!r}"
        assert not re.search(r'class="[^"]*\bsolution\b', text), f"{name} has a solution element"
    for path in STUDENT.glob("_sources/**/*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        names = {t.name for t in course.tokens(nb) if isinstance(t, course.Directive)}
        assert not names & {"solution", "solution-start", "solution-end"}, f"{path.name} keeps solutions"
        assert len(course.exercises(nb, path.stem)) >= 5, f"{path.name} lost its exercises"


def test_chapters_do_not_launch_the_full_notebooks():
    for chapter in CHAPTERS:
        page = (STUDENT / "chapters" / f"{chapter.stem}.html").read_text(encoding="utf-8")
        assert "colab.research.google.com" not in page and "mybinder.org" not in page


def test_the_search_finds_the_solutions_in_the_full_edition():
    if not (FULL / "index.html").exists():
        pytest.skip("the full edition is not built (make book)")
    full = haystack(FULL)
    for chapter in CHAPTERS:
        for prints in course.solution_fingerprints(chapter, visible=VISIBLE):
            assert not prints or prints.found_in(full), f"{prints.label}: not found in the full edition"
