"""Diagrams of the book that are drawn rather than computed.

:func:`family_tree` draws how the optimizers of the book descend from one
another: gradient descent, then stochastic gradient descent, then two
lines of descent (momentum, which adds a velocity, and the adaptive
methods, which scale each coordinate by its own gradient history) that
meet in Adam, and the variants of Adam.

Everything here is deterministic and self-contained: the layout is fixed by
hand, the colours are Okabe & Ito's palette (:data:`optlib.plotting.PALETTE`)
and the only font is matplotlib's bundled DejaVu Sans. ``make figures``
saves the tree as ``figures/family_tree.png``, the figure of the landing
page.

Example:
    >>> from optlib.diagrams import family_tree
    >>> fig = family_tree()
    >>> fig.savefig("family_tree.png", dpi=100)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import NamedTuple

import matplotlib as mpl
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from .plotting import PALETTE

#: One colour per family (Okabe & Ito): the ancestors, the momentum methods,
#: the adaptive methods and Adam with its variants.
FAMILY_COLORS = {
    "ancestors": PALETTE[7],   # black
    "momentum": PALETTE[1],    # vermillion
    "adaptive": PALETTE[2],    # bluish green
    "adam": PALETTE[0],        # blue
}

#: Legend text of each family.
FAMILY_LABELS = {
    "ancestors": "gradient descent and SGD",
    "momentum": "momentum family",
    "adaptive": "adaptive (per-coordinate) family",
    "adam": "Adam family",
}


class Node(NamedTuple):
    """One optimizer of the tree: its name, the year of its publication(s),
    its family, and the centre and width of its box (in inches from the
    lower left corner of the figure)."""

    name: str
    year: str
    family: str
    x: float
    y: float
    width: float = 1.6


#: The optimizers of the book, with the year each was published.
NODES = {
    "gd": Node("Gradient descent", "Cauchy 1847", "ancestors", 5.0, 6.25, 1.95),
    "sgd": Node("SGD", "Robbins & Monro 1951", "ancestors", 5.0, 5.15, 1.95),
    "heavy_ball": Node("Momentum", "heavy ball, 1964", "momentum", 1.0, 4.05),
    "nesterov": Node("Nesterov", "1983", "momentum", 1.0, 2.95),
    "adagrad": Node("Adagrad", "2011", "adaptive", 8.6, 4.05),
    "rmsprop": Node("RMSprop", "2012", "adaptive", 8.6, 2.95),
    "adadelta": Node("Adadelta", "2012", "adaptive", 8.6, 1.85),
    "adam": Node("Adam", "2015 (arXiv 2014)", "adam", 5.0, 1.85),
    "nadam": Node("NAdam", "2016", "adam", 1.1, 0.45),
    "adamw": Node("AdamW", "2019 (arXiv 2017)", "adam", 3.05, 0.45),
    "amsgrad": Node("AMSGrad", "2018", "adam", 5.0, 0.45),
    "radam": Node("RAdam", "2020", "adam", 6.95, 0.45),
    "adamax": Node("Adamax", "2015", "adam", 8.9, 0.45),
}

BOX_HEIGHT = 0.62
FIG_WIDTH, FIG_HEIGHT = 10.0, 6.7
LINE_COLOR = "#3d3d3d"
LABEL_COLOR = "#222222"


def _tint(color, amount: float = 0.16):
    """``color`` mixed with white: ``amount`` of the colour, the rest white."""
    r, g, b = to_rgb(color)
    return (1 - amount * (1 - r), 1 - amount * (1 - g), 1 - amount * (1 - b))


def _top(key):
    node = NODES[key]
    return node.x, node.y + BOX_HEIGHT / 2


def _bottom(key):
    node = NODES[key]
    return node.x, node.y - BOX_HEIGHT / 2


def _left(key):
    node = NODES[key]
    return node.x - node.width / 2, node.y


def _right(key):
    node = NODES[key]
    return node.x + node.width / 2, node.y


def _draw_box(ax, node: Node) -> None:
    color = FAMILY_COLORS[node.family]
    ax.add_patch(FancyBboxPatch(
        (node.x - node.width / 2, node.y - BOX_HEIGHT / 2), node.width, BOX_HEIGHT,
        boxstyle="round,pad=0,rounding_size=0.08", facecolor=_tint(color),
        edgecolor=color, linewidth=2.0, zorder=3))
    ax.text(node.x, node.y + 0.1, node.name, ha="center", va="center", fontsize=11.5,
            fontweight="bold", color="black", zorder=4)
    ax.text(node.x, node.y - 0.14, node.year, ha="center", va="center", fontsize=9.5,
            color=LABEL_COLOR, zorder=4)


def _draw_path(ax, points, *, arrow: bool = True, dashed: bool = False) -> None:
    """A polyline through ``points``; the last segment ends in an arrowhead."""
    style = "--" if dashed else "-"
    if len(points) > 2 or not arrow:
        xs, ys = zip(*(points[:-1] if arrow else points))
        ax.add_line(Line2D(xs, ys, color=LINE_COLOR, linewidth=1.4, linestyle=style,
                           solid_joinstyle="miter", solid_capstyle="butt", zorder=2))
    if arrow:
        ax.add_patch(FancyArrowPatch(
            points[-2], points[-1], arrowstyle="-|>", mutation_scale=13, shrinkA=0,
            shrinkB=0, color=LINE_COLOR, linewidth=1.4, linestyle=style, zorder=2))


def _label(ax, x, y, text, ha="left") -> None:
    ax.text(x, y, text, ha=ha, va="center", fontsize=9.5, fontstyle="italic",
            color=LABEL_COLOR, zorder=4)


def family_tree() -> Figure:
    """The family tree of the optimizers in the book, as a matplotlib figure.

    Read it from top to bottom. Gradient descent (Cauchy, 1847) becomes
    stochastic gradient descent (Robbins & Monro, 1951) when the gradient is
    estimated from samples. SGD then branches in two. On the left, the
    momentum family adds a velocity (Polyak's heavy ball, 1964), then
    evaluates the gradient after a look-ahead step (Nesterov, 1983). On the
    right, the adaptive family gives each coordinate its own step from the
    sum of its squared gradients (Adagrad, 2011), replaces the sum by a
    moving average (RMSprop, 2012), and corrects the units of the step
    (Adadelta, 2012). The two branches meet in Adam (2015), a momentum
    first moment divided by an RMSprop second moment, both bias-corrected.
    Adam's variants fan out below it: NAdam (with Nesterov momentum, 2016),
    AdamW (decoupled weight decay, 2019), AMSGrad (a running maximum of the
    second moment, 2018), RAdam (a rectified variance, 2020) and Adamax
    (an infinity norm in place of the second moment, 2015).

    Each box gives the optimizer's name and year of publication (with the
    arXiv year where the conference paper came later); its colour is its
    family's (:data:`FAMILY_COLORS`, from Okabe & Ito's colour-blind-safe
    palette) and the legend names the families. Arrows point from a method
    to the methods built on it and say, in italics, what was added; the
    dashed arrow is NAdam's second parent, Nesterov momentum. Text is at
    least 9.5 pt at the figure's width of 10 inches.

    The figure is made with :class:`matplotlib.figure.Figure` (not pyplot),
    so it is never shown twice in a notebook and does not accumulate in
    memory. It is deterministic: no randomness, no network, no external
    fonts.

    Returns:
        A 10 × 6.7 inch figure with one axes, drawn without axis lines.

    Example:
        >>> fig = family_tree()
        >>> len(fig.axes)
        1
    """
    with mpl.rc_context({"font.family": "DejaVu Sans"}):
        fig = Figure(figsize=(FIG_WIDTH, FIG_HEIGHT), layout="constrained")
        fig.get_layout_engine().set(w_pad=0.02, h_pad=0.02, wspace=0, hspace=0)
        ax = fig.add_subplot()
        ax.set_xlim(0, FIG_WIDTH)
        ax.set_ylim(0, FIG_HEIGHT)
        ax.set_aspect("equal")
        ax.set_axis_off()

        for node in NODES.values():
            _draw_box(ax, node)

        # Gradient descent -> SGD.
        _draw_path(ax, [_bottom("gd"), _top("sgd")])
        _label(ax, 5.1, 5.7, "stochastic gradients")

        # SGD -> the two families.
        sgd_y = NODES["sgd"].y
        _draw_path(ax, [_left("sgd"), (NODES["heavy_ball"].x, sgd_y), _top("heavy_ball")])
        _label(ax, 1.1, 4.6, "+ velocity")
        _draw_path(ax, [_right("sgd"), (NODES["adagrad"].x, sgd_y), _top("adagrad")])
        _label(ax, 8.5, 4.6, "per-coordinate steps", ha="right")

        # The momentum family.
        _draw_path(ax, [_bottom("heavy_ball"), _top("nesterov")])
        _label(ax, 1.1, 3.5, "look-ahead gradient")

        # The adaptive family.
        _draw_path(ax, [_bottom("adagrad"), _top("rmsprop")])
        _label(ax, 8.5, 3.5, "moving average", ha="right")
        _draw_path(ax, [_bottom("rmsprop"), _top("adadelta")])
        _label(ax, 8.5, 2.4, "units-corrected steps", ha="right")

        # Momentum + RMSprop -> Adam: the two lines join above Adam.
        join = (NODES["adam"].x, NODES["rmsprop"].y)
        _draw_path(ax, [_right("heavy_ball"), (join[0], NODES["heavy_ball"].y), join],
                   arrow=False)
        _draw_path(ax, [_left("rmsprop"), join], arrow=False)
        _draw_path(ax, [join, _top("adam")])
        _label(ax, 5.1, 2.5, "bias-corrected moments")
        _label(ax, 1.9, 4.17, "first moment $m$")
        _label(ax, 7.7, 3.07, "second moment $v$", ha="right")

        # Adam's variants, on a bus below it.
        bus_y = 1.12
        children = ["nadam", "adamw", "amsgrad", "radam", "adamax"]
        added = {"nadam": "+ Nesterov", "adamw": "decoupled decay",
                 "amsgrad": "max of past $v$", "radam": "rectified variance",
                 "adamax": "infinity norm"}
        _draw_path(ax, [_bottom("adam"), (NODES["adam"].x, bus_y)], arrow=False)
        _draw_path(ax, [(NODES[children[0]].x, bus_y), (NODES[children[-1]].x, bus_y)],
                   arrow=False)
        for key in children:
            _draw_path(ax, [(NODES[key].x, bus_y), _top(key)])
            _label(ax, NODES[key].x + 0.08, (bus_y + _top(key)[1]) / 2, added[key])

        # NAdam's second parent: Nesterov momentum.
        nesterov_x = NODES["nesterov"].x - 0.45
        _draw_path(ax, [(nesterov_x, _bottom("nesterov")[1]), (nesterov_x, _top("nadam")[1])],
                   dashed=True)

        handles = [Patch(facecolor=_tint(FAMILY_COLORS[f]), edgecolor=FAMILY_COLORS[f],
                         linewidth=2.0, label=FAMILY_LABELS[f]) for f in FAMILY_COLORS]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 1.0),
                  frameon=False, fontsize=10, handlelength=1.6, handleheight=1.1,
                  borderaxespad=0.2)
    return fig
