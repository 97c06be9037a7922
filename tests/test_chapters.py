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
#: The chapters of the part "Optimizers in practice": CHAPTER_GUIDE.md "where it applies"
#: (their own sections, ending with the summary, the exercises and the references).
PRACTICE = {"schedules", "choosing", "troubleshooting", "pytorch"}
OPTIMIZER_CHAPTERS = [p for p in CHAPTERS if p.stem not in PRACTICE]
PRACTICE_CHAPTERS = [p for p in CHAPTERS if p.stem in PRACTICE]
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


@pytest.fixture(params=OPTIMIZER_CHAPTERS, ids=lambda p: p.stem)
def optimizer_chapter(request):
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


def test_sections_in_order(optimizer_chapter):
    _, nb = optimizer_chapter
    headings = re.findall(r"^## (.+)$", markdown(nb), flags=re.M)
    positions = []
    for section in SECTIONS:
        found = [i for i, h in enumerate(headings) if h.startswith(section)]
        assert found, f"missing section {section!r}"
        positions.append(found[0])
    assert positions == sorted(positions), f"sections out of order: {headings}"


def test_algorithm_box_and_labelled_equations(optimizer_chapter):
    _, nb = optimizer_chapter
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


def test_explorer_and_something_to_play_without_a_kernel(optimizer_chapter):
    _, nb = optimizer_chapter
    sources = "\n".join(c.source for c in code_cells(nb))
    assert "widgets.explorer(" in sources
    assert "widgets.sweep_player(" in sources



@pytest.mark.skipif(not PRACTICE_CHAPTERS, reason="no practice chapter yet")
@pytest.mark.parametrize("path", PRACTICE_CHAPTERS, ids=lambda p: p.stem)
def test_practice_chapter_ends_with_summary_exercises_references(path):
    headings = re.findall(r"^## (.+)$", markdown(load(path)), flags=re.M)
    assert len(headings) >= 6, f"a practice chapter has sections of its own before the summary: {headings}"
    assert [h.split(" ")[0] for h in headings[-3:]] == ["Summary", "Exercises", "References"], headings


def test_every_chapter_of_the_toc_exists_and_practice_chapters_come_last():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    order = [entry["file"] for part in toc["parts"] for entry in part["chapters"]
             if entry["file"].startswith("chapters/")]
    stems = [f.split("/")[1] for f in order]
    practice = [s for s in stems if s in PRACTICE]
    assert stems[len(stems) - len(practice):] == practice, "the practice part is the last part of chapters"


# ---------------------------------------------------------------------------
# Course conventions (the exercises' kinds, answer/check cells; read by the course kit:
# the student edition, the nbgrader assignments and their grading, the teacher's guide)
# ---------------------------------------------------------------------------

import ast  # noqa: E402

import numpy as np  # noqa: E402

import course  # noqa: E402  (tools/course.py: the one parser of these conventions)


@pytest.fixture(params=CHAPTERS, ids=lambda p: p.stem)
def course_chapter(request):
    return course.load_chapter(request.param)


def test_every_exercise_names_exactly_one_kind(course_chapter):
    exercises = course_chapter.exercises
    assert len(exercises) >= 5, "at least five exercises"
    for exercise in exercises:
        assert len(exercise.kinds) == 1, (
            f"{exercise.label}: `:class:` must name exactly one of {course.KINDS}, got {exercise.classes}")
        assert exercise.solved and exercise.solution, f"{exercise.label}: no worked solution"
    kinds = {e.kind for e in exercises}
    assert kinds == set(course.KINDS), f"a mix of derivation, experiment and implementation; got {kinds}"


def test_solution_code_is_hidden(course_chapter):
    for exercise in course_chapter.exercises:
        for cell in exercise.code_cells():
            assert cell.metadata.get("jupyter", {}).get("source_hidden"), \
                f"{exercise.label}: solution code cells are hidden (code(..., hidden=True))"


