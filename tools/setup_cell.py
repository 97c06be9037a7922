"""The setup cell every chapter starts with, made from the repository URL in _config.yml.

``python tools/setup_cell.py`` prints it; ``tests/test_chapters.py`` checks that
the first code cell of every chapter is exactly this text, so the repository
is named in one place.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

TEMPLATE = '''\
# Setup: import optlib (installing it first in Colab or a fresh environment)
# and load the book's plotting style.
try:
    import optlib
except ImportError:
    import importlib, os, subprocess, sys
    source = os.environ.get("OPTLIB_SOURCE",
                            "optlib @ git+{url}")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", source],
                   check=True)
    importlib.invalidate_caches()
    import optlib
import numpy as np
import matplotlib.pyplot as plt
from optlib import analysis, figures, landscapes, plotting, problems, widgets
from optlib.notebook import glue, show_source
plotting.use_book_style()'''


def repository_url() -> str:
    """The repository URL of ``_config.yml`` (the one place that names it)."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/")


def setup_cell() -> str:
    """The exact source of every chapter's setup cell."""
    return TEMPLATE.format(url=repository_url())


if __name__ == "__main__":
    sys.stdout.write(setup_cell() + "\n")
