"""Serve MathJax 3 from the site itself, so that a reader without a network sees typeset math.

MathJax 3.2.2 comes from the Python package ``django-static-mathjax`` (plain
static files, no dependencies; pinned in requirements.txt), so the build needs
nothing but pip. After an HTML build the files a page needs are copied into
``_static/mathjax/`` of the output, which ``mathjax_path`` in ``_config.yml``
points at. They are copied into the *output* only: a ``.js`` file in the
source ``_static/`` would be added to every page.
"""

from __future__ import annotations

import shutil
from pathlib import Path

#: The parts of MathJax's es5 distribution that TeX input with CommonHTML output loads.
PARTS = ("tex-chtml.js", "input/tex/extensions", "output/chtml", "ui", "a11y", "adaptors")


def mathjax_source() -> Path:
    """The es5 directory of the installed MathJax."""
    import mathjax   # the import name of django-static-mathjax

    return Path(mathjax.__file__).parent / "static" / "mathjax" / "es5"


def copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source, target = mathjax_source(), Path(app.outdir) / "_static" / "mathjax"
    for part in PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, target / part, dirs_exist_ok=True)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / part, target / part)


def setup(app):
    mathjax_source()   # fail early, with an ImportError naming the package, if it is missing
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