def test_optimizer_chapters_have_a_checked_implementation_exercise(course_chapter):
    implementations = [e for e in course_chapter.exercises if e.kind == "implementation"]
    if course_chapter.is_optimizer_chapter:
        assert implementations, "an optimizer chapter has at least one implementation exercise"
    import optlib.checks

    cells = course_chapter.nb.cells
    for exercise in implementations:
        label = exercise.label
        assert exercise.gated, f"{label}: an implementation exercise has a gated solution"
        assert len(exercise.code_cells("answer")) == 1, f"{label}: exactly one cell tagged `answer`"
        assert len(exercise.code_cells("check")) == 1, f"{label}: exactly one cell tagged `check`"
        answer, check = exercise.answer, exercise.check
        # the check is the next code cell after the answer, with prose between them
        after = cells[cells.index(answer) + 1:cells.index(check)]
        assert after and all(c.cell_type == "markdown" for c in after), \
            f"{label}: the `check` cell follows the `answer` cell, with a sentence between them"
        assert not any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.parse(answer.source).body), \
            f"{label}: imports go in the check cell or an untagged cell before the answer"
        functions = course.defined_functions(answer.source)
        assert functions, f"{label}: the answer cell defines the student's function"
        scaffold = exercise.scaffold
        assert isinstance(scaffold, str) and scaffold.strip(), f"{label}: metadata.course.scaffold is missing"
        assert course.defined_functions(scaffold) == functions, \
            f"{label}: the scaffold defines {course.defined_functions(scaffold)}, the answer {functions}"
        assert scaffold.strip().split("\n")[0].strip() in exercise.statement, \
            f"{label}: the statement shows the scaffold's first line"
        checks = course.called_checks(check.source)
        assert checks and all(callable(getattr(optlib.checks, name, None)) for name in checks), \
            f"{label}: the check cell calls a function of optlib.checks (found {checks})"


def _run_check(exercise, replace=None):
    """Run the exercise's answer (or ``replace(answer function)``) through its check cell."""
    namespace: dict = {}
    exec("import numpy as np\nimport optlib\nfrom optlib import analysis, landscapes, problems", namespace)
    for cell in exercise.code_cells():
        if cell is exercise.answer:
            break
        if course.is_import_only(cell.source):
            exec(cell.source, namespace)
    exec(exercise.answer.source, namespace)
    if replace is not None:
        name = course.defined_functions(exercise.answer.source)[0]
        namespace[name] = replace(namespace[name])
    exec(exercise.check.source, namespace)


def _uphill(step):
    """A typical mistake: the step taken in the wrong direction (θ - Δθ for θ + Δθ)."""
    def wrong(theta, *args, **kwargs):
        result = step(theta, *args, **kwargs)
        if isinstance(result, tuple):
            return (2 * np.asarray(theta) - result[0],) + tuple(result[1:])
        return 2 * np.asarray(theta) - result
    return wrong


def test_each_check_accepts_the_answer_and_says_what_differs(course_chapter):
    """The chapter's answer passes its check; the scaffold and a step with the wrong sign fail
    with a CheckFailed that names the step (and, for the wrong step, the coordinate, the
    expected and obtained values, and a hint)."""
    from optlib.checks import CheckFailed

    for exercise in course_chapter.exercises:
        if exercise.kind != "implementation" or exercise.answer is None or exercise.check is None:
            continue
        _run_check(exercise)
        scaffold = exercise.scaffold
        with pytest.raises(CheckFailed, match="step 1"):
            _run_check(exercise, replace=lambda step, s=scaffold: _defined(s))
        with pytest.raises(CheckFailed) as failure:
            _run_check(exercise, replace=_uphill)
        message = str(failure.value)
        for part in ("step", "coordinate", "expected", "got", "Hint:"):
            assert part in message, f"{exercise.label}: the check's message lacks {part!r}:\n{message}"


def _defined(source: str):
    namespace: dict = {"np": np}
    exec(source, namespace)
    return namespace[course.defined_functions(source)[0]]


def test_overview_states_objectives_and_linked_prerequisites(course_chapter):
    assert len(course_chapter.objectives) >= 2, \
        "the overview lists the objectives after 'After this chapter you will be able to'"
    known = {p.stem for p in CHAPTERS}
    for target in course.doc_links(course.overview(course_chapter.nb)):
        docname = course.resolve_doc(target, f"chapters/{course_chapter.stem}")
        assert any((ROOT / f"{docname}{suffix}").exists() for suffix in (".ipynb", ".md")), \
            f"{{doc}}`{target}` does not resolve"
    assert set(course_chapter.prerequisites(known)) <= known
