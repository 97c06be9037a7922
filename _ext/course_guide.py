"""Tables and the prerequisite graph of the teacher's guide, computed from the chapters at build time.

Three directives, used in ``teachers_guide.md``:

- ``{course-chapters}``: each chapter with its learning objectives (the list
  after "After this chapter you will be able to" in its overview), its
  prerequisites (the {doc} links of its "Prerequisites" paragraph) and an
  estimate of the time it takes;
- ``{course-exercises}``: one table per chapter, each exercise with its kind
  (the ``:class:`` of the directive), what it suits (class or homework), how it
  is graded and an estimate of its time;
- ``{course-prerequisites}``: the prerequisite graph as a figure drawn with
  matplotlib in the book's palette, with alt text that states every arrow.

Everything is read from ``chapters/*.ipynb`` by ``tools/course.py``, so the
guide stays true as chapters are added or changed: each chapter is a
dependency of the page, which Sphinx re-reads when a chapter changes.
"""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

USES = {
    "derivation": "homework: pen and paper, at the student's pace",
    "experiment": "class: a lab session, then a discussion of what the runs show",
    "implementation": "class or homework: the check gives immediate feedback",
}
GRADING = {
    "derivation": "by hand (worked solution for the grader)",
    "experiment": "by hand (worked solution for the grader)",
    "implementation": "automatically, by its check function",
}


def _course(srcdir):
    tools = str(Path(__file__).resolve().parents[1] / "tools")       # tools/course.py of this repository
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import course

    return course


def _duration(minutes: float) -> str:
    minutes = int(5 * round(minutes / 5))
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d}" if hours else f"{rest} min"


class CourseDirective(SphinxDirective):
    has_content = False
    option_spec = {"name": str}

    def chapters(self):
        course = _course(self.env.srcdir)
        found = course.chapters(Path(self.env.srcdir), toc_only=True)     # the site has only these
        for chapter in found:
            self.env.note_dependency(str(chapter.path))
        self.env.note_dependency(str(Path(self.env.srcdir) / "_toc.yml"))
        return course, found

    def parse(self, markdown: str) -> list[nodes.Node]:
        container = nodes.container()
        self.state.nested_parse(StringList(markdown.split("\n"), source=self.env.docname),
                                self.content_offset, container)
        return container.children


class CourseChapters(CourseDirective):
    """Objectives, prerequisites and estimated time of every chapter."""

    def run(self):
        course, chapters = self.chapters()
        known = {c.stem for c in chapters}
        rows = ["```{list-table} Learning objectives, prerequisites and time of each chapter",
                ":header-rows: 1", ":widths: 22 50 14 14", ":name: table-course-chapters", "",
                "* - Chapter", "  - After it, the student will be able to", "  - Builds on",
                "  - Time (estimate)"]
        for chapter in chapters:
            objectives = chapter.objectives or ["(the chapter's overview lists no objectives)"]
            prerequisites = chapter.prerequisites(known)
            builds_on = ", ".join(f"{{doc}}`/chapters/{p}`" for p in prerequisites) or "—"
            rows.append(f"* - {{doc}}`/chapters/{chapter.stem}`")
            rows.append(f"  - {objectives[0] if len(objectives) == 1 else ''}")
            if len(objectives) > 1:
                rows[-1] = "  - " + "\n    ".join(f"{i}. {o}" for i, o in enumerate(objectives, 1))
            rows.append(f"  - {builds_on}")
            rows.append(f"  - reading and running: {_duration(chapter.reading_minutes())}; "
                        f"its {len(chapter.exercises)} exercises: {_duration(chapter.exercise_minutes())}")
        rows.append("```")
        return self.parse("\n".join(rows))


