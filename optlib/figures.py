"""The book's canonical figures, made by code.

Each figure is a function returning a matplotlib ``Figure``. The chapters call
these same functions, and ``make figures`` (``python -m optlib.figures figures``)
saves every one of them into ``figures/``, so a picture cannot drift from the
code that makes it; ``tests/test_figures.py`` compares the saved files with
fresh renders. :data:`FIGURES` gives each its alt text for readers who cannot
see it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from . import diagrams, landscapes
from .analysis import gd_optimal_lr, gd_rate
from .optimizers import sgd
from .plotting import PALETTE, new_figure, plot_landscape, plot_loss, plot_path
from .running import run


def gradient_descent_bowl(eigenvalues=(0.4, 1.6), lr: float = 0.45, start=(-2.6, 2.2), steps: int = 15):
    """Gradient descent on an elliptical bowl, over the field of negative gradients.

    Each arrow is -∇f, perpendicular to the contour through its foot; the
    iterates follow the arrows downhill to the minimum.

    Args:
        eigenvalues: the curvatures along θ₁ and θ₂.
        lr: the learning rate η.
        start: θ₀.
        steps: the number of steps drawn.
    """
    bowl = landscapes.quadratic(np.diag(eigenvalues), name="elliptical bowl")
    traj = run(sgd(lr=lr), bowl, np.asarray(start, dtype=float), steps=steps)
    fig, ax = new_figure(width=5.2, height=4.6)
    plot_landscape(bowl, ax)
    grid = np.stack(np.meshgrid(np.linspace(-2.7, 2.7, 10), np.linspace(-2.7, 2.7, 10)), axis=-1)
    g = -bowl.grad(grid)
    ax.quiver(grid[..., 0], grid[..., 1], g[..., 0], g[..., 1], color="#b0b0b0", angles="xy",
              scale_units="xy", scale=6, width=0.004)
    plot_path(ax, traj, label=f"gradient descent, $\\eta = {lr:g}$", color=PALETTE[0])
    ax.legend(loc="lower right")
    ax.set_title(r"Steepest descent: each step goes along $-\nabla f(\theta_t)$")
    return fig


def step_size_regimes(eta_L=(0.3, 1.0, 1.7, 2.1), L: float = 1.0, theta0: float = 1.0, steps: int = 20):
    """Gradient descent on f(θ) = ½ L θ² at four step sizes, one per regime.

    The iterate is multiplied by 1 - ηL each step: it creeps (0 < ηL < 1),
    lands in one step (ηL = 1), overshoots but converges (1 < ηL < 2), or
    diverges (ηL > 2).

    Args:
        eta_L: the four values of ηL, one per regime, in that order.
    """
    f = landscapes.quadratic(np.array([[L]]), name="parabola")
    etas = np.array(eta_L)[:, None] / L
    traj = run(sgd(lr=etas), f, np.full((len(etas), 1), theta0), steps)
    fig, axes = new_figure(len(etas), width=10.0, height=2.8, sharey=True)
    titles = ("creeps", "one step", "overshoots", "diverges")
    for k, (ax, title) in enumerate(zip(axes, titles)):
        factor = 1 - eta_L[k]
        ax.axhline(0, color="#888888", linewidth=0.8)
        ax.plot(np.arange(steps + 1), traj.params[:, k, 0], "-o", markersize=3,
                color=PALETTE[1] if abs(factor) > 1 else PALETTE[0])
        ax.set(title=f"$\\eta L = {eta_L[k]:g}$: {title}\n$1 - \\eta L = {factor:.1f}$",
               xlabel="step $t$", ylim=(-2.2 * theta0, 2.2 * theta0))
    axes[0].set_ylabel(r"$\theta_t$")
    return fig


def gutter_zigzag(condition_number: float = 20.0, steps: int = 60):
    """Gradient descent in a narrow valley: zig-zag across, crawl along.

    Left: paths at η = 1/L and at the optimal step η* = 2/(λ₁ + λ₂).
    Right: their losses, with the predicted rates max|1 - ηλᵢ| as dashed lines.
    """
    f = landscapes.gutter(condition_number)
    etas = {r"$\eta = 1/L$": 1.0 / f.L, r"$\eta^* = 2/(\lambda_1 + \lambda_2)$": gd_optimal_lr(f.eigenvalues)}
    fig, (ax_path, ax_loss) = new_figure(2, width=10.0, height=3.8)
    plot_landscape(f, ax_path)
    for color, (label, eta) in zip(PALETTE, etas.items()):
        traj = run(sgd(lr=eta), f, f.start, steps)
        plot_path(ax_path, traj, label=label, color=color)
        plot_loss(ax_loss, traj, min_value=f.min_value, label=label, color=color)
        rate = float(gd_rate(eta, f.eigenvalues))
        t = np.arange(steps + 1)
        ax_loss.plot(t, traj.values[0] * rate ** (2 * t), "--", color=color, linewidth=1,
                     label=f"predicted: rate {rate:.3f} per step")
    ax_path.legend(loc="lower right")
    ax_loss.legend(loc="lower left")
    ax_path.set_title(f"Gutter, $\\kappa = {condition_number:g}$")
    ax_loss.set_title("Linear convergence at the predicted rate")
    return fig


@dataclass(frozen=True)
class FigureSpec:
    """A canonical figure: the function that draws it and its alt text."""

    make: Callable
    alt: str


FIGURES = {
    "family_tree": FigureSpec(
        diagrams.family_tree,
        "A family tree of the optimizers in this book, from gradient descent (1847) through "
        "SGD, momentum and Nesterov, the adaptive methods Adagrad, RMSprop and Adadelta, to Adam "
        "and its variants AdamW, AMSGrad, NAdam, RAdam and Adamax."),
    "gradient_descent_bowl": FigureSpec(
        gradient_descent_bowl,
        "Contour lines of an elliptical bowl with grey arrows of the negative gradient, each "
        "perpendicular to its contour, and a blue path of gradient-descent iterates curving "
        "from the upper left down to the minimum at the centre."),
    "step_size_regimes": FigureSpec(
        step_size_regimes,
        "Four panels of the iterate against the step for gradient descent on a parabola: with "
        "eta L = 0.3 it decays smoothly to zero, with eta L = 1 it reaches zero in one step, with "
        "eta L = 1.7 it alternates in sign while shrinking, and with eta L = 2.1 it alternates "
        "with growing amplitude."),
    "gutter_zigzag": FigureSpec(
        gutter_zigzag,
        "Left: a narrow elliptical valley with two gradient-descent paths; at step 1/L the path "
        "drops to the valley floor and crawls along it, at the optimal step it zig-zags across "
        "the valley. Right: both losses fall as straight lines on a log scale, on top of dashed "
        "lines of the predicted rates."),
}


def save_all(directory) -> list[Path]:
    """Render every figure of :data:`FIGURES` into ``directory`` as PNG."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, spec in FIGURES.items():
        path = directory / f"{name}.png"
        spec.make().savefig(path, dpi=100, metadata={"Software": None})
        paths.append(path)
    return paths


if __name__ == "__main__":
    for saved in save_all(sys.argv[1] if len(sys.argv) > 1 else "figures"):
        print(saved)
