"""How long does an explorer take to recompute and redraw after a slider moves?

Builds ``optlib.widgets.explorer(optlib.sgd, lr=...)`` as a chapter does and,
for every landscape of the menu, moves the learning-rate slider through 40
values and the start slider through 20, timing each update (the run, the
redraw and the PNG the browser receives). Then does the same for the two
explorers with their own layout: the momentum chapter's eigenvalue explorer
(learning rate and momentum) and the schedules chapter's explorer (peak
learning rate and warm-up, on minibatches of the breast-cancer problem, as in
the chapter). Prints a markdown table of medians
and maxima, writes it with the date and the machine to
``benchmarks/explorer_results.md``, and exits non-zero unless every median is
at most 100 ms.

Usage:  python benchmarks/explorer_speed.py  (or: make benchmarks)
"""

from __future__ import annotations

import datetime
import pathlib
import platform
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import optlib  # noqa: E402
from optlib import widgets  # noqa: E402

MAX_MEDIAN_MS = 100.0
RESULTS = pathlib.Path(__file__).with_name("explorer_results.md")


def timed_updates(slider, values) -> list[float]:
    """Milliseconds taken by each assignment to ``slider.value``."""
    times = []
    for value in values:
        start = time.perf_counter()
        slider.value = type(slider.value)(value)
        times.append(1000 * (time.perf_counter() - start))
    return times


def main() -> int:
    explorer = widgets.explorer(optlib.sgd, lr=widgets.LogSlider(1e-4, 3.0, 0.3))
    rows, ok = [], True
    for name, landscape in explorer.landscapes.items():
        explorer.menu.value = name
        lr_times = timed_updates(explorer.controls["lr"], np.geomspace(1e-4, 3.0, 40))
        (x0, x1) = landscape.window[0]
        start_times = timed_updates(explorer.start_x, np.linspace(x0, x1, 22)[1:-1])
        for control, times in (("lr", lr_times), ("start", start_times)):
            median = statistics.median(times)
            ok &= median <= MAX_MEDIAN_MS
            rows.append(f"| {name} | {control} | {median:.1f} | {max(times):.1f} |")
    eigen = widgets.momentum_eigen_explorer(optlib.landscapes.gutter(), lr=1.0, momentum=0.5)
    schedule = widgets.schedule_explorer(optlib.problems.breast_cancer_classification(l2=0.1), steps=200,
                                         batch_size=8, seed=0, kind="warm-up then cosine")
    for name, slider, values in (
            ("momentum eigenvalues", eigen.lr, np.geomspace(0.01, 4.0, 40)),
            ("momentum eigenvalues", eigen.momentum, np.linspace(0.0, 0.99, 40)),
            ("schedule (breast cancer)", schedule.lr, np.geomspace(1e-3, 1.0, 20)),
            ("schedule (breast cancer)", schedule.warmup, np.arange(1, 21))):
        times = timed_updates(slider, values)
        median = statistics.median(times)
        ok &= median <= MAX_MEDIAN_MS
        rows.append(f"| {name} | {slider.description} | {median:.1f} | {max(times):.1f} |")
    table = "\n".join([
        "# Explorer: time from a slider move to the new picture",
        "",
        f"- date: {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')}",
        f"- machine: {platform.platform()}, {platform.processor() or platform.machine()}",
        f"- numpy {np.__version__}, optlib {optlib.__version__}; target: median <= {MAX_MEDIAN_MS:g} ms",
        "- written by `benchmarks/explorer_speed.py`",
        "",
        "| explorer or landscape | slider | median (ms) | max (ms) |",
        "|---|---|---:|---:|",
        *rows,
        "",
        "All medians within the target." if ok else "SOME MEDIANS EXCEED THE TARGET.",
        "",
    ])
    print(table)
    RESULTS.write_text(table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
