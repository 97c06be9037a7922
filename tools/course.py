"""The course material of the chapters, read in one place: exercises, solutions, objectives.

The course kit reads the chapter notebooks through this module: the student
edition (``_ext/student_edition.py``), the assignments and their grading
(``tools/assignments.py``, ``tools/grade.py``), the teacher's guide
(``_ext/course_guide.py``) and the tests. It parses the conventions every
chapter follows (``/tmp/nbgen/COURSE_CONVENTIONS.md``, summarised in the
teacher's guide):

- an exercise is a ``{exercise}`` directive labelled ``<chapter>-ex<n>`` whose
  ``:class:`` names its kind: derivation, experiment or implementation;
- its worked solution is a ``{solution}`` directive, or the cells between
  ``{solution-start}`` and ``{solution-end}`` (a *gated* solution);
- an implementation exercise's gated solution has one code cell tagged
  ``answer`` (with ``metadata.course.scaffold``, the student's starting point)
  and, next, one tagged ``check`` that calls a function of ``optlib.checks``.

Nothing here imports Sphinx: it works on the notebooks alone (nbformat).
"""

from __future__ import annotations

import ast
import base64
import functools
import hashlib
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS_DIR = ROOT / "chapters"
KINDS = ("derivation", "experiment", "implementation")

#: Minutes a student needs, on average, for one exercise of each kind (the teacher's guide
#: says these are estimates to adjust).
MINUTES_PER_EXERCISE = {"derivation": 30, "experiment": 30, "implementation": 20}
#: Reading speed for technical prose with mathematics, in words per minute, and the time to
#: read and run one code cell.
WORDS_PER_MINUTE = 100
MINUTES_PER_CODE_CELL = 0.5

GLUE_PREFIX = "application/papermill.record/"
FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:.-]+)\}[ \t]*(?P<argument>.*?)\s*$")
OPTION = re.compile(r"^:(?P<key>[\w-]+):[ \t]*(?P<value>.*?)\s*$")


# ---------------------------------------------------------------------------
# Markdown directives and the token stream of a notebook
# ---------------------------------------------------------------------------


@dataclass
class Directive:
    """One MyST directive of a markdown cell: ``{name} argument``, its options and body."""

    name: str
    argument: str
    options: dict
    body: str
    raw: str


@dataclass
class Text:
    """Markdown outside directives (or inside a gated solution)."""

    text: str


@dataclass
class Code:
    """A code cell."""

    cell: nbformat.NotebookNode


def _closes(line: str, char: str, length: int) -> bool:
    stripped = line.strip()
    return len(stripped) >= length and set(stripped) == {char}


def split_markdown(source: str) -> list[Text | Directive]:
    """Split a markdown cell into plain text and top-level directives (``` or ::: fences)."""
    lines = source.split("\n")
    pieces: list[Text | Directive] = []
    text: list[str] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            text.append(lines[i])
            i += 1
            continue
        if text:
            pieces.append(Text("\n".join(text)))
            text = []
        fence = match["fence"]
        char, length = fence[0], len(fence)
        j, inner = i + 1, []                       # inner: the fences opened inside the body
        while j < len(lines):
            stripped = lines[j].strip()
            if inner and _closes(lines[j], inner[-1][0], inner[-1][1]) and stripped == stripped[0] * len(stripped):
                inner.pop()
            elif not inner and _closes(lines[j], char, length):
                break
            elif stripped.startswith(("```", ":::")):
                opening = re.match(r"^(`{3,}|:{3,})", stripped)
                if opening and len(stripped) > len(opening[1]):     # an opening fence, not a bare close
                    inner.append((opening[1][0], len(opening[1])))
            j += 1
        body_lines = lines[i + 1:j]
        options = {}
        k = 0
        if body_lines and body_lines[0].strip() == "---":            # YAML options block
            end = next((n for n in range(1, len(body_lines)) if body_lines[n].strip() == "---"), None)
            if end is not None:
                options = yaml.safe_load("\n".join(body_lines[1:end])) or {}
                k = end + 1
        while k < len(body_lines) and OPTION.match(body_lines[k]):
            option = OPTION.match(body_lines[k])
            options[option["key"]] = option["value"]
            k += 1
        body = "\n".join(body_lines[k:]).strip("\n")
        pieces.append(Directive(match["name"], match["argument"], options, body,
                                "\n".join(lines[i:j + 1])))
        i = j + 1
    if text:
        pieces.append(Text("\n".join(text)))
    return pieces


