"""The course kit: every chapter becomes an nbgrader assignment, and submissions are graded.

Self-contained: the tests build their own nbgrader course directory in a temporary
folder, as ``make assignments`` builds ``_build/course``, and grade fabricated
submissions in it as ``make grade`` does. The student edition of the site is
tested in tests/site/test_student_edition.py, after it is built.
"""

from __future__ import annotations

import copy
import csv
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import assignments  # noqa: E402
import course  # noqa: E402
import grade  # noqa: E402

CHAPTERS = course.chapters()
GRADED_CHAPTER = "gradient_descent"
#: Chapters that could not be made into assignments, with the error (filled by the fixture).
FAILURES: dict[str, str] = {}


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory):
    """A course directory with every chapter's assignment; chapters that fail are recorded."""
    directory = tmp_path_factory.mktemp("course")
    failures: dict[str, str] = {}
    written = []
    for chapter in CHAPTERS:
        try:
            assignments.write_course(directory, [chapter])
            written.append(chapter.stem)
        except Exception as error:                       # reported by the first test
            failures[chapter.stem] = f"{type(error).__name__}: {error}"
    assignments.generate(directory, written, failures)
    FAILURES.update(failures)
    return directory


def release(course_dir, stem):
    return nbformat.read(course_dir / "release" / stem / f"{stem}.ipynb", as_version=4)


def source(course_dir, stem):
    return nbformat.read(course_dir / "source" / stem / f"{stem}.ipynb", as_version=4)


def by_grade_id(nb) -> dict:
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}


def test_every_chapter_becomes_an_assignment(course_dir):
    assert FAILURES == {}
    for chapter in CHAPTERS:
        assert (course_dir / "release" / chapter.stem / f"{chapter.stem}.ipynb").exists()
    assert (course_dir / "gradebook.db").exists() and (course_dir / "nbgrader_config.py").exists()


@pytest.fixture(params=CHAPTERS, ids=lambda c: c.stem)
def chapter(request, course_dir):
    if request.param.stem in FAILURES:
        pytest.fail(f"no assignment: {FAILURES[request.param.stem]}")
    return request.param


def test_student_notebook_has_no_solution(chapter, course_dir):
    handed_out = course.notebook_haystack(release(course_dir, chapter.stem))
    instructor = course.notebook_haystack(source(course_dir, chapter.stem))
    exercises = {e.label: e for e in chapter.exercises}
    for prints in course.solution_fingerprints(chapter, handed_out=True):
        assert prints.found_in(handed_out) == [], f"{prints.label}: solution text handed out"
        # the instructor's version has the worked solution (the same search finds it there)
        answer = exercises[prints.label].answer
        if exercises[prints.label].kind == "implementation":
            assert "".join(answer.source.split()) in instructor.code, f"{prints.label}: no answer in source/"
        elif prints:
            assert prints.found_in(instructor), f"{prints.label}: worked solution missing from source/"
    text = "\n".join(c.source for c in release(course_dir, chapter.stem).cells)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text


def test_student_notebook_gives_each_exercise_its_cells(chapter, course_dir):
    cells = by_grade_id(release(course_dir, chapter.stem))
    for exercise in chapter.exercises:
        statement = cells[f"{exercise.label}-statement"]
        assert statement.metadata["nbgrader"]["locked"] and exercise.title.split()[0] in statement.source
        if exercise.kind == "implementation":
            answer, check = cells[f"{exercise.label}-answer"], cells[f"{exercise.label}-check"]
            assert answer.source == exercise.scaffold.rstrip("\n"), "the student starts from the scaffold"
            assert answer.metadata["nbgrader"]["solution"] and not answer.metadata["nbgrader"]["grade"]
            assert check.source == exercise.check.source
            meta = check.metadata["nbgrader"]
            assert meta["grade"] and meta["locked"] and not meta["solution"]
            assert meta["points"] == assignments.POINTS
        else:
            answers = [cells[k] for k in (f"{exercise.label}-code", f"{exercise.label}-text") if k in cells]
            assert answers and all(a.metadata["nbgrader"]["solution"] and a.metadata["nbgrader"]["grade"]
                                   for a in answers)
            assert sum(a.metadata["nbgrader"]["points"] for a in answers) == assignments.POINTS
            assert all(a.source in ("YOUR ANSWER HERE", "# YOUR CODE HERE") for a in answers)


