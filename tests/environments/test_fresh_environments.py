"""Every chapter runs top to bottom where readers run it: Colab and Binder.

- *Colab-like*: a fresh virtual environment holding only numpy, matplotlib,
  ipywidgets and ipykernel. ``optlib`` is not installed, so each chapter's
  setup cell must install it; ``OPTLIB_SOURCE`` points that install at this
  checkout instead of the repository on GitHub, so the test runs offline.
  The chapters that run torch (Colab preinstalls it) run last, after torch
  is installed into the same environment.
- *Binder-like*: a fresh virtual environment made from ``requirements.txt``
  alone, as repo2docker makes it.

Both install under ``constraints.txt``: the packages are only those, at the
versions the book was last checked with, so that a release made since cannot
fail a run that nothing in the book changed.

Each environment gets its own Jupyter kernel; the chapters run in a copy of
``chapters/`` (the committed notebooks are not touched). Slow (several
minutes), so ``make test`` runs it as a separate step (``make environments``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import venv
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
#: Chapters that run torch: present in Colab, in requirements.txt for Binder.
TORCH_CHAPTERS = {"pytorch.ipynb"}
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"), key=lambda p: (p.name in TORCH_CHAPTERS, p.name))
COLAB_PACKAGES = ["numpy", "matplotlib", "ipywidgets", "ipykernel"]
#: The torch requirement of requirements.txt (the CPU build on the book's machines).
TORCH = next(line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.startswith("torch"))


def make_environment(directory: Path, install: list[str], cwd: Path) -> Path:
    """A fresh virtual environment in ``directory`` with ``pip install *install``; returns its python."""
    venv.EnvBuilder(with_pip=True, clear=True).create(directory)
    python = directory / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-qq", "-c", str(ROOT / "constraints.txt"), *install],
                   cwd=cwd, check=True)
    return python


def register_kernel(python: Path, jupyter_path: Path, name: str) -> None:
    """A kernelspec that starts ``python``'s ipykernel, findable through ``JUPYTER_PATH``."""
    spec = jupyter_path / "kernels" / name
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": name, "language": "python"}))


@pytest.fixture(scope="module", params=["colab", "binder"])
def environment(request, tmp_path_factory):
    """(kernel name, working directory with a copy of the chapters, extra environment variables)."""
    kind = request.param
    base = tmp_path_factory.mktemp(kind)
    if kind == "colab":
        python = make_environment(base / "venv", COLAB_PACKAGES, cwd=base)
        extra = {"OPTLIB_SOURCE": str(ROOT)}           # the setup cell installs optlib from here
        probe = subprocess.run([python, "-c", "import optlib"], capture_output=True, cwd=base)
        assert probe.returncode != 0, "the Colab-like environment must start without optlib"
    else:
        python = make_environment(base / "venv", ["-r", str(ROOT / "requirements.txt")], cwd=ROOT)
        extra = {}
    jupyter_path = base / "jupyter"
    register_kernel(python, jupyter_path, f"book-{kind}")
    workdir = base / "chapters"
    shutil.copytree(ROOT / "chapters", workdir)
    return f"book-{kind}", workdir, {"JUPYTER_PATH": str(jupyter_path), **extra}, python


@pytest.mark.parametrize("chapter", [p.name for p in CHAPTERS])
def test_chapter_runs_top_to_bottom(environment, chapter, monkeypatch):
    kernel, workdir, variables, python = environment
    if chapter in TORCH_CHAPTERS:      # as in Colab, where torch is preinstalled
        subprocess.run([python, "-m", "pip", "install", "-qq", "-c", str(ROOT / "constraints.txt"), TORCH],
                       check=True)
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    notebook = nbformat.read(workdir / chapter, as_version=4)
    client = NotebookClient(notebook, kernel_name=kernel, timeout=600,
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()          # raises CellExecutionError with the failing cell and traceback
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.output_type == "error"]
    assert not errors