def tokens(nb) -> list[Text | Directive | Code]:
    """The notebook as one stream: markdown text, directives and code cells, in order."""
    stream: list[Text | Directive | Code] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            stream.extend(split_markdown(cell.source))
        elif cell.cell_type == "code":
            stream.append(Code(cell))
    return stream


# ---------------------------------------------------------------------------
# Exercises and their solutions
# ---------------------------------------------------------------------------


@dataclass
class Exercise:
    """An exercise of a chapter and its worked solution.

    ``solution`` is a list of ``("markdown", text)`` and ``("code", cell)`` parts in order;
    ``gated`` tells whether it came from ``{solution-start}``/``{solution-end}``.
    """

    chapter: str
    label: str
    title: str
    classes: list[str]
    statement: str
    solution: list = field(default_factory=list)
    solved: bool = False
    gated: bool = False
    solution_options: dict = field(default_factory=dict)

    @property
    def number(self) -> int:
        match = re.search(r"-ex(\d+)$", self.label)
        return int(match[1]) if match else 0

    @property
    def kinds(self) -> list[str]:
        return [c for c in self.classes if c in KINDS]

    @property
    def kind(self) -> str | None:
        kinds = self.kinds
        return kinds[0] if len(kinds) == 1 else None

    def code_cells(self, tag: str | None = None) -> list:
        cells = [part for kind, part in self.solution if kind == "code"]
        return [c for c in cells if tag is None or tag in c.metadata.get("tags", [])]

    @property
    def answer(self):
        cells = self.code_cells("answer")
        return cells[0] if len(cells) == 1 else None

    @property
    def check(self):
        cells = self.code_cells("check")
        return cells[0] if len(cells) == 1 else None

    @property
    def scaffold(self) -> str | None:
        answer = self.answer
        return None if answer is None else answer.metadata.get("course", {}).get("scaffold")

    def solution_markdown(self) -> str:
        return "\n\n".join(part for kind, part in self.solution if kind == "markdown").strip()

    def solution_code(self) -> str:
        return "\n\n".join(cell.source for cell in self.code_cells()).strip()


def exercises(nb, chapter: str) -> list[Exercise]:
    """The exercises of a chapter notebook, each with its solution, in order."""
    found: dict[str, Exercise] = {}
    gated: Exercise | None = None
    for token in tokens(nb):
        if gated is not None:
            if isinstance(token, Directive) and token.name == "solution-end":
                gated = None
            elif isinstance(token, Code):
                gated.solution.append(("code", token.cell))
            else:
                text = token.text if isinstance(token, Text) else token.raw
                if text.strip():
                    gated.solution.append(("markdown", text.strip("\n")))
            continue
        if not isinstance(token, Directive):
            continue
        if token.name in ("exercise", "exercise-start"):
            label = token.options.get("label", "")
            classes = str(token.options.get("class", "")).split()
            found[label] = Exercise(chapter, label, token.argument, classes, token.body)
        elif token.name in ("solution", "solution-start"):
            exercise = found.get(token.argument)
            if exercise is None:                # a solution before its exercise: keep it apart
                exercise = found.setdefault(token.argument, Exercise(chapter, token.argument, "", [], ""))
            exercise.solved = True
            exercise.gated = token.name == "solution-start"
            exercise.solution_options = dict(token.options)
            exercise.solution = [("markdown", token.body)] if token.body.strip() else []
            if exercise.gated:
                gated = exercise
    return [e for e in found.values() if e.statement or e.title]