def submit(course_dir, folder: Path, student: str, answer: str | None = None, derivation: str | None = None):
    """A fabricated submission: the handed-out notebook with some answers filled in."""
    nb = copy.deepcopy(release(course_dir, GRADED_CHAPTER))
    cells = by_grade_id(nb)
    implementation = next(e for e in course.load_chapter(ROOT / "chapters" / f"{GRADED_CHAPTER}.ipynb").exercises
                          if e.kind == "implementation")
    derivation_exercise = next(e for e in course.load_chapter(ROOT / "chapters" / f"{GRADED_CHAPTER}.ipynb")
                               .exercises if e.kind == "derivation")
    if answer is not None:
        cells[f"{implementation.label}-answer"].source = answer
    if derivation is not None:
        cells[f"{derivation_exercise.label}-text"].source = derivation
    path = folder / student / f"{GRADED_CHAPTER}.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(nb, path)
    return implementation.label, derivation_exercise.label


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")     # nbgrader's own database sessions
def test_grading_fabricated_submissions(course_dir, tmp_path):
    """One correct submission, one with a typical mistake, one that crashes the kernel, and one
    whose function is misnamed: the CSV has the scores, statuses and feedback expected."""
    if GRADED_CHAPTER in FAILURES:
        pytest.fail(FAILURES[GRADED_CHAPTER])
    submissions = tmp_path / "submissions"
    implementation, derivation = submit(course_dir, submissions, "ada",
                                        "def gd_step(theta, grad, lr):\n    return theta - lr * grad",
                                        "$\\rho(\\eta) = \\max(1 - \\eta\\lambda_1, \\eta\\lambda_d - 1)$ ...")
    submit(course_dir, submissions, "bob", "def gd_step(theta, grad, lr):\n    return theta + lr * grad")
    submit(course_dir, submissions, "cyd", "import os\nos._exit(1)       # the kernel dies")
    submit(course_dir, submissions, "dan", "def gd_stp(theta, grad, lr):\n    return theta - lr * grad")
    target = tmp_path / "grades.csv"
    grade.grade(submissions, course_dir, target, log=lambda *_: None)
    with target.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(grade.COLUMNS)
    table = {(r["student"], r["exercise"]): r for r in rows}
    exercises = [e.label for e in course.load_chapter(ROOT / "chapters" / f"{GRADED_CHAPTER}.ipynb").exercises]
    assert len(rows) == 4 * len(exercises) and all(r["chapter"] == GRADED_CHAPTER for r in rows)

    ada = table["ada", implementation]
    assert (ada["kind"], ada["score"], ada["max_score"], ada["status"]) == ("implementation", "5.0", "5.0", "graded")
    assert table["ada", derivation]["status"] == "needs manual grading" and table["ada", derivation]["score"] == ""
    unanswered = [table["ada", e] for e in exercises if e not in (implementation, derivation)]
    assert all((r["score"], r["status"], r["feedback"]) == ("0.0", "graded", "no answer") for r in unanswered)

    bob = table["bob", implementation]
    assert (bob["score"], bob["status"]) == ("0.0", "graded")
    assert "step 1 of 12 differs at coordinate (0,)" in bob["feedback"]
    assert "expected θ_1[0] = 2.9" in bob["feedback"] and "got      θ_1[0] = 3.1" in bob["feedback"]
    assert "Hint: the step has the wrong sign" in bob["feedback"]

    for exercise in exercises:
        cyd = table["cyd", exercise]
        assert (cyd["score"], cyd["status"]) == ("0.0", "error")
        assert "Kernel died" in cyd["feedback"] or "DeadKernelError" in cyd["feedback"]

    dan = table["dan", implementation]
    assert (dan["score"], dan["status"]) == ("0.0", "error")
    assert "NameError" in dan["feedback"] and "gd_step" in dan["feedback"]
    assert table["dan", derivation]["status"] == "graded"
