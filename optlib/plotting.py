"""Plotting helpers: one style and one colour-blind-safe palette for the whole book.

The palette is Okabe & Ito's (2008), safe for the common colour-vision
deficiencies. Each optimizer keeps its colour in every chapter
(:data:`OPTIMIZER_COLORS`); each landscape is always drawn over the same
window with the same contour levels.

Divergence is never hidden: a diverged run is drawn up to its last finite
iterate and marked with a cross, and its legend says at which step it
diverged.

Example:
    >>> import numpy as np, optlib
    >>> from optlib import plotting
    >>> f = optlib.landscapes.gutter()
    >>> traj = optlib.run(optlib.sgd(lr=0.9), f, f.start, steps=30)
    >>> fig, (ax_path, ax_loss) = plotting.trajectory_figure(f, {"GD": traj})
"""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from .running import Trajectory

#: Okabe & Ito's colour-blind-safe palette (black last).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")

#: The colour of each optimizer, the same in every chapter.
OPTIMIZER_COLORS = {
    "gd": PALETTE[0], "sgd": PALETTE[0], "momentum": PALETTE[1], "nesterov": PALETTE[3],
    "adagrad": PALETTE[2], "rmsprop": PALETTE[4], "adadelta": PALETTE[5], "adam": PALETTE[7],
    "adamw": PALETTE[3], "nadam": PALETTE[1], "radam": PALETTE[2], "adamax": PALETTE[5],
}

#: Matplotlib settings of the book's figures.
BOOK_STYLE = {
    "figure.figsize": (6.4, 4.0),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.framealpha": 0.9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.prop_cycle": mpl.cycler(color=PALETTE),
    "lines.linewidth": 1.6,
    "image.cmap": "cividis",
}

CONTOUR_COLOR = "#9a9a9a"
MINIMUM_STYLE = dict(marker="*", markersize=13, color="white", markeredgecolor="black",
                     markeredgewidth=0.8, linestyle="none", zorder=5)


def use_book_style() -> None:
    """Apply :data:`BOOK_STYLE` and, in a notebook, show figures inline as PNG.

    Every chapter's setup cell calls it. Figures made by :func:`new_figure`
    are not pyplot figures, so a notebook shows them only once a PNG
    formatter is registered for them (PNG, not SVG: SVG ids are random).
    """
    mpl.rcParams.update(BOOK_STYLE)
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import print_figure
    except ImportError:          # plain Python: nothing to display to
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["image/png"].for_type(
            Figure, lambda fig: print_figure(fig, "png", bbox_inches="tight"))


def new_figure(ncols: int = 1, nrows: int = 1, *, width: float = 6.4, height: float = 4.0, **kwargs):
    """A figure with the book's style and its axes, made without pyplot.

    Figures made here are not registered with pyplot, so they do not pile up
    in memory or get shown twice; display them by leaving them as the last
    expression of a cell.
    """
    with mpl.rc_context(BOOK_STYLE):
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=True, **kwargs)
    return fig, axes


def plain_log_axis(axis) -> None:
    """Label a log axis with a few plain-text ticks (``1e-06``).

    Mathtext labels (:math:`10^{-6}`) cost most of a redraw; animations and
    explorers, which redraw often, use these instead.
    """
    axis.set_major_locator(LogLocator(numticks=6))
    axis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:.0e}"))
    axis.set_minor_formatter(NullFormatter())


def _grid(landscape, window, resolution):
    (x0, x1), (y0, y1) = window
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    X, Y = np.meshgrid(xs, ys)
    return X, Y, landscape.value(np.stack([X, Y], axis=-1))


def contour_levels(landscape, window=None, n: int = 18) -> np.ndarray:
    """The contour levels used for ``landscape`` (log-spaced for steep ones)."""
    window = window or landscape.window
    _, _, Z = _grid(landscape, window, 120)
    low, high = landscape.min_value, float(np.percentile(Z, 90))
    if landscape.log_levels:
        gap = np.geomspace(max(high - low, 1e-12) * 1e-4, high - low, n)
        return low + gap
    return np.linspace(low, high, n + 2)[1:-1]


def plot_landscape(landscape, ax=None, *, window=None, resolution: int = 200, levels=None):
    """Contour lines of a 2-D landscape over its window, with its minima as stars."""
    if ax is None:
        _, ax = new_figure()
    window = window or landscape.window
    X, Y, Z = _grid(landscape, window, resolution)
    levels = contour_levels(landscape, window) if levels is None else levels
    ax.contour(X, Y, Z, levels=levels, colors=CONTOUR_COLOR, linewidths=0.7, negative_linestyles="solid")
    ax.plot(landscape.minima[:, 0], landscape.minima[:, 1], **MINIMUM_STYLE)
    ax.set(xlim=window[0], ylim=window[1], xlabel=r"$\theta_1$", ylabel=r"$\theta_2$")
    ax.set_aspect("equal", adjustable="box")
    return ax