# ---------------------------------------------------------------------------
# The overview: title, objectives, prerequisites; glued values
# ---------------------------------------------------------------------------


def overview(nb) -> str:
    """The markdown before the first code cell (title, overview, objectives, prerequisites)."""
    text = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            break
        if cell.cell_type == "markdown":
            text.append(cell.source)
    return "\n\n".join(text)


def title(nb) -> str:
    match = re.search(r"^# (.+)$", overview(nb) or markdown_of(nb), flags=re.M)
    return match[1].strip() if match else ""


def markdown_of(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def objectives(nb) -> list[str]:
    """The items of the list after "After this chapter you will be able to"."""
    lines = overview(nb).split("\n")
    start = next((i for i, line in enumerate(lines) if "after this chapter you will be able to" in line.lower()),
                 None)
    if start is None:
        return []
    items: list[str] = []
    for line in lines[start + 1:]:
        item = re.match(r"^\s{0,3}(?:\d+[.)]|[-*+])\s+(.*)$", line)
        if item:
            items.append(item[1].strip())
        elif items and line.strip() and line.startswith((" ", "\t")):
            items[-1] += " " + line.strip()
        elif items and not line.strip():
            continue
        elif items:
            break
    return items


def doc_links(text: str) -> list[str]:
    """The targets of the {doc} roles in ``text`` (``{doc}`title <target>``` gives target)."""
    targets = []
    for content in re.findall(r"\{doc\}`([^`]+)`", text):
        explicit = re.match(r"^.*<([^>]+)>\s*$", content)
        targets.append((explicit[1] if explicit else content).strip())
    return targets


def resolve_doc(target: str, current: str = "chapters/x") -> str:
    """A {doc} target, relative to the document ``current`` (or absolute with /), as a docname."""
    if target.startswith("/"):
        return target.lstrip("/")
    parts = current.split("/")[:-1] + target.split("/")
    resolved: list[str] = []
    for part in parts:
        if part == "..":
            if resolved:
                resolved.pop()
        elif part not in ("", "."):
            resolved.append(part)
    return "/".join(resolved)


def prerequisites(nb, chapter: str, known: set[str] | None = None) -> list[str]:
    """The chapters (stems) the overview names as prerequisites with {doc} links.

    The paragraph that starts with "Prerequisites" is used when there is one, else the
    whole overview. Only links to chapters (``chapters/<stem>``) count.
    """
    text = overview(nb)
    paragraphs = re.split(r"\n\s*\n", text)
    chosen = [p for p in paragraphs if re.match(r"^\W*prerequisites", p.strip(), flags=re.I)]
    links = doc_links("\n".join(chosen) if chosen else text)
    found = []
    for target in links:
        docname = resolve_doc(target, f"chapters/{chapter}")
        if docname.startswith("chapters/"):
            stem = docname.split("/", 1)[1]
            if stem != chapter and stem not in found and (known is None or stem in known):
                found.append(stem)
    return found


def glue_values(nb) -> dict:
    """The glued values of an executed notebook: name -> number (or text)."""
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is None:
                continue
            data = output.get("data", {})
            text = data.get(GLUE_PREFIX + "text/plain", data.get("text/plain"))
            if isinstance(text, list):
                text = "".join(text)
            try:
                values[name] = ast.literal_eval(text)
            except (ValueError, SyntaxError, TypeError):
                values[name] = text
    return values


# ---------------------------------------------------------------------------
# Chapters, their order and reading time
# ---------------------------------------------------------------------------


@dataclass
class Chapter:
    stem: str
    path: Path
    nb: nbformat.NotebookNode

    @functools.cached_property
    def title(self) -> str:
        return title(self.nb)

    @functools.cached_property
    def exercises(self) -> list[Exercise]:
        return exercises(self.nb, self.stem)

    @functools.cached_property
    def objectives(self) -> list[str]:
        return objectives(self.nb)

    @functools.cached_property
    def glue(self) -> dict:
        return glue_values(self.nb)

    @property
    def is_optimizer_chapter(self) -> bool:
        """An optimizer chapter has an algorithm box (every chapter so far)."""
        return "{prf:algorithm}" in markdown_of(self.nb)

    def prerequisites(self, known: set[str] | None = None) -> list[str]:
        return prerequisites(self.nb, self.stem, known)

    @functools.cached_property
    def setup_cell(self):
        return next(c for c in self.nb.cells if c.cell_type == "code")

    def reading_minutes(self) -> float:
        """Reading and running the chapter (not its solutions), from its words and code cells."""
        student = student_notebook(self.nb)
        words = len(re.findall(r"[^\W\d_]+", markdown_of(student)))
        cells = sum(c.cell_type == "code" for c in student.cells)
        return words / WORDS_PER_MINUTE + MINUTES_PER_CODE_CELL * cells

    def exercise_minutes(self) -> int:
        return sum(MINUTES_PER_EXERCISE.get(e.kind, 30) for e in self.exercises)


def toc_order(root: Path = ROOT, toc_only: bool = False) -> list[str]:
    """Chapter stems in the order of _toc.yml, then (unless ``toc_only``) the chapters not yet
    in it, alphabetically."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    listed = [entry["file"].split("/", 1)[1] for part in toc.get("parts", [])
              for entry in part.get("chapters", []) if entry["file"].startswith("chapters/")]
    present = sorted(p.stem for p in (root / "chapters").glob("*.ipynb"))
    return [s for s in listed if s in present] + ([] if toc_only else [s for s in present if s not in listed])


def toc_parts(root: Path = ROOT) -> dict[str, str]:
    """Chapter stem -> the caption of its part in _toc.yml."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    return {entry["file"].split("/", 1)[1]: part.get("caption", "")
            for part in toc.get("parts", []) for entry in part.get("chapters", [])
            if entry["file"].startswith("chapters/")}


