"""Assignments from the chapters' exercises, for nbgrader (``make assignments``).

For each chapter this writes an nbgrader *source* notebook into a course
directory (default ``_build/course``), then runs ``nbgrader
generate_assignment`` on it:

- ``source/<chapter>/<chapter>.ipynb``, the instructor's version: the setup
  cell; for each exercise its statement; for an implementation exercise the
  chapter's ``answer`` cell as an autograded answer (``### BEGIN SOLUTION`` /
  ``### END SOLUTION``; the student gets the exercise's scaffold) and its
  ``check`` cell as a locked test cell with points; for a derivation or an
  experiment, manually graded answer cells (code where the worked solution
  has code, markdown for the reasoning) holding the worked solution, which
  only the instructor sees;
- ``release/<chapter>/<chapter>.ipynb``, the student's version to hand out:
  no solutions, the checks kept;
- ``gradebook.db`` and ``nbgrader_config.py``, nbgrader's state and settings
  (``tools/grade.py`` grades submissions against them).

Usage:
    python tools/assignments.py [--course-dir DIR] [CHAPTER ...]
"""

from __future__ import annotations

import argparse
import functools
import shutil
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course  # noqa: E402

ROOT = course.ROOT
COURSE_DIR = ROOT / "_build" / "course"
COURSE_ID = "optimizers"
#: Points of one exercise; a derivation or experiment with a code and a prose answer splits
#: them between the two cells (the cell that matches its kind gets the larger share).
POINTS = 5
SPLIT = {"derivation": {"text": 3, "code": 2}, "experiment": {"code": 3, "text": 2}}

NBGRADER_CONFIG = '''\
# nbgrader's settings for the course directory of "The optimizers of machine learning".
# Written by tools/assignments.py (make assignments); nbgrader reads it when run in this folder.
import os

from nbgrader.converters import GenerateAssignment
from nbgrader.preprocessors import NbGraderPreprocessor


class UseScaffold(NbGraderPreprocessor):
    """Give the student each exercise's own starting code (the cell's ``course.scaffold``)
    instead of nbgrader's generic stub, in the answer cells nbgrader has just cleared."""

    def preprocess_cell(self, cell, resources, index):
        scaffold = cell.metadata.get("course", {}).get("scaffold")
        if cell.cell_type == "code" and scaffold and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = scaffold.rstrip("\\n")
        return cell, resources


c = get_config()  # noqa: F821 (defined by nbgrader when it loads this file)
c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "{course_id}"
# A chapter's experiments may take a while; a student's infinite loop should not hang grading.
c.Execute.timeout = 120
# On a busy machine (a test run on two cores, say) a kernel can take more than the default minute to start.
c.Execute.startup_timeout = 300
# A locked cell that a student deleted is put back (and run) rather than lost.
c.OverwriteCells.add_missing_cells = True
# An empty code answer stays runnable: "Run All" must reach the checks after it.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}
preprocessors = list(GenerateAssignment.class_traits()["preprocessors"].default())
preprocessors.insert(preprocessors.index(next(p for p in preprocessors if p.__name__ == "ClearSolutions")) + 1,
                     UseScaffold)
c.GenerateAssignment.preprocessors = preprocessors
'''


