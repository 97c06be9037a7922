"""Build the student edition of the site into _build/student/html (``make student``).

The same sources and the same ``_config.yml`` as the full edition: the
environment variable ``BOOK_EDITION=student`` makes the local extension
``_ext/student_edition.py`` remove every solution, and the committed outputs
of the chapters are used instead of executing them again. This is
``jupyter-book build . -W -n --keep-going`` with another output folder (the
command line would put the site in <output>/_build/html).

Usage: python tools/build_student.py [OUTPUT]      (default: _build/student)
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build(output: Path) -> int:
    os.environ["BOOK_EDITION"] = "student"
    from jupyter_book.sphinx import build_sphinx

    html = output / "html"
    for stale in (html, output / ".doctrees"):
        if stale.exists():
            shutil.rmtree(stale)
    result = build_sphinx(ROOT, html, noconfig=True, path_config=str(ROOT / "_config.yml"),
                          confoverrides={"external_toc_path": str(ROOT / "_toc.yml"), "nitpicky": True,
                                         "latex_individualpages": False},
                          doctreedir=output / ".doctrees", builder="html", freshenv=True,
                          warningiserror=True, keep_going=True, quiet=True)
    return 0 if result == 0 else 1


if __name__ == "__main__":
    output = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "_build" / "student"
    start = time.perf_counter()
    status = build(output)
    if status == 0:
        print(f"The student edition is in {output / 'html' / 'index.html'} "
              f"({time.perf_counter() - start:.0f} s)")
    sys.exit(status)