class CourseExercises(CourseDirective):
    """One table per chapter: each exercise, its kind, what it suits, how it is graded."""

    def run(self):
        course, chapters = self.chapters()
        blocks = []
        for chapter in chapters:
            rows = [f"```{{list-table}} The exercises of \"{chapter.title}\"",
                    ":header-rows: 1", ":widths: 34 14 30 22", f":name: table-course-{chapter.stem}", "",
                    "* - Exercise", "  - Kind (time)", "  - Suits", "  - Graded"]
            for exercise in chapter.exercises:
                kind = exercise.kind or "unclassified"
                minutes = course.MINUTES_PER_EXERCISE.get(exercise.kind, 30)
                rows.append(f"* - {{numref}}`{exercise.label}`: {exercise.title}")
                rows.append(f"  - {kind} ({minutes} min)")
                rows.append(f"  - {USES.get(kind, 'class or homework')}")
                rows.append(f"  - {GRADING.get(kind, 'by hand')}")
            if not chapter.exercises:
                rows += ["* - (no exercises yet)", "  - —", "  - —", "  - —"]
            rows.append("```")
            blocks.append("\n".join(rows))
        return self.parse("\n\n".join(blocks))


def levels(stems: list[str], prerequisites: dict[str, list[str]]) -> dict[str, int]:
    """The length of the longest chain of prerequisites leading to each chapter."""
    depth: dict[str, int] = {}

    def visit(stem, seen=()):
        if stem not in depth:
            if stem in seen:                      # a cycle: stop rather than recurse for ever
                return 0
            depth[stem] = 1 + max((visit(p, seen + (stem,)) for p in prerequisites[stem]), default=-1)
        return depth[stem]

    for stem in stems:
        visit(stem)
    return depth


