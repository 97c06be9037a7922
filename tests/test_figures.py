"""The canonical figures in figures/ are what optlib.figures draws now.

A code change that moves a figure fails here until ``make figures`` is run on
purpose. Baselines depend on matplotlib and FreeType, hence the pinned
matplotlib in requirements.txt.
"""

from pathlib import Path

import pytest
from matplotlib.testing.compare import compare_images

from optlib import figures

FIGURES_DIR = Path(__file__).resolve().parents[1] / "figures"


@pytest.mark.parametrize("name", sorted(figures.FIGURES))
def test_figure_matches_committed_baseline(name, tmp_path):
    baseline = FIGURES_DIR / f"{name}.png"
    assert baseline.exists(), f"figures/{name}.png is missing: run `make figures`"
    fresh = tmp_path / f"{name}.png"
    figures.FIGURES[name].make().savefig(fresh, dpi=100, metadata={"Software": None})
    difference = compare_images(str(baseline), str(fresh), tol=2)
    assert difference is None, f"{name} changed; if on purpose, run `make figures`: {difference}"


def test_every_committed_figure_is_made_by_code():
    committed = {path.stem for path in FIGURES_DIR.glob("*.png")}
    assert committed == set(figures.FIGURES), "figures/ must hold exactly the figures of optlib.figures"


@pytest.mark.parametrize("name", sorted(figures.FIGURES))
def test_every_figure_has_alt_text(name):
    assert len(figures.FIGURES[name].alt.split()) >= 12, f"{name}: alt text must describe the figure"