def load_chapter(path: Path) -> Chapter:
    path = Path(path)
    return Chapter(path.stem, path, nbformat.read(path, as_version=4))


def chapters(root: Path = ROOT, toc_only: bool = False) -> list[Chapter]:
    """Every chapter in chapters/ (only those in _toc.yml if ``toc_only``), in the order of the
    table of contents."""
    return [load_chapter(root / "chapters" / f"{stem}.ipynb") for stem in toc_order(root, toc_only)]


# ---------------------------------------------------------------------------
# Removing solutions: the student's version of a chapter notebook
# ---------------------------------------------------------------------------


def _strip_solutions_from_markdown(source: str, in_gate: bool) -> tuple[str, bool]:
    """Drop solution directives (and text inside a gate) from one markdown cell."""
    kept: list[str] = []
    for piece in split_markdown(source):
        if isinstance(piece, Directive) and piece.name == "solution-end":
            in_gate = False
        elif isinstance(piece, Directive) and piece.name == "solution-start":
            in_gate = True
        elif isinstance(piece, Directive) and piece.name == "solution":
            continue
        elif not in_gate:
            kept.append(piece.text if isinstance(piece, Text) else piece.raw)
    return "\n".join(kept).strip("\n"), in_gate


def student_notebook(nb):
    """A copy of a chapter notebook with every solution removed (directives and gated cells)."""
    copy = nbformat.from_dict(nb)
    cells, in_gate = [], False
    for cell in copy.cells:
        if cell.cell_type == "markdown":
            source, in_gate = _strip_solutions_from_markdown(cell.source, in_gate)
            if source.strip() or not cell.source.strip():     # drop cells that held only solutions
                cell.source = source
                cells.append(cell)
        elif not in_gate:
            cells.append(cell)
    copy.cells = cells
    return copy