def reduced_edges(stems: list[str], prerequisites: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The arrows (prerequisite, chapter), without those implied by a longer path."""

    def reachable(start, goal, skip):
        stack, seen = [start], set()
        while stack:
            node = stack.pop()
            for p in prerequisites[node]:
                if (node, p) == skip or p in seen:
                    continue
                if p == goal:
                    return True
                seen.add(p)
                stack.append(p)
        return False

    return [(p, s) for s in stems for p in prerequisites[s] if not reachable(s, p, (s, p))]


def _text_colour(background: str) -> str:
    """Black on light boxes, white on dark ones (relative luminance)."""
    r, g, b = (int(background[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"


def draw_graph(chapters, parts: dict[str, str], target: Path) -> str:
    """Draw the prerequisite graph into ``target`` (PNG); returns its alt text."""
    import matplotlib

    matplotlib.use("Agg")
    from optlib.plotting import PALETTE, new_figure, use_book_style

    use_book_style()
    stems = [c.stem for c in chapters]
    titles = {c.stem: c.title for c in chapters}
    known = set(stems)
    prerequisites = {c.stem: c.prerequisites(known) for c in chapters}
    depth = levels(stems, prerequisites)
    edges = reduced_edges(stems, prerequisites)
    captions = list(dict.fromkeys(parts.get(s, "Other chapters") for s in stems))
    colours = {caption: PALETTE[i % 6] for i, caption in enumerate(captions)}
    colour_names = ["blue", "vermillion", "bluish green", "reddish purple", "orange", "sky blue"]

    # Layers by depth; an arrow that skips columns runs through a waypoint in each column it
    # crosses, so that no arrow passes behind a box (a small Sugiyama-style layout).
    chains, predecessors = {}, {stem: list(prerequisites[stem]) for stem in stems}
    columns: dict[int, list] = {}
    for stem in stems:
        columns.setdefault(depth[stem], []).append(stem)
    for prerequisite, stem in edges:
        chain = [prerequisite] + [("via", prerequisite, stem, level)
                                  for level in range(depth[prerequisite] + 1, depth[stem])] + [stem]
        for a, b in zip(chain[1:-1], chain[:-2]):
            columns[a[3]].append(a)
            predecessors[a] = [b]
        chains[(prerequisite, stem)] = chain
    position = {}
    for level in sorted(columns):          # each column ordered by where its predecessors sit
        members = columns[level]
        if level:
            members.sort(key=lambda n: -sum(position[p][1] for p in predecessors.get(n, []) if p in position)
                         / max(1, len(predecessors.get(n, []))))
        for row, node in enumerate(members):
            position[node] = (level, (len(members) - 1) / 2 - row)
    height = max(len(c) for c in columns.values())
    fig, ax = new_figure(width=max(6.4, 2.3 * len(columns)), height=max(2.6, 0.9 * height + 1.0))
    boxes = {}
    for stem in stems:
        (x, y), caption = position[stem], parts.get(stem, "Other chapters")
        boxes[stem] = ax.text(x, y, "\n".join(textwrap.wrap(titles[stem], 16)), ha="center", va="center",
                              fontsize=9, color=_text_colour(colours[caption]), zorder=3,
                              bbox=dict(boxstyle="round,pad=0.45", facecolor=colours[caption],
                                        edgecolor="none"))
    line = dict(color="0.25", lw=1.3)
    for chain in chains.values():          # from the right edge of one box to the left edge of the next
        points = [position[n] for n in chain[1:-1]]
        if not points:
            ax.annotate("", xy=(0, 0.5), xycoords=boxes[chain[-1]], xytext=(1, 0.5),
                        textcoords=boxes[chain[0]], arrowprops=dict(arrowstyle="-|>", shrinkA=7, shrinkB=7, **line))
            continue
        ax.annotate("", xy=points[0], xytext=(1, 0.5), textcoords=boxes[chain[0]],
                    arrowprops=dict(arrowstyle="-", shrinkA=7, shrinkB=0, **line))
        ax.plot(*zip(*points), **line)
        ax.annotate("", xy=(0, 0.5), xycoords=boxes[chain[-1]], xytext=points[-1], textcoords="data",
                    arrowprops=dict(arrowstyle="-|>", shrinkA=0, shrinkB=7, **line))
    for caption in captions:
        ax.plot([], [], "s", color=colours[caption], markersize=9, label=caption)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=min(3, len(captions)), frameon=False,
              fontsize=9)
    ax.set_xlim(-0.6, max(columns) + 0.6)
    ax.set_ylim(-height / 2 - 0.1, height / 2 + 0.1)
    ax.set_axis_off()
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=150, bbox_inches="tight")

    followers = {}
    for prerequisite, stem in edges:
        followers.setdefault(prerequisite, []).append(titles[stem])
    arrows = "; ".join(f"“{titles[p]}” leads to " + " and ".join(f"“{t}”" for t in f)
                       for p, f in followers.items()) or "none"
    legend = "; ".join(f"{colour_names[i % 6]} boxes: {caption}" for i, caption in enumerate(captions))
    return (f"The prerequisite graph of the book's {len(stems)} chapters, drawn as boxes from left to "
            f"right in the order they can be read, with an arrow from each chapter to the chapters that "
            f"build on it directly. Arrows: {arrows}. Colours mark the parts of the book: {legend}.")


class CoursePrerequisites(CourseDirective):
    """The prerequisite graph of the chapters, as a captioned figure with alt text."""

    def run(self):
        course, chapters = self.chapters()
        target = Path(self.env.app.doctreedir) / "course_guide" / "prerequisites.png"
        alt = draw_graph(chapters, course.toc_parts(Path(self.env.srcdir)), target)
        docdir = Path(self.env.doc2path(self.env.docname)).parent
        relative = os.path.relpath(target, docdir)
        name = self.options.get("name", "fig-course-prerequisites")
        figure = "\n".join([
            f"```{{figure}} {relative}", f":name: {name}", f":alt: {alt}", ":width: 100%", "",
            "Which chapter builds on which, from the prerequisites each chapter's overview names "
            "(an arrow implied by a longer path is left out). A course can follow any order that "
            "goes along the arrows.", "```"])
        return self.parse(figure)


def setup(app):
    app.add_directive("course-chapters", CourseChapters)
    app.add_directive("course-exercises", CourseExercises)
    app.add_directive("course-prerequisites", CoursePrerequisites)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
