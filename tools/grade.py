"""Grade a folder of submitted notebooks with nbgrader, and write the scores as CSV (``make grade``).

The folder holds one sub-folder per student, each with the notebooks the
student handed in, named as handed out::

    SUBMISSIONS/<student>/<chapter>.ipynb

Each notebook is copied into the nbgrader course directory (default
``_build/course``, made by ``make assignments``; the assignments it lacks are
made first) as ``submitted/<student>/<chapter>/<chapter>.ipynb`` and graded
with ``nbgrader autograde``: the locked checks are restored and run, and each
check cell scores its points when it passes. Derivations and experiments are
then graded by hand, in nbgrader's formgrader (``jupyter lab`` in the course
directory); grading again keeps those manual scores.

The CSV has one row per student, chapter and exercise:

- ``student``, ``chapter``, ``exercise`` (its label), ``title``, ``kind``;
- ``score`` (empty while an answer awaits manual grading) and ``max_score``;
- ``status``: ``graded``; ``needs manual grading``; or ``error``, when the
  notebook could not be run (the kernel died, a cell timed out, the file is not
  a notebook) or the student's code failed before the check could compare it;
- ``feedback``: what the check said (step, coordinate, expected, got, hint),
  the error, or "no answer".

Usage:
    python tools/grade.py SUBMISSIONS [--course-dir DIR] [--csv FILE]
"""

from __future__ import annotations

import argparse
import csv
import re
import shutil
import sys
import warnings
from pathlib import Path

import nbformat

warnings.filterwarnings("ignore", module="nbgrader")     # SQLAlchemy's notes on nbgrader's own sessions
sys.path.insert(0, str(Path(__file__).resolve().parent))
import assignments  # noqa: E402
import course  # noqa: E402

COLUMNS = ("student", "chapter", "exercise", "title", "kind", "score", "max_score", "status", "feedback")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def collect(submissions: Path, course_dir: Path, chapters: set[str]) -> list[tuple[str, str]]:
    """Copy ``<student>/<chapter>.ipynb`` into nbgrader's submitted/ layout; returns (student, chapter)."""
    found = []
    for student_dir in sorted(p for p in submissions.iterdir() if p.is_dir()):
        student = student_dir.name
        for path in sorted(student_dir.glob("*.ipynb")):
            if path.stem not in chapters:
                print(f"skipping {path}: no chapter is called {path.stem!r}", file=sys.stderr)
                continue
            target = course_dir / "submitted" / student / path.stem / f"{path.stem}.ipynb"
            if target.parent.exists():
                shutil.rmtree(target.parent)
            target.parent.mkdir(parents=True)
            shutil.copy2(path, target)
            found.append((student, path.stem))
    return found


def source_cells(course_dir: Path, chapter: str) -> list[dict]:
    """The graded cells of the instructor's notebook: grade_id, exercise, kind, title, points."""
    nb = nbformat.read(course_dir / "source" / chapter / f"{chapter}.ipynb", as_version=4)
    titles = {}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("-statement"):
            match = re.match(r"## Exercise \d+: (.*)", cell.source)
            titles[grade_id[:-len("-statement")]] = match[1].strip() if match else ""
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            info = cell.metadata.get("course", {})
            cells.append({"grade_id": meta["grade_id"], "exercise": info.get("exercise", meta["grade_id"]),
                          "kind": info.get("kind", ""), "title": titles.get(info.get("exercise"), ""),
                          "points": float(meta["points"]), "test": not meta.get("solution")})
    return cells


def check_outcomes(course_dir: Path, student: str, chapter: str) -> dict[str, tuple[str, str]] | None:
    """For each test cell of the autograded notebook: (status, feedback); None if there is none."""
    path = course_dir / "autograded" / student / chapter / f"{chapter}.ipynb"
    if not path.exists():
        return None
    nb = nbformat.read(path, as_version=4)
    outcomes = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not (meta.get("grade") and not meta.get("solution") and cell.cell_type == "code"):
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        stderr = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr"]
        if errors:
            error = errors[0]
            if error.get("ename") == "CheckFailed":
                outcomes[meta["grade_id"]] = ("graded", error.get("evalue", "").strip())
            else:
                outcomes[meta["grade_id"]] = ("error", ANSI.sub("", f"{error.get('ename')}: {error.get('evalue')}"))
        elif stderr:
            outcomes[meta["grade_id"]] = ("graded", "the check printed to stderr: " + "".join(stderr[0]["text"])[:500])
        elif cell.execution_count is None:
            outcomes[meta["grade_id"]] = ("error", "the check did not run")
        else:
            outcomes[meta["grade_id"]] = ("graded", "the check passed")
    return outcomes


