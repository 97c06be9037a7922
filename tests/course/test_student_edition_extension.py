"""_ext/student_edition.py on a small Sphinx project: solutions of both forms, and links to them.

The book's own student edition is tested after it is built (tests/site/test_student_edition.py);
this builds a two-page project in seconds, with what the chapters do not have (yet): a labelled
solution that another page links to.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.cmd.build import build_main

ROOT = Path(__file__).resolve().parents[2]

CONF = f"""
import sys
sys.path.insert(0, {str(ROOT / "_ext")!r})
extensions = ["myst_parser", "sphinx_exercise", "student_edition"]
myst_enable_extensions = ["dollarmath"]
nitpicky = True
"""

PAGE = """# Exercises

```{exercise} A sum
:label: page-ex1
:class: derivation

Compute the sum of the first $n$ odd numbers.
```

```{solution} page-ex1
:label: page-ex1-solution
:class: dropdown

By induction the plain solution shows that the sum equals the square of n.
```

```{exercise} A function
:label: page-ex2
:class: implementation

Write `double(x)`.
```

```{solution-start} page-ex2
:class: dropdown
```

The gated solution explains that doubling is multiplication by two.

```python
def double(x):
    return 2 * x   # gated solution code
```

```{solution-end}
```

After the exercises, the page goes on.
"""

OTHER = """# Elsewhere

See {ref}`the worked sum <page-ex1-solution>` and {ref}`page-ex1`.
"""

INDEX = """# Book

```{toctree}
page
other
```
"""


def build(tmp_path: Path, edition: str) -> Path:
    source = tmp_path / "src"
    source.mkdir(exist_ok=True)
    (source / "conf.py").write_text(CONF)
    (source / "index.md").write_text(INDEX)
    (source / "page.md").write_text(PAGE)
    (source / "other.md").write_text(OTHER)
    out, warnings = tmp_path / edition, tmp_path / f"{edition}-warnings.txt"
    # BOOK_EDITION=student sets the config value book_edition, which -D sets here (in-process: fast)
    status = build_main(["-W", "-q", "-b", "html", "-w", str(warnings), "-D", f"book_edition={edition}",
                         str(source), str(out)])
    assert status == 0, warnings.read_text() if warnings.exists() else status
    return out


def test_student_edition_removes_every_solution_and_unlinks_it(tmp_path):
    out = build(tmp_path, "student")
    page = (out / "page.html").read_text()
    assert "plain solution" not in page and "gated solution" not in page and "solution code" not in page
    assert 'class="solution' not in page and "Solution to" not in page
    assert 'id="page-ex1"' in page and 'id="page-ex2"' in page and "first" in page
    assert "After the exercises, the page goes on." in page
    other = (out / "other.html").read_text()
    assert "the worked sum" in other and "page-ex1-solution" not in other     # text, no link
    assert 'href="page.html#page-ex1"' in other                               # exercises keep theirs


def test_full_edition_is_untouched(tmp_path):
    out = build(tmp_path, "full")
    page = (out / "page.html").read_text()
    assert "plain solution" in page and "gated solution" in page and "gated solution code" in page
    assert "page-ex1-solution" in (out / "other.html").read_text()