def plot_basins(ax, landscape, starts, trajectory: Trajectory, *, alpha: float = 0.6):
    """Colour a grid of starting points by the minimum each run ended nearest to.

    Args:
        ax: the axes.
        landscape: a 2-D landscape with several minima.
        starts: the starting points, shape ``(ny, nx, 2)`` (a ``meshgrid``
            stacked on the last axis).
        trajectory: the runs from ``starts.reshape(-1, 2)``.

    Returns:
        the index of the minimum each start reached, shape ``(ny, nx)``,
        -1 where the run diverged (drawn in light grey).
    """
    offsets = trajectory.final[:, None, :] - landscape.minima
    nearest = np.argmin(np.linalg.norm(offsets, axis=-1), axis=-1)
    reached = np.where(trajectory.diverged, -1, nearest).reshape(starts.shape[:2])
    colours = ListedColormap(["#dddddd", *PALETTE[:len(landscape.minima)]])
    extent = (starts[0, 0, 0], starts[0, -1, 0], starts[0, 0, 1], starts[-1, 0, 1])
    ax.imshow(reached + 1, origin="lower", extent=extent, cmap=colours, vmin=0,
              vmax=len(landscape.minima), interpolation="nearest", alpha=alpha)
    return reached


def _runs(trajectory: Trajectory):
    """(params (T+1, d), diverged_at) for each run of a possibly batched trajectory."""
    params = trajectory.params.reshape(trajectory.params.shape[0], -1, trajectory.params.shape[-1])
    diverged = np.asarray(trajectory.diverged_at).reshape(-1)
    for k in range(params.shape[1]):
        yield params[:, k], int(diverged[k])


def divergence_label(label, diverged_at: int):
    """``label`` with ``(diverged at step k)`` appended when the run diverged."""
    if diverged_at < 0:
        return label
    return f"{label} (diverged at step {diverged_at})" if label else f"diverged at step {diverged_at}"


def plot_path(ax, trajectory: Trajectory, *, label=None, color=None, markersize: float = 3.0):
    """Draw the iterates θ_0, θ_1, ... of a 2-D trajectory (each run of a batch).

    A diverged run is drawn up to its last finite iterate, which is marked
    with a cross; the legend names the step. Returns the lines drawn.
    """
    lines = []
    for k, (path, diverged_at) in enumerate(_runs(trajectory)):
        finite = path if diverged_at < 0 else path[:diverged_at]
        (line,) = ax.plot(finite[:, 0], finite[:, 1], "-o", color=color, markersize=markersize,
                          label=divergence_label(label, diverged_at) if k == 0 else None)
        ax.plot(finite[0, 0], finite[0, 1], "o", color=line.get_color(), markersize=6,
                markeredgecolor="black", zorder=4)
        if diverged_at >= 0:
            ax.plot(finite[-1, 0], finite[-1, 1], "X", color=line.get_color(), markersize=10,
                    markeredgecolor="black", zorder=6)
        lines.append(line)
    return lines


def plot_loss(ax, trajectory: Trajectory, *, min_value: float = 0.0, label=None, color=None,
              log: bool = True):
    r"""Plot the suboptimality :math:`f(\theta_t) - f^*` against the step t.

    On a log scale a straight line is linear convergence, its slope the log
    of the rate. A diverged run stops at its last finite value, with a cross.
    """
    values = trajectory.values.reshape(trajectory.values.shape[0], -1)
    diverged = np.asarray(trajectory.diverged_at).reshape(-1)
    lines = []
    for k in range(values.shape[1]):
        gap = values[:, k] - min_value
        end = len(gap) if diverged[k] < 0 else diverged[k]
        steps = np.arange(end)
        (line,) = ax.plot(steps, gap[:end], color=color,
                          label=divergence_label(label, int(diverged[k])) if k == 0 else None)
        if diverged[k] >= 0:
            ax.plot(steps[-1], gap[end - 1], "X", color=line.get_color(), markersize=9,
                    markeredgecolor="black")
        lines.append(line)
    if log:
        ax.set_yscale("log")
    ax.set(xlabel="step $t$", ylabel=r"$f(\theta_t) - f^*$")
    return lines


def trajectory_figure(landscape, trajectories: dict, *, colors=None, title=None, width: float = 10.0,
                      height: float = 4.0):
    """Contours with the paths (left) and the loss curves (right), one entry per label.

    Args:
        landscape: a 2-D landscape.
        trajectories: ``{label: Trajectory}``.
        colors: ``{label: colour}``; default: the palette in order.

    Returns:
        ``(fig, (ax_path, ax_loss))``.
    """
    fig, (ax_path, ax_loss) = new_figure(2, width=width, height=height)
    plot_landscape(landscape, ax_path)
    for i, (label, traj) in enumerate(trajectories.items()):
        color = (colors or {}).get(label, PALETTE[i % len(PALETTE)])
        plot_path(ax_path, traj, label=label, color=color)
        plot_loss(ax_loss, traj, min_value=landscape.min_value, label=label, color=color)
    start_gaps = [np.nanmax(traj.values[0] - landscape.min_value) for traj in trajectories.values()]
    if any(np.any(traj.diverged) for traj in trajectories.values()):
        # a diverging curve leaves through the top instead of squashing the others
        ax_loss.set_ylim(top=1e3 * max(start_gaps))
    ax_path.legend(loc="lower right")
    if title:
        fig.suptitle(title)
    return fig, (ax_path, ax_loss)
