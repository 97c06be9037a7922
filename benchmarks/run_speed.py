"""How much faster is one vectorised ``optlib.run`` than a Python loop of runs?

Times ``optlib.run`` on Rosenbrock from a (1000, 2) batch of starts for 1000
steps, against single runs one after the other (a subset of them, timed and
scaled to the whole batch), for two optimizers. Single-threaded numpy,
median of several repeats. Prints a markdown table, writes it with the date,
the machine and the numpy version to ``benchmarks/results.md``, and exits
non-zero unless every batched run takes well under a second and is at least
100 times faster than the loop.

Usage:  python benchmarks/run_speed.py  (or: make benchmarks)
"""

from __future__ import annotations

import os

# single-threaded numpy: set before numpy is first imported
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                  "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_variable] = "1"

import datetime  # noqa: E402
import pathlib  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
import optlib  # noqa: E402

BATCH, STEPS = 1000, 1000
SINGLE_RUNS = 20          # timed one by one, then scaled to BATCH
REPEATS = 5
MAX_BATCHED_SECONDS = 1.0
MIN_SPEEDUP = 100.0
RESULTS = pathlib.Path(__file__).with_name("results.md")

OPTIMIZERS = {
    "adam(lr=1e-2)": lambda: optlib.adam(lr=1e-2),
    "sgd(lr=1e-3, momentum=0.9)": lambda: optlib.sgd(lr=1e-3, momentum=0.9),
}


def cpu_name() -> str:
    """The CPU model, from /proc/cpuinfo where there is one."""
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def median_seconds(work) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(make_opt, f, starts):
    """(batched seconds, loop seconds scaled to the batch, runs that diverged)."""
    run = lambda x0: optlib.run(make_opt(), f, x0, STEPS, on_divergence="record")
    batched = median_seconds(lambda: run(starts))
    single = median_seconds(lambda: [run(x0) for x0 in starts[:SINGLE_RUNS]])
    diverged = int(np.sum(run(starts).diverged))
    return batched, single * len(starts) / SINGLE_RUNS, diverged


def main() -> int:
    f = optlib.landscapes.rosenbrock()
    (x_lo, x_hi), (y_lo, y_hi) = f.window
    starts = np.random.default_rng(0).uniform([x_lo, y_lo], [x_hi, y_hi], size=(BATCH, 2))

    rows, failures = [], []
    for name, make_opt in OPTIMIZERS.items():
        batched, loop, diverged = measure(make_opt, f, starts)
        speedup = loop / batched
        rows.append(f"| `{name}` | {batched:.3f} | {loop:.1f} | {speedup:.0f}× | {diverged} |")
        if batched >= MAX_BATCHED_SECONDS:
            failures.append(f"{name}: batched run took {batched:.3f} s (limit {MAX_BATCHED_SECONDS} s)")
        if speedup < MIN_SPEEDUP:
            failures.append(f"{name}: speed-up {speedup:.0f}× (need ≥ {MIN_SPEEDUP:.0f}×)")

    table = "\n".join([
        f"Rosenbrock, {BATCH} starts uniform in the window {f.window}, {STEPS} steps; "
        f"median of {REPEATS} repeats; the loop is {SINGLE_RUNS} single runs scaled to {BATCH}.",
        "",
        "| optimizer | batched run (s) | loop of single runs (s) | speed-up | runs diverged |",
        "|---|---:|---:|---:|---:|",
        *rows,
    ])
    header = "\n".join([
        "# optlib.run: one batched run against a loop of single runs",
        "",
        f"- date: {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
        f"- machine: {platform.platform()}, {platform.machine()}, {cpu_name()}, "
        f"{os.cpu_count()} CPUs (numpy single-threaded)",
        f"- python {platform.python_version()}, numpy {np.__version__}, optlib {optlib.__version__}",
        f"- written by `benchmarks/run_speed.py`; passes if every batched run is under "
        f"{MAX_BATCHED_SECONDS:g} s and at least {MIN_SPEEDUP:.0f}× faster than the loop",
        "",
    ])
    print(table)
    verdict = "\n".join(["", "**FAILED**: " + "; ".join(failures)] if failures else ["", "All checks passed."])
    RESULTS.write_text(header + "\n" + table + "\n" + verdict + "\n")
    print(verdict)
    print(f"\nwritten to {RESULTS}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