# ---------------------------------------------------------------------------
# MyST to plain Jupyter markdown (for the assignment notebooks)
# ---------------------------------------------------------------------------


def book_url(root: Path = ROOT) -> str:
    """The published site: https://<owner>.github.io/<repository> from _config.yml."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    url = config.get("html", {}).get("baseurl") or ""
    if url:
        return url.rstrip("/")
    match = re.match(r"https://github\.com/([^/]+)/([^/]+?)/?$", config["repository"]["url"])
    return f"https://{match[1]}.github.io/{match[2]}" if match else config["repository"]["url"]


@functools.lru_cache(maxsize=None)
def _bibliography(path: str):
    import pybtex.database

    return pybtex.database.parse_file(path).entries


def _cite(keys: str, parenthetical: bool, root: Path) -> str:
    entries = _bibliography(str(root / "references.bib"))
    parts = []
    for key in (k.strip() for k in keys.split(",")):
        entry = entries.get(key)
        if entry is None:
            parts.append(key)
            continue
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [" ".join(p.last_names) for p in people]
        who = (names[0] if len(names) == 1 else f"{names[0]} and {names[1]}" if len(names) == 2
               else f"{names[0]} et al." if names else entry.fields.get("title", key))
        who = re.sub(r"[{}\\]", "", who)
        year = entry.fields.get("year", "n.d.")
        parts.append(f"{who}, {year}" if parenthetical else f"{who} ({year})")
    return f"({'; '.join(parts)})" if parenthetical else "; ".join(parts)


@functools.lru_cache(maxsize=None)
def _doc_title(docname: str, root: str) -> str:
    for suffix in (".ipynb", ".md"):
        path = Path(root) / f"{docname}{suffix}"
        if path.exists():
            text = markdown_of(nbformat.read(path, as_version=4)) if suffix == ".ipynb" else path.read_text()
            match = re.search(r"^# (.+)$", text, flags=re.M)
            if match:
                return match[1].strip()
    return docname.rsplit("/", 1)[-1].replace("_", " ")


def _format_glue(value, spec: str) -> str:
    try:
        return format(value, spec) if spec else str(value)
    except (TypeError, ValueError):
        return str(value)


def jupyter_markdown(text: str, chapter: str, glue: dict | None = None, root: Path = ROOT) -> str:
    """MyST markdown of a chapter rewritten for plain Jupyter: roles become text and links.

    Glued numbers are filled in from ``glue``; {eq}, {numref}, {ref} and {doc} become links
    to the published chapter; citations become "Author et al. (year)".
    """
    glue = glue or {}
    base = book_url(root)
    page = f"{base}/chapters/{chapter}.html"

    def role(match: re.Match) -> str:
        name, content = match["name"], match["content"]
        explicit = re.match(r"^(.*?)\s*<([^>]+)>\s*$", content, flags=re.S)
        shown, target = (explicit[1], explicit[2]) if explicit else (None, content)
        if name in ("glue", "glue:text", "glue:any", "glue:md"):
            key, _, spec = target.partition(":")
            return _format_glue(glue.get(key, key), spec)
        if name == "eq":
            return f"[equation ({target})]({page}#equation-{target})"
        if name == "numref":
            return f"[{shown or target}]({page}#{target})"
        if name == "ref":
            return f"[{shown or target}]({page}#{target})"
        if name == "doc":
            docname = resolve_doc(target, f"chapters/{chapter}")
            return f"[{shown or _doc_title(docname, str(root))}]({base}/{docname}.html)"
        if name in ("cite", "cite:p", "cite:ps"):
            return _cite(target, True, root)
        if name in ("cite:t", "cite:ts"):
            return _cite(target, False, root)
        if name == "math":
            return f"${content}$"
        return shown or target

    text = re.sub(r"\{(?P<name>[\w:]+)\}`(?P<content>[^`]+)`", role, text)
    text = re.sub(r"^\([\w:-]+\)=\s*$\n?", "", text, flags=re.M)          # MyST targets
    out = []
    for piece in split_markdown(text):
        if isinstance(piece, Text):
            out.append(piece.text)
        elif piece.name == "math":
            out.append(f"$$\n{piece.body}\n$$")
        else:
            out.append(piece.body)
    return "\n".join(out).strip("\n")


# ---------------------------------------------------------------------------
# Fingerprints of solutions: what must not appear where solutions are removed
# ---------------------------------------------------------------------------

NGRAM = 8
MIN_LINE = 24
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$|\\\(.*?\\\)|\\\[.*?\\\]|\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S)
_ROLE = re.compile(r"\{[\w:]+\}`[^`]*`")


def _words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[^\W\d_]+", text)]


def prose_segments(markdown: str) -> list[list[str]]:
    """The words of a piece of markdown, in segments that math, roles and directives split."""
    pieces = []
    for piece in split_markdown(markdown):
        if isinstance(piece, Directive):
            if piece.name != "math":
                pieces.append(piece.body)
        else:
            pieces.append(piece.text)
    text = "\n\n".join(pieces)
    text = _MATH.sub("\x00", text)
    text = _ROLE.sub("\x00", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)                  # [text](url) -> text
    text = re.sub(r"^\s*:[\w-]+:.*$", "\x00", text, flags=re.M)          # directive options
    return [_words(segment) for segment in re.split(r"\x00|\n\s*\n", text)]


def ngrams(words: list[str], n: int = NGRAM) -> set[str]:
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", html.unescape(text))


def _output_texts(cell) -> list[str]:
    texts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            texts.append("".join(output.get("text", "")))
        elif output.get("output_type") in ("execute_result", "display_data"):
            data = output.get("data", {})
            if "text/plain" in data and not any(k.startswith(GLUE_PREFIX) for k in data):
                texts.append("".join(data["text/plain"]))
        elif output.get("output_type") == "error":
            texts.append("\n".join(output.get("traceback", [])))
    return texts


def _pngs(cell) -> set[str]:
    digests = set()
    for output in cell.get("outputs", []):
        png = output.get("data", {}).get("image/png")
        if png:
            digests.add(hashlib.sha256(base64.b64decode("".join(png))).hexdigest())
    return digests


@dataclass
class Fingerprints:
    """What identifies one solution: word n-grams of its prose, its longer code and output
    lines (whitespace removed), and the hashes of its images."""

    label: str
    phrases: set = field(default_factory=set)
    lines: set = field(default_factory=set)
    images: set = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.phrases or self.lines or self.images)

    def found_in(self, haystack: "Haystack") -> list[str]:
        """The fingerprints present in ``haystack`` (empty when the solution is absent)."""
        found = [p for p in self.phrases if f" {p} " in haystack.words]
        found += [line for line in self.lines if line in haystack.code]
        found += [f"image {d[:12]}" for d in self.images if d in haystack.images]
        return found


@dataclass
class Haystack:
    """Text to search: words separated by single spaces, code with whitespace removed, image hashes."""

    words: str
    code: str
    images: set

    @classmethod
    def from_texts(cls, prose: list[str], code: list[str], images: set | None = None) -> "Haystack":
        words = " ".join(" ".join(w for segment in prose_segments(t) for w in segment) for t in prose)
        # a page shows its code as text too (from_html reads both), so code is also words
        code_words = " ".join(" ".join(_words(c)) for c in code)
        return cls(f" {words} {code_words} ", "".join(_squeeze(c) for c in code), set(images or ()))

    @classmethod
    def from_html(cls, pages: list[str], images: set | None = None) -> "Haystack":
        from bs4 import BeautifulSoup

        words, code = [], []
        for page in pages:
            soup = BeautifulSoup(page, "html.parser")
            for element in soup(["script", "style"]):
                element.decompose()
            for element in soup.select(".math, mjx-container"):
                element.replace_with(" ")
            code.append(soup.get_text(""))
            words.append(" ".join(_words(soup.get_text(" "))))
        return cls(f" {' '.join(words)} ", "".join(_squeeze(c) for c in code), set(images or ()))


def _notebook_haystack(cells) -> Haystack:
    prose, code, images = [], [], set()
    for cell in cells:
        if cell.cell_type == "markdown":
            prose.append(cell.source)
            code.append(cell.source)
        else:
            code.append(cell.source)
            code.extend(_output_texts(cell))
            prose.extend(_output_texts(cell))
            images |= _pngs(cell)
    return Haystack.from_texts(prose, code, images)


def notebook_haystack(nb) -> Haystack:
    """Everything a reader of a notebook sees: markdown, code, text outputs, images."""
    return _notebook_haystack(nb.cells)


def solution_fingerprints(chapter: Chapter, handed_out: bool = False,
                          visible: Haystack | None = None) -> list[Fingerprints]:
    """The fingerprints of each solution of a chapter, less anything that also appears in
    the rest of the chapter (which a student edition keeps), or in ``visible`` (for a whole
    site: every chapter without its solutions, see :func:`visible_haystack`).

    With ``handed_out``, the cells an assignment gives students on purpose are left out:
    the ``check`` cells and the import cells before an ``answer``.
    """
    rest = visible or notebook_haystack(student_notebook(chapter.nb))
    result = []
    for exercise in chapter.exercises:
        prints = Fingerprints(exercise.label)
        given = []
        if handed_out and exercise.answer is not None:
            cells = exercise.code_cells()
            given = [c for c in cells[:cells.index(exercise.answer)] if is_import_only(c.source)]
            given += exercise.code_cells("check")
        for kind, part in exercise.solution:
            if kind == "code" and any(part is c for c in given):
                continue
            if kind == "markdown":
                for segment in prose_segments(part):
                    prints.phrases |= ngrams(segment)
            else:
                prints.lines |= {_squeeze(line) for line in part.source.split("\n")
                                 if len(_squeeze(line)) >= MIN_LINE}
                for text in _output_texts(part):
                    prints.lines |= {_squeeze(line) for line in text.split("\n")
                                     if len(_squeeze(line)) >= MIN_LINE}
                    for segment in prose_segments(text):
                        prints.phrases |= ngrams(segment)
                prints.images |= _pngs(part)
        prints.phrases = {p for p in prints.phrases if f" {p} " not in rest.words}
        prints.lines = {line for line in prints.lines if line not in rest.code}
        prints.images -= rest.images
        result.append(prints)
    return result


def visible_haystack(chapters_: list[Chapter]) -> Haystack:
    """What a student edition of these chapters legitimately shows: each without its solutions."""
    return _notebook_haystack([cell for c in chapters_ for cell in student_notebook(c.nb).cells])


def statement_fingerprints(exercise: Exercise) -> set[str]:
    """Word n-grams of an exercise's statement (what a student edition must keep)."""
    phrases = set()
    for segment in prose_segments(exercise.statement):
        phrases |= ngrams(segment)
    return phrases


def is_import_only(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    return bool(tree.body) and all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in tree.body)


def defined_functions(source: str) -> list[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [s.name for s in tree.body if isinstance(s, ast.FunctionDef)]


def called_checks(source: str) -> list[str]:
    """Names of optlib.checks functions the cell calls (``check_x(...)`` imported from
    optlib.checks, or ``optlib.checks.check_x(...)`` / ``checks.check_x(...)``)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    imported = {alias.asname or alias.name: alias.name for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module == "optlib.checks" for alias in node.names}
    calls = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in imported:
                calls.append(imported[func.id])
            elif isinstance(func, ast.Attribute) and ast.unparse(func.value) in ("optlib.checks", "checks"):
                calls.append(func.attr)
    return calls
