"""Helpers for the chapters: glue computed numbers into the prose, show optlib's source.

Both work in any Jupyter kernel (Colab, Binder, local) without myst-nb; the
book's build picks the glued values up with ``{glue:text}`name:.3f```.
"""

from __future__ import annotations

import ast
import inspect
import numbers
import textwrap

import numpy as np
from IPython.core.formatters import format_display_data
from IPython.display import Markdown, display

_GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, value, *, digits: int = 6):
    """Store a number under ``name`` for the prose (``{glue:text}`name:.3f```).

    The value is stored as a plain Python number rounded to ``digits``
    significant digits (more than the prose ever shows), so that the
    committed output, which nbval compares, does not depend on the last bits
    of a float. Myst-NB's own ``glue`` writes the same record.

    Returns nothing, so that a ``glue`` ending a cell adds no output of its own.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Number, np.number)):
        raise TypeError(f"glue stores numbers; got {type(value).__name__} for {name!r}")
    number = int(value) if isinstance(value, (numbers.Integral, np.integer)) else float(f"{float(value):.{digits}g}")
    bundle, metadata = format_display_data(number)
    metadata["scrapbook"] = {"name": name, "mime_prefix": _GLUE_PREFIX}
    display({_GLUE_PREFIX + key: data for key, data in bundle.items()}, raw=True, metadata=metadata)


def source_without_docstring(obj) -> str:
    """The source of a function or class with its docstring left out."""
    source = textwrap.dedent(inspect.getsource(obj))
    node = ast.parse(source).body[0]
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        lines = source.splitlines()
        del lines[first.lineno - 1:first.end_lineno]
        source = "\n".join(lines)
    return source.rstrip()


def show_source(*objects, docstring: bool = False) -> Markdown:
    """Display the source code of optlib functions or classes, highlighted.

    Chapters show optlib's own code this way rather than a copy that could
    drift. The docstring (the algorithm box, already in the chapter) is left
    out unless ``docstring=True``.
    """
    sources = [textwrap.dedent(inspect.getsource(o)).rstrip() if docstring else source_without_docstring(o)
               for o in objects]
    return Markdown("```python\n" + "\n\n\n".join(sources) + "\n```")


def show_lines(obj, *spans: tuple[str, str]) -> Markdown:
    """Display excerpts of the source of an optlib function or class, highlighted.

    Each span ``(first, last)`` is the block of lines from the first line that
    contains the text ``first`` to the next line (the same or later) that
    contains ``last``. Spans are found by their text, not by line numbers, so
    an excerpt follows the code when lines are added above it, and the call
    fails loudly when the quoted code is gone. Excerpts are separated by
    ``...`` lines; indentation common to all of them is removed.

    Args:
        obj: a function or class.
        *spans: one or more ``(first, last)`` pairs of text.

    Raises:
        ValueError: if a span's text is not in the source.

    Example:
        >>> import optlib
        >>> md = show_lines(optlib.run, ("for t in range", "theta = apply_updates"))
        >>> print(md.data)
        ```python
        for t in range(1, steps + 1):
            updates, state = opt.update(gradient(theta), state, theta)
            theta = apply_updates(theta, updates)
        ```
    """
    lines = inspect.getsource(obj).splitlines()
    blocks = []
    for first, last in spans:
        start = next((i for i, line in enumerate(lines) if first in line), None)
        if start is None:
            raise ValueError(f"{first!r} is not in the source of {obj.__qualname__}")
        stop = next((i for i in range(start, len(lines)) if last in lines[i]), None)
        if stop is None:
            raise ValueError(f"{last!r} does not follow {first!r} in the source of {obj.__qualname__}")
        blocks.append(lines[start:stop + 1])
    indent = min(len(line) - len(line.lstrip()) for block in blocks for line in block if line.strip())
    text = "\n...\n".join("\n".join(line[indent:] for line in block) for block in blocks)
    return Markdown("```python\n" + text + "\n```")