def nbgrader_metadata(grade_id: str, *, solution: bool = False, grade: bool = False,
                      locked: bool = False, points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def markdown_cell(source: str, grade_id: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["nbgrader"] = nbgrader_metadata(grade_id, **nbgrader)
    return cell


def code_cell(source: str, grade_id: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = nbgrader_metadata(grade_id, **nbgrader)
    return cell


def solution_region(text: str) -> str:
    return f"### BEGIN SOLUTION\n{text.strip()}\n### END SOLUTION"


def header(chapter: course.Chapter) -> str:
    url = f"{course.book_url()}/chapters/{chapter.stem}.html"
    kinds = [e.kind for e in chapter.exercises]
    total = POINTS * len(chapter.exercises)
    return f"""# {chapter.title}: exercises

The exercises of the chapter [{chapter.title}]({url}), as an assignment of {len(kinds)} exercises
({total} points, {POINTS} each). Keep the chapter open beside this notebook: the exercises refer to
its equations, figures and experiments (the links lead there), and some reuse objects the chapter
builds: copy the lines you need from the chapter into your answer cells.

- **Derivation**: write your reasoning in the markdown cell marked YOUR ANSWER HERE (mathematics
  between `$` signs). Where the exercise also asks for a numerical check, use the code cell before it.
- **Experiment**: write and run your code in the code cell, then say what it shows in the markdown
  cell after it.
- **Implementation**: complete the function in its code cell. The locked cell after it runs the
  check: if your function differs from `optlib`, it says at which step and coordinate, what it
  expected, what it got, and what the mistake probably is. Run it as often as you like; it is also
  how your function is graded.

Before you hand the notebook in, restart the kernel and run every cell from the top."""


def exercise_cells(chapter: course.Chapter, exercise: course.Exercise) -> list:
    label, kind = exercise.label, exercise.kind
    md = lambda text: course.jupyter_markdown(text, chapter.stem, chapter.glue)  # noqa: E731
    cells = [markdown_cell(f"## Exercise {exercise.number}: {md(exercise.title)}\n\n"
                           f"*{(kind or 'exercise').capitalize()}, {POINTS} points*\n\n{md(exercise.statement)}",
                           f"{label}-statement", locked=True)]
    course_meta = {"exercise": label, "kind": kind}
    if kind == "implementation":
        answer, check = exercise.answer, exercise.check
        if answer is None or check is None:
            raise ValueError(f"{label}: an implementation exercise needs one `answer` and one `check` cell")
        before = exercise.code_cells()[:exercise.code_cells().index(answer)]
        for n, cell in enumerate(c for c in before if course.is_import_only(c.source)):
            cells.append(code_cell(cell.source, f"{label}-imports-{n}", locked=True))
        answer_cell = code_cell(solution_region(answer.source), f"{label}-answer", solution=True)
        answer_cell.metadata["course"] = {**course_meta, "scaffold": exercise.scaffold or ""}
        cells.append(answer_cell)
        cells.append(markdown_cell("The check (locked: it also grades your function):",
                                   f"{label}-check-intro", locked=True))
        check_cell = code_cell(check.source, f"{label}-check", grade=True, locked=True, points=POINTS)
        check_cell.metadata["course"] = course_meta
        cells.append(check_cell)
        return cells
    code, prose = exercise.solution_code(), md(exercise.solution_markdown())
    share = SPLIT.get(kind, SPLIT["derivation"]) if code and prose else \
        {"code": POINTS if code else 0, "text": POINTS if prose or not code else 0}
    if code:
        cell = code_cell(solution_region(code), f"{label}-code", solution=True, grade=True,
                         points=share["code"])
        cell.metadata["course"] = course_meta
        cells.append(cell)
    if prose or not code:
        cell = markdown_cell(solution_region(prose or "(no worked solution)"), f"{label}-text",
                             solution=True, grade=True, points=share["text"])
        cell.metadata["course"] = course_meta
        cells.append(cell)
    return cells


def source_notebook(chapter: course.Chapter) -> nbformat.NotebookNode:
    """The instructor's nbgrader notebook of a chapter's exercises (with worked solutions)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(chapter.nb.metadata.get("kernelspec") or
                                      {"display_name": "Python 3", "language": "python", "name": "python3"}),
                   "language_info": {"name": "python"}}
    nb.metadata["kernelspec"].setdefault("language", "python")
    nb.cells.append(markdown_cell(header(chapter), "header", locked=True))
    nb.cells.append(code_cell(chapter.setup_cell.source, "setup", locked=True))
    for exercise in chapter.exercises:
        nb.cells.extend(exercise_cells(chapter, exercise))
    for i, cell in enumerate(nb.cells):
        cell.id = f"{chapter.stem}-{i:03d}"
    return nb


def write_course(course_dir: Path, chapters: list[course.Chapter]) -> None:
    """The nbgrader configuration and the source notebooks."""
    course_dir.mkdir(parents=True, exist_ok=True)
    (course_dir / "nbgrader_config.py").write_text(NBGRADER_CONFIG.replace("{course_id}", COURSE_ID))
    for chapter in chapters:
        folder = course_dir / "source" / chapter.stem
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        nbformat.write(source_notebook(chapter), folder / f"{chapter.stem}.ipynb")


def alembic_head(fallback) -> str:
    """The head revision of nbgrader's database migrations (what ``alembic heads`` prints)."""
    try:
        import nbgrader.api
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config()
        config.set_main_option("script_location", str(Path(nbgrader.api.__file__).parent / "alembic"))
        return ScriptDirectory.from_config(config).get_current_head()
    except Exception:                      # another layout in a later nbgrader: ask alembic as it does
        return fallback()


def nbgrader_api(course_dir: Path):
    """nbgrader's Python API on ``course_dir``, with its nbgrader_config.py."""
    import logging
    import os

    # nbgrader runs `alembic` (its database migrations) as a command: find it beside this Python
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    import nbgrader.api
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    # nbgrader runs `alembic heads` to learn its database schema's version each time it opens the
    # gradebook: a subprocess of several seconds. The same answer, read in this process, once.
    if not hasattr(nbgrader.api.get_alembic_version, "cache_info"):
        nbgrader.api.get_alembic_version = functools.lru_cache(maxsize=None)(
            functools.partial(alembic_head, nbgrader.api.get_alembic_version))
    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_dir)).load_config()
    coursedir = CourseDirectory(config=config)
    coursedir.root = str(course_dir)
    quiet = logging.getLogger("traitlets")      # nbgrader's check of a shared exchange folder, which
    level, quiet.level = quiet.level, logging.CRITICAL + 1    # a course on one machine does not use
    try:
        api = NbGraderAPI(coursedir=coursedir, config=config)
    finally:
        quiet.setLevel(level)
    api.log.setLevel(logging.WARNING)
    return api


def generate(course_dir: Path, stems: list[str], failures: dict | None = None) -> None:
    """``nbgrader generate_assignment`` for each chapter: release/ and the gradebook.

    A chapter that fails raises RuntimeError, or, if ``failures`` is a dict, is recorded there
    (chapter -> message) and the others are generated.
    """
    api = nbgrader_api(course_dir)
    for stem in stems:
        result = api.generate_assignment(stem, force=True, create=True)
        if not result["success"]:
            message = f"nbgrader generate_assignment {stem} failed:\n{result.get('error')}\n{result.get('log', '')}"
            if failures is None:
                raise RuntimeError(message)
            failures[stem] = message


def build(course_dir: Path = COURSE_DIR, stems: list[str] | None = None) -> list[str]:
    """Write and generate the assignments of ``stems`` (default: every chapter); returns the stems."""
    chapters = [c for c in course.chapters() if stems is None or c.stem in stems]
    missing = set(stems or ()) - {c.stem for c in chapters}
    if missing:
        raise SystemExit(f"no such chapter: {', '.join(sorted(missing))}")
    write_course(course_dir, chapters)
    generate(course_dir, [c.stem for c in chapters])
    return [c.stem for c in chapters]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chapters", nargs="*", help="chapter names (default: every chapter)")
    parser.add_argument("--course-dir", type=Path, default=COURSE_DIR)
    args = parser.parse_args(argv)
    course_dir = args.course_dir.resolve()
    stems = build(course_dir, args.chapters or None)
    print(f"Assignments for {len(stems)} chapters in the nbgrader course directory {course_dir}:")
    print(f"  to hand out (students): {course_dir / 'release'}/<chapter>/<chapter>.ipynb")
    print(f"  instructor's set:       {course_dir / 'source'}/<chapter>/<chapter>.ipynb (worked solutions),")
    print(f"                          {course_dir / 'gradebook.db'} and {course_dir / 'nbgrader_config.py'}")
    print("  grade a folder <folder>/<student>/<chapter>.ipynb with: make grade SUBMISSIONS=<folder>")


if __name__ == "__main__":
    main()
