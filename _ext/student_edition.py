"""The student edition of the book: every exercise, no solution (``make student``).

When the environment variable ``BOOK_EDITION`` is ``student`` (the one
``_config.yml`` serves both editions, so nothing is configured twice):

- every solution is removed after sphinx-exercise has assembled it: plain
  ``{solution}`` directives and gated ones (``{solution-start}`` ...
  ``{solution-end}``), with the notebook cells inside the gate;
- their labels are dropped, so that a reference to a removed solution renders
  as plain text instead of a link to an anchor that is gone;
- the notebooks offered for download (``_sources/``) are the chapters with
  their solutions removed, and the launch buttons (which open the full
  notebooks of the repository) are switched off;
- the chapters are not executed again: their committed outputs, which nbval
  checks, are used.

sphinx-exercise's own ``hide_solutions`` cannot do this: it drops only the
``solution-start`` node, and the orphaned ``solution-end`` node then stops the
writer ("unknown node type: solution_end_node").

Any other value of ``BOOK_EDITION`` (or none) builds the full edition, and this
extension changes nothing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx_exercise.nodes import solution_end_node, solution_node, solution_start_node

logger = logging.getLogger(__name__)


def edition() -> str:
    return os.environ.get("BOOK_EDITION", "").strip().lower() or "full"


def is_student(app) -> bool:
    return app.config.book_edition == "student"


def configure(app, config) -> None:
    if config.book_edition != "student":
        return
    config.nb_execution_mode = "off"                 # the committed outputs, as nbval checks them
    options = dict(config.html_theme_options or {})
    if "launch_buttons" in options:                  # Binder and Colab would open the full notebooks
        options["launch_buttons"] = {}
        config.html_theme_options = options


class RemoveSolutions(SphinxTransform):
    """Remove every solution node once sphinx-exercise has merged the gated ones (priority 10)."""

    default_priority = 15

    def apply(self) -> None:
        if self.config.book_edition != "student":
            return
        removed = self.env.__dict__.setdefault("student_removed_labels", {})
        labels = removed.setdefault(self.env.docname, set())
        for node in list(self.document.findall(lambda n: isinstance(
                n, (solution_node, solution_start_node, solution_end_node)))):
            for name in node.get("names", []):
                labels.add(name)
                self.document.nameids.pop(name, None)
                self.document.nametypes.pop(name, None)
            for node_id in node.get("ids", []):
                labels.add(node_id)
                self.document.ids.pop(node_id, None)
            if node.get("label"):
                labels.add(node["label"])
                getattr(self.env, "sphinx_exercise_registry", {}).pop(node["label"], None)
            node.parent.remove(node)


def purge(app, env, docname) -> None:
    getattr(env, "student_removed_labels", {}).pop(docname, None)


def merge(app, env, docnames, other) -> None:
    env.__dict__.setdefault("student_removed_labels", {}).update(getattr(other, "student_removed_labels", {}))


def unlink_removed(app, env, node, contnode):
    """A reference to a removed solution becomes its text, without a link."""
    if not is_student(app):
        return None
    target = node.get("reftarget", "")
    if any(target in labels for labels in getattr(env, "student_removed_labels", {}).values()):
        return contnode
    return None


def student_sources(app, exception) -> None:
    """The chapters offered for download lose their solutions too."""
    if exception is not None or not is_student(app) or app.builder.format != "html":
        return
    tools = str(Path(__file__).resolve().parents[1] / "tools")       # tools/course.py of this repository
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import course

    sources = Path(app.outdir) / "_sources"
    for path in sources.glob("**/*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        nbformat.write(course.student_notebook(notebook), path)


def setup(app):
    app.add_config_value("book_edition", edition(), "env")
    app.connect("config-inited", configure, priority=100)        # before myst-nb reads its settings
    app.add_transform(RemoveSolutions)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("missing-reference", unlink_removed)
    app.connect("build-finished", student_sources)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
