"""Build the site with Jupyter Book (``make book``, ``make student``, ``make test``).

This is ``jupyter-book build . -W -n --keep-going`` in two editions, with an
output folder of one's choice, which the command line does not offer.
(Reading chapters in parallel, Sphinx's ``-j``, was tried: it lost the
documents read by the second process, so the build reads them one by one.)

- ``full`` (default): every chapter is executed afresh (``execute_notebooks:
  force`` in ``_config.yml``), so the site shows what the current ``optlib``
  computes. Into ``_build/html``. With ``--committed-outputs`` the chapters'
  committed outputs are used instead, as ``make test`` does: nbval has just
  executed every chapter and compared it with those outputs, and executing
  them a third time (after nbval, before the environment runs) would add
  several minutes.
- ``student``: the environment variable ``BOOK_EDITION=student`` makes the
  local extension ``_ext/student_edition.py`` remove every solution, and the
  committed outputs are used instead of executing the chapters again (nbval
  checks them). Into ``_build/student/html``.

Warnings are errors in both (``-W -n --keep-going``): a broken reference, a
missing citation or a failing cell fails the build.

Usage: python tools/build_book.py [full|student] [--output FOLDER]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUTS = {"full": ROOT / "_build", "student": ROOT / "_build" / "student"}


def build(edition: str, output: Path, execute: bool = True) -> int:
    overrides = {"external_toc_path": str(ROOT / "_toc.yml"), "nitpicky": True, "latex_individualpages": False}
    if edition == "student":
        os.environ["BOOK_EDITION"] = "student"
    if edition == "student" or not execute:
        overrides["nb_execution_mode"] = "off"
    from jupyter_book.sphinx import build_sphinx

    html, doctrees = output / "html", output / ".doctrees"
    for stale in (html, doctrees, output / "jupyter_execute"):
        if stale.exists():
            shutil.rmtree(stale)
    result = build_sphinx(ROOT, html, noconfig=True, path_config=str(ROOT / "_config.yml"),
                          confoverrides=overrides, doctreedir=doctrees, builder="html", freshenv=True,
                          warningiserror=True, keep_going=True, quiet=True)
    return 0 if result == 0 else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("edition", nargs="?", choices=sorted(OUTPUTS), default="full")
    parser.add_argument("--output", type=Path, help="folder for html/ (default: _build or _build/student)")
    parser.add_argument("--committed-outputs", action="store_true",
                        help="use the chapters' committed outputs instead of executing them")
    args = parser.parse_args()
    output = (args.output or OUTPUTS[args.edition]).resolve()
    start = time.perf_counter()
    status = build(args.edition, output, execute=not args.committed_outputs)
    if status == 0:
        print(f"The {'student edition' if args.edition == 'student' else 'book'} is in "
              f"{output / 'html' / 'index.html'} ({time.perf_counter() - start:.0f} s)")
    else:
        print("The build failed: see the warnings above.", file=sys.stderr)
    sys.exit(status)