def rows_for(course_dir: Path, student: str, chapter: str, failure: str | None) -> list[dict]:
    """One row per exercise of one student's notebook, from the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    cells = source_cells(course_dir, chapter)
    outcomes = None if failure else check_outcomes(course_dir, student, chapter)
    grades = {}
    if outcomes is not None:
        with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gradebook:
            for cell in cells:
                try:
                    grade = gradebook.find_grade(cell["grade_id"], chapter, chapter, student)
                    comment = gradebook.find_comment(cell["grade_id"], chapter, chapter, student) \
                        if not cell["test"] else None
                except MissingEntry:
                    continue
                grades[cell["grade_id"]] = (grade.score, grade.manual_score, grade.needs_manual_grade,
                                            comment.auto_comment if comment is not None else None)
    rows: dict[str, dict] = {}
    for cell in cells:
        row = rows.setdefault(cell["exercise"], {
            "student": student, "chapter": chapter, "exercise": cell["exercise"], "title": cell["title"],
            "kind": cell["kind"], "score": 0.0, "max_score": 0.0, "status": [], "feedback": []})
        row["max_score"] += cell["points"]
        if outcomes is None or cell["grade_id"] not in grades:
            reason = failure or f"the cell {cell['grade_id']} could not be graded"
            row["status"].append("error")
            if reason not in row["feedback"]:
                row["feedback"].append(reason)
            continue
        score, manual, needs_manual, auto_comment = grades[cell["grade_id"]]
        if cell["test"]:
            status, feedback = outcomes.get(cell["grade_id"], ("error", "the check cell is missing"))
        elif manual is not None:
            status, feedback = "graded", ""
        elif needs_manual:
            status, feedback = "needs manual grading", ""
        else:
            status, feedback = "graded", "no answer" if auto_comment == "No response." else ""
        row["score"] += score or 0.0
        row["status"].append(status)
        if feedback and feedback not in row["feedback"]:
            row["feedback"].append(feedback)
    result = []
    for row in rows.values():
        statuses = row["status"]
        row["status"] = ("error" if "error" in statuses else
                         "needs manual grading" if "needs manual grading" in statuses else "graded")
        if row["status"] == "needs manual grading":
            row["score"] = ""
        elif row["status"] == "error":
            row["score"] = 0.0
        row["feedback"] = "\n".join(row["feedback"])
        result.append(row)
    return result


def grade(submissions: Path, course_dir: Path = assignments.COURSE_DIR, csv_path: Path | None = None,
          log=print) -> list[dict]:
    """Autograde every submitted notebook in ``submissions``; write and return the rows of the CSV."""
    submissions, course_dir = Path(submissions).resolve(), Path(course_dir).resolve()
    if not submissions.is_dir():
        raise SystemExit(f"{submissions} is not a folder of <student>/<chapter>.ipynb")
    all_chapters = {p.stem for p in (course.ROOT / "chapters").glob("*.ipynb")}
    wanted = {p.stem for p in submissions.glob("*/*.ipynb")} & all_chapters
    missing = sorted(c for c in wanted if not (course_dir / "release" / c / f"{c}.ipynb").exists())
    if missing:
        log(f"making the assignments first: {', '.join(missing)}")
        course_dir.mkdir(parents=True, exist_ok=True)
        chapters = [course.load_chapter(course.ROOT / "chapters" / f"{c}.ipynb") for c in missing]
        if not (course_dir / "nbgrader_config.py").exists():
            assignments.write_course(course_dir, chapters)
        else:
            for chapter in chapters:
                folder = course_dir / "source" / chapter.stem
                folder.mkdir(parents=True, exist_ok=True)
                nbformat.write(assignments.source_notebook(chapter), folder / f"{chapter.stem}.ipynb")
        assignments.generate(course_dir, missing)
    api = assignments.nbgrader_api(course_dir)
    rows = []
    for student, chapter in collect(submissions, course_dir, wanted):
        failure = None
        try:
            nbformat.validate(nbformat.read(course_dir / "submitted" / student / chapter / f"{chapter}.ipynb",
                                            as_version=4))
        except Exception as error:                                     # not a notebook at all
            failure = f"the file is not a valid notebook: {type(error).__name__}: {error}"
        if failure is None:
            result = api.autograde(chapter, student, force=True, create=True)
            if not result["success"]:
                failure = summarise(result)
        graded = rows_for(course_dir, student, chapter, failure)
        rows.extend(graded)
        log(f"{student}/{chapter}: " + ", ".join(f"{r['exercise'].rsplit('-', 1)[-1]} {r['status']}" for r in graded))
    csv_path = Path(csv_path) if csv_path else course_dir / "grades.csv"
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with csv_path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    students = len({r["student"] for r in rows})
    log(f"Scores of {students} student{'s' if students != 1 else ''}, one row per exercise: {csv_path}")
    return rows


def summarise(result: dict) -> str:
    """The reason nbgrader gives when a notebook could not be autograded, in one line."""
    text = ANSI.sub("", (result.get("error") or "") + "\n" + (result.get("log") or ""))
    for pattern in (r"(DeadKernelError[^\n]*)", r"(CellTimeoutError[^\n]*)", r"(Kernel died[^\n]*)",
                    r"(TimeoutError[^\n]*)", r"\n(\w+Error: [^\n]+)"):
        match = re.search(pattern, text)
        if match:
            reason = re.sub(r"^(\w+)\(\"(.*)\"\)( from None)?$", r"\1: \2", match[1].strip())
            return f"the notebook could not be run: {reason}"
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return f"the notebook could not be graded: {lines[-1] if lines else 'unknown error'}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("submissions", type=Path, help="folder of <student>/<chapter>.ipynb")
    parser.add_argument("--course-dir", type=Path, default=assignments.COURSE_DIR)
    parser.add_argument("--csv", type=Path, default=None, help="where to write the scores "
                        "(default: grades.csv in the course directory)")
    args = parser.parse_args(argv)
    grade(args.submissions, args.course_dir, args.csv)


if __name__ == "__main__":
    main()
