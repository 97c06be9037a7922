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

from . import diagrams, landscapes, problems
from .analysis import gd_optimal_lr, gd_rate, momentum_rate
from .optimizers import adadelta, adagrad, adam, adamax, adamw, nadam, radam, rmsprop, sgd
from .plotting import (OPTIMIZER_COLORS, PALETTE, contour_levels, new_figure, plot_landscape, plot_loss,
                       plot_path, trajectory_figure)
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


# The figures below share small functions that compute what they draw; the
# tests (tests/test_figure_claims.py) call the same functions, so they check
# the very numbers a reader sees.


def _number(x: float) -> str:
    """``x`` for a label: a power of ten as mathtext ($10^{-6}$), otherwise as ``{:g}``."""
    exponent = np.log10(x)
    return f"$10^{{{int(round(exponent))}}}$" if exponent == round(exponent) else f"{x:g}"


def first_step_below(trajectory, min_value: float, tolerance: float):
    """The first step t with f(θ_t) - f* <= tolerance · (f(θ_0) - f*); -1 if none.

    For a batch of runs, one step per run.
    """
    gap = trajectory.values - min_value
    reached = gap <= tolerance * gap[:1]
    first = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
    return int(first) if np.ndim(first) == 0 else first


def lr_sweep(make, objective, start, steps: int, lrs, *, tail: float = 0.1):
    """Run one optimizer at every learning rate of ``lrs`` at once, and score each.

    All learning rates go into one vectorised run (a batch of ``len(lrs)``
    runs from the same start). The score of a learning rate is the largest
    f - f* over the last ``tail`` of the steps, so that a run which merely
    dips at the final step does not win; a diverged run scores infinity.

    Args:
        make: ``lr -> GradientTransformation``; it receives an array of shape (B, 1).
        objective: a landscape (anything with ``value``, ``grad``, ``min_value``).
        start: θ₀, shape (d,).
        steps: the number of steps of every run.
        lrs: the learning rates, shape (B,).

    Returns:
        ``(scores, trajectory)``: scores of shape (B,), the batched trajectory.
    """
    lrs = np.asarray(lrs, dtype=float)
    traj = run(make(lrs[:, None]), objective, np.tile(np.asarray(start, dtype=float), (len(lrs), 1)),
               steps, on_divergence="record")
    last = max(1, int(round(tail * steps)))
    with np.errstate(invalid="ignore"):
        worst = np.max(traj.values[-last:] - objective.min_value, axis=0)
    scores = np.where(traj.diverged | ~np.isfinite(worst), np.inf, worst)
    return scores, traj


def best_lr(make, objective, start, steps: int, lrs, *, tail: float = 0.1):
    """The learning rate of ``lrs`` with the best :func:`lr_sweep` score.

    Returns:
        ``(index, lr, scores, trajectory)``: the trajectory is that learning
        rate's run, taken from the vectorised sweep.
    """
    scores, traj = lr_sweep(make, objective, start, steps, lrs, tail=tail)
    index = int(np.argmin(scores))
    return index, float(np.asarray(lrs, dtype=float)[index]), scores, traj[index]


def sgd_noise_runs(lrs=(0.03, 0.3), a: float = 4.0, t0: float = 40.0, batch_size: int = 4,
                   epochs: int = 20, runs: int = 32, seed: int = 0):
    """Minibatch SGD on :func:`~optlib.problems.diabetes_two_features`, three schedules.

    ``runs`` seeded runs at each of the constant steps ``lrs`` and at the
    Robbins–Monro step ``a / (t0 + t)`` (t = 0 for the first update), all from
    the problem's start, minibatches of ``batch_size`` drawn with replacement,
    for ``epochs`` · (n // batch_size) steps, in one vectorised run.

    Returns:
        ``(problem, {label: Trajectory})``; each trajectory holds the
        ``runs`` runs of one schedule (params of shape (T + 1, runs, 2)), in
        the order of ``lrs``, then the decaying step.
    """
    problem = problems.diabetes_two_features()
    steps = epochs * (problem.n // batch_size)
    constant = np.repeat([*lrs, 0.0], runs)          # 0 marks the runs of the decaying step
    decaying = constant == 0

    def schedule(count):
        return np.where(decaying, a / (t0 + count), constant)[:, None]

    traj = run(sgd(lr=schedule), problem, np.tile(problem.start, (len(constant), 1)), steps,
               batch_size=batch_size, seed=seed, sampling="replacement")
    labels = [f"constant $\\eta = {lr:g}$" for lr in lrs] + [f"decaying $\\eta_t = {a:g}/({t0:g} + t)$"]
    return problem, {label: traj[k * runs:(k + 1) * runs] for k, label in enumerate(labels)}


def mean_gap(problem, trajectory) -> np.ndarray:
    """f(θ_t) - f* averaged over the runs of a batch, for every step t."""
    return np.mean(trajectory.values - problem.min_value, axis=-1)


def sgd_noise(lrs=(0.03, 0.3), a: float = 4.0, t0: float = 40.0, batch_size: int = 4,
              epochs: int = 20, runs: int = 32, seed: int = 0):
    """SGD at a constant step settles in a noise ball; a decaying step converges.

    Minibatch SGD (batch size 4) on the two-feature diabetes least-squares
    problem. At a constant step the iterates stop approaching θ* and wander
    in a cloud whose size grows with the step; the Robbins–Monro step
    a/(t0 + t) (Σ η_t = ∞, Σ η_t² < ∞) keeps shrinking the error, like 1/t.
    Left: the first epoch of one run per schedule; middle: the iterates of
    the second half of the same runs, zoomed on θ*; right: f - f* averaged
    over ``runs`` seeded runs, on log-log axes.

    Args:
        lrs: the two constant learning rates.
        a, t0: the decaying step a / (t0 + t).
        batch_size: examples per minibatch (the same for every schedule).
        epochs: the length of the runs, in passes over the n = 442 examples.
        runs: seeded runs per schedule, averaged in the loss panel.
        seed: seeds the minibatch draws.
    """
    problem, by_label = sgd_noise_runs(lrs, a, t0, batch_size, epochs, runs, seed)
    per_epoch = problem.n // batch_size
    colors = dict(zip(by_label, (PALETTE[0], PALETTE[1], PALETTE[2])))
    fig, (ax_path, ax_zoom, ax_loss) = new_figure(3, width=10.0, height=3.7,
                                                  gridspec_kw={"width_ratios": (1, 1, 1.3)})
    levels = contour_levels(problem)
    plot_landscape(problem, ax_path, resolution=150, levels=levels)
    center, radius = problem.solution, 0.55
    plot_landscape(problem, ax_zoom, resolution=120, levels=levels,
                   window=tuple((c - radius, c + radius) for c in center))
    order = dict(zip(by_label, (3, 2, 4)))                        # the widest cloud underneath
    for label, traj in by_label.items():
        path = traj.params[:, 0]                                  # the first run of the batch
        steps = len(path) - 1
        ax_path.plot(path[:per_epoch + 1, 0], path[:per_epoch + 1, 1], "-", color=colors[label],
                     linewidth=0.9, zorder=order[label], label=label)
        ax_zoom.plot(path[steps // 2:, 0], path[steps // 2:, 1], ".", color=colors[label],
                     markersize=2.6, markeredgewidth=0, alpha=0.6, zorder=order[label] + 3)
        ax_loss.plot(np.arange(1, steps + 1), mean_gap(problem, traj)[1:], color=colors[label],
                     linewidth=1.3)
    ax_zoom.plot(*center, "*", markersize=13, fillstyle="none", color="black", markeredgewidth=0.8,
                 zorder=10)
    ax_path.plot(*problem.start, "o", color="white", markeredgecolor="black", markersize=6, zorder=6)
    t = np.arange(100, steps + 1)
    decaying = mean_gap(problem, list(by_label.values())[-1])    # the Robbins–Monro runs
    ax_loss.plot(t, decaying[-1] * steps / t, "--", color="#555555", linewidth=1)
    ax_loss.annotate(r"$\propto 1/t$", (t[len(t) // 3], decaying[-1] * steps / t[len(t) // 3]),
                     xytext=(-4, -14), textcoords="offset points", ha="right", color="#555555")
    ax_loss.set(xscale="log", yscale="log", xlabel=f"step $t$ (one epoch = {per_epoch} steps)",
                ylabel=r"$f(\theta_t) - f^*$")
    ax_path.legend(loc="lower left", fontsize=8)
    ax_path.set_title(f"first epoch, batch size {batch_size}")
    ax_zoom.set_title(f"steps {steps // 2}–{steps}, near $\\theta^*$")
    ax_loss.set_title(f"loss, mean over {runs} runs")
    return fig


def momentum_gutter_runs(condition_number: float = 50.0, lr: float = 1.95, momentum: float = 0.6,
                         steps: int = 150):
    """Gradient descent and heavy-ball momentum at the same learning rate on the gutter.

    Returns:
        ``(landscape, {"gd": Trajectory, "momentum": Trajectory})``.
    """
    f = landscapes.gutter(condition_number)
    return f, {"gd": run(sgd(lr=lr), f, f.start, steps),
               "momentum": run(sgd(lr=lr, momentum=momentum), f, f.start, steps)}


def momentum_gutter(condition_number: float = 50.0, lr: float = 1.95, momentum: float = 0.6,
                    steps: int = 150, tolerance: float = 1e-6):
    """Momentum damps the zig-zag and runs along the valley: same step, far fewer steps.

    Gradient descent and heavy-ball momentum (``optlib.sgd`` with momentum)
    at the same learning rate, close to gradient descent's limit 2/L, on the
    gutter of condition number κ. Gradient descent zig-zags across the valley
    (factor |1 - ηL| per step) and crawls along it (1 - η/κ); momentum's
    buffer cancels the alternating cross-valley gradients and accumulates the
    steady along-valley ones. Legends give the predicted rates
    (:func:`~optlib.analysis.gd_rate`, :func:`~optlib.analysis.momentum_rate`)
    and the first step at which f - f* falls below ``tolerance`` times its
    start value.

    Args:
        condition_number: κ of the gutter (L = 1).
        lr: the learning rate of both methods.
        momentum: the heavy-ball coefficient μ.
        steps: the number of steps drawn.
        tolerance: the relative loss the steps are counted to.
    """
    f, runs = momentum_gutter_runs(condition_number, lr, momentum, steps)
    rates = {"gd": float(gd_rate(lr, f.eigenvalues)),
             "momentum": float(momentum_rate(lr, momentum, f.eigenvalues))}
    names = {"gd": "gradient descent", "momentum": f"momentum $\\mu = {momentum:g}$"}
    labels = {key: f"{names[key]}: rate {rates[key]:.3f}" for key in runs}
    fig, (ax_path, ax_loss) = trajectory_figure(
        f, {labels[key]: traj for key, traj in runs.items()},
        colors={labels[key]: OPTIMIZER_COLORS[key] for key in runs}, height=3.9)
    level = tolerance * (f.value(f.start) - f.min_value)
    ax_loss.axhline(level, color="#777777", linewidth=0.8, linestyle=":")
    marks = []
    for key, traj in runs.items():
        reached = first_step_below(traj, f.min_value, tolerance)
        marks += ax_loss.plot([reached], [level], "o", color=OPTIMIZER_COLORS[key], markeredgecolor="black",
                              markersize=7, label=f"{names[key]}: step {reached}")
    ax_loss.set_ylim(bottom=level * 1e-4)
    ax_loss.legend(handles=marks, loc="upper right", title=f"first step below {_number(tolerance)} of the start")
    ax_path.set_title(f"Gutter $\\kappa = {condition_number:g}$, both at $\\eta = {lr:g}$ "
                      f"($2/L = {2 / f.L:g}$)")
    ax_loss.set_title(f"Loss; dotted: {_number(tolerance)} $\\times$ the start value")
    return fig


def scaled_bowl(curvatures=(1.0, 100.0), start=(-2.5, 2.0)):
    """The quadratic ½ Σ cᵢ θᵢ² with curvatures cᵢ along the axes (minimum at 0)."""
    return landscapes.quadratic(np.diag(np.asarray(curvatures, dtype=float)), name="badly scaled bowl",
                                window=((-3.0, 3.0), (-3.0, 3.0)), start=start)


def adagrad_effective_steps(objective, trajectory, lr: float, eps: float = 1e-10) -> np.ndarray:
    r"""Adagrad's step size per coordinate, :math:`\gamma / (\sqrt{s_t} + \epsilon)`, t = 1..T.

    Recomputed from the gradients at the iterates of a deterministic run
    (:math:`s_t = \sum_{k \le t} g_k^2`, :math:`g_k = \nabla f(\theta_{k-1})`),
    so that θ_t = θ_{t-1} - (this) · g_t. Shape (T, d).
    """
    g = objective.grad(trajectory.params[:-1])
    return lr / (np.sqrt(np.cumsum(g * g, axis=0)) + eps)


def rmsprop_effective_steps(objective, trajectory, lr: float, alpha: float = 0.99,
                            eps: float = 1e-8) -> np.ndarray:
    r"""RMSprop's step size per coordinate, :math:`\gamma / (\sqrt{v_t} + \epsilon)`, t = 1..T.

    :math:`v_t = \alpha v_{t-1} + (1 - \alpha) g_t^2`, recomputed from the
    gradients at the iterates of a deterministic run. Shape (T, d).
    """
    g = objective.grad(trajectory.params[:-1])
    v, out = np.zeros(g.shape[1:]), np.empty_like(g)
    for t, g_t in enumerate(g):
        v = alpha * v + (1 - alpha) * g_t * g_t
        out[t] = lr / (np.sqrt(v) + eps)
    return out


def adagrad_steps(curvatures=(1.0, 100.0), lr: float = 0.3, gd_lr: float = 0.01, steps: int = 150,
                  start=(-2.5, 2.0)):
    """Adagrad gives each coordinate its own step, so badly scaled coordinates progress alike.

    On ½(c₁θ₁² + c₂θ₂²) with curvatures 1 and 100, gradient descent at
    η = 1/L = ``gd_lr`` settles the steep θ₂ in one step and crawls along
    the flat θ₁ (factor 1 - η c₁ = 0.99 per step). Adagrad divides each
    coordinate by the root of its own sum of squared gradients: the steep
    coordinate gets a step 70 to 80 times smaller, and both coordinates
    shrink together. Left: paths; middle: each coordinate's distance to
    θ*, relative to the start; right: Adagrad's step γ/(√s_t + ε) per
    coordinate, which can only shrink: like 1/√t (dotted) while the gradient
    keeps its size, then frozen once the gradients vanish. It never grows
    back (on a problem whose gradients do not vanish, such as a stochastic
    one, it keeps shrinking like 1/√t for ever).

    Args:
        curvatures: c₁, c₂.
        lr: Adagrad's learning rate γ.
        gd_lr: gradient descent's learning rate (1/L by default).
        steps: the number of steps.
        start: θ₀.
    """
    f = scaled_bowl(curvatures, start)
    runs = {"gd": run(sgd(lr=gd_lr), f, f.start, steps), "adagrad": run(adagrad(lr=lr), f, f.start, steps)}
    names = {"gd": f"gradient descent, $\\eta = {gd_lr:g}$", "adagrad": f"Adagrad, $\\gamma = {lr:g}$"}
    effective = adagrad_effective_steps(f, runs["adagrad"], lr)
    fig, (ax_path, ax_coord, ax_step) = new_figure(3, width=10.0, height=3.7)
    plot_landscape(f, ax_path)
    t = np.arange(steps + 1)
    styles = ("-", "--")
    for key, traj in runs.items():
        plot_path(ax_path, traj, label=names[key], color=OPTIMIZER_COLORS[key], markersize=2)
        relative = np.abs(traj.params - f.minima[0]) / np.abs(f.start - f.minima[0])
        for i, style in enumerate(styles):
            ax_coord.plot(t, np.maximum(relative[:, i], 1e-300), style, color=OPTIMIZER_COLORS[key])
    key_lines = [ax_coord.plot([], [], style, color="#555555",
                               label=f"$\\theta_{i + 1}$, curvature {curvatures[i]:g}")[0]
                 for i, style in enumerate(styles)]
    ax_coord.legend(handles=key_lines, loc="lower left")
    ax_coord.set(yscale="log", ylim=(1e-6, 3), xlabel="step $t$",
                 ylabel=r"$|\theta_{i,t} - \theta^*_i| \,/\, |\theta_{i,0} - \theta^*_i|$")
    tt = np.arange(1, steps + 1)
    for i, style in enumerate(styles):
        ax_step.plot(tt, effective[:, i], style, color=OPTIMIZER_COLORS["adagrad"],
                     label=f"Adagrad, $\\theta_{i + 1}$")
        ax_step.plot(tt, effective[0, i] / np.sqrt(tt), ":", color="#555555",
                     label=r"$\propto 1/\sqrt{t}$" if i == 0 else None)
    ax_step.axhline(gd_lr, color=OPTIMIZER_COLORS["gd"], label="gradient descent")
    ax_step.set(xscale="log", yscale="log", ylim=(1e-5, 0.4), xlabel="step $t$",
                ylabel="step size of each coordinate")
    ax_path.legend(loc="lower right", fontsize=8)
    ax_step.legend(loc="lower left", fontsize=8)
    ax_path.set_title(f"curvatures {curvatures[0]:g} and {curvatures[1]:g}")
    ax_coord.set_title("progress of each coordinate")
    ax_step.set_title(r"Adagrad's steps $\gamma / (\sqrt{s_t} + \epsilon)$")
    return fig


def rmsprop_vs_adagrad_runs(lr: float = 0.01, alpha: float = 0.99, steps: int = 3000):
    """Adagrad and RMSprop at the same learning rate on Rosenbrock from its default start.

    Returns:
        ``(landscape, {"adagrad": Trajectory, "rmsprop": Trajectory})``.
    """
    f = landscapes.rosenbrock()
    return f, {"adagrad": run(adagrad(lr=lr), f, f.start, steps),
               "rmsprop": run(rmsprop(lr=lr, alpha=alpha), f, f.start, steps)}


def rmsprop_vs_adagrad(lr: float = 0.01, alpha: float = 0.99, steps: int = 3000):
    """Adagrad's memory of the steep start freezes it; RMSprop forgets and keeps moving.

    Both at PyTorch's defaults (lr = 0.01; RMSprop α = 0.99) on Rosenbrock
    from (-1.5, 2), where the first gradients are large (about 160) and
    those on the valley floor small. Adagrad's sum of squares never forgets
    the start, so its steps stay at about γ/|g₁| and it barely moves; RMSprop's
    moving average forgets it, its steps grow as the gradients shrink, and it
    runs down the whole valley (at a constant step it then jitters across the
    floor, which sets its final loss). Left: paths; middle: f - f*; right:
    each method's step size per coordinate (solid θ₁, dashed θ₂), from
    :func:`adagrad_effective_steps` and :func:`rmsprop_effective_steps`.

    Args:
        lr: the learning rate of both.
        alpha: RMSprop's decay α.
        steps: the number of steps.
    """
    f, runs = rmsprop_vs_adagrad_runs(lr, alpha, steps)
    effective = {"adagrad": adagrad_effective_steps(f, runs["adagrad"], lr),
                 "rmsprop": rmsprop_effective_steps(f, runs["rmsprop"], lr, alpha)}
    names = {"adagrad": "Adagrad", "rmsprop": f"RMSprop, $\\alpha = {alpha:g}$"}
    fig, (ax_path, ax_loss, ax_step) = new_figure(3, width=10.0, height=3.7)
    plot_landscape(f, ax_path)
    t = np.arange(1, steps + 1)
    for key in ("rmsprop", "adagrad"):                           # Adagrad's short path on top
        color = OPTIMIZER_COLORS[key]
        plot_path(ax_path, runs[key], label=names[key], color=color, markersize=0)
        plot_loss(ax_loss, runs[key], min_value=f.min_value, label=names[key], color=color)
        for i, style in enumerate(("-", "--")):
            ax_step.plot(t, effective[key][:, i], style, color=color, linewidth=1.2)
        ax_step.annotate(names[key].split(",")[0], (t[0], effective[key][0, 1]), xytext=(0, 5),
                         textcoords="offset points", ha="left", va="bottom", color=color)
    ax_step.set(xscale="log", yscale="log", xlabel="step $t$",
                ylabel=r"step size of $\theta_1$ (solid), $\theta_2$ (dashed)")
    handles, labels = ax_path.get_legend_handles_labels()
    ax_path.legend(handles[::-1], labels[::-1], loc="lower right", fontsize=8)
    ax_loss.legend(loc="upper right", fontsize=8)
    ax_path.set_title(f"Rosenbrock, both at lr = {lr:g}")
    ax_loss.set_title("Loss")
    ax_step.set_title("Adagrad's steps cannot grow")
    return fig


def family_optimizers(momentum: float = 0.9) -> dict:
    """Adam and its two parents, by key: ``key -> (label, lr -> optimizer)``; defaults otherwise."""
    return {
        "momentum": (f"momentum {momentum:g}", lambda lr: sgd(lr=lr, momentum=momentum)),
        "rmsprop": ("RMSprop", lambda lr: rmsprop(lr=lr)),
        "adam": ("Adam", lambda lr: adam(lr=lr)),
    }


def race_optimizers() -> dict:
    """Every optimizer of the book, ``key -> (label, lr -> optimizer, line style)``.

    All other hyperparameters at PyTorch's defaults; momentum 0.9 for the
    two momentum methods; AdamW with its default decay 0.01 (so it minimises
    a slightly different objective). The Adam variants are dashed, since
    :data:`~optlib.plotting.OPTIMIZER_COLORS` shares their colours.
    """
    return {
        "gd": ("gradient descent", lambda lr: sgd(lr=lr), "-"),
        "momentum": ("momentum 0.9", lambda lr: sgd(lr=lr, momentum=0.9), "-"),
        "nesterov": ("Nesterov 0.9", lambda lr: sgd(lr=lr, momentum=0.9, nesterov=True), "-"),
        "adagrad": ("Adagrad", lambda lr: adagrad(lr=lr), "-"),
        "rmsprop": ("RMSprop", lambda lr: rmsprop(lr=lr), "-"),
        "adadelta": ("Adadelta", lambda lr: adadelta(lr=lr), "-"),
        "adam": ("Adam", lambda lr: adam(lr=lr), "-"),
        "adamw": ("AdamW", lambda lr: adamw(lr=lr), "--"),
        "nadam": ("NAdam", lambda lr: nadam(lr=lr), "--"),
        "radam": ("RAdam", lambda lr: radam(lr=lr), "--"),
        "adamax": ("Adamax", lambda lr: adamax(lr=lr), "--"),
    }


def tuned_runs(optimizers: dict, landscape, steps: int, lr_range=(1e-5, 100.0), grid_points: int = 36):
    """Each optimizer at its best learning rate from a log grid (:func:`best_lr`).

    Returns:
        ``{key: (index, lr, scores, trajectory)}``, all from ``landscape.start``.
    """
    grid = np.geomspace(*lr_range, grid_points)
    return {key: best_lr(spec[1], landscape, landscape.start, steps, grid) for key, spec in optimizers.items()}


def adam_family(landscape: str = "rosenbrock", steps: int = 2000, lr_range=(1e-5, 100.0),
                grid_points: int = 36, momentum: float = 0.9):
    """Adam beside its two parents, momentum and RMSprop, each at its own best learning rate.

    Each optimizer's learning rate is chosen by a vectorised sweep over
    ``grid_points`` log-spaced values in ``lr_range`` (all in one run, the
    same start and number of steps): the one whose worst f - f* over the
    last tenth of the steps is smallest (:func:`lr_sweep`). Other
    hyperparameters are PyTorch's defaults. On Rosenbrock with 2000 steps,
    momentum leads for the first thousand steps and Adam then overtakes it,
    while RMSprop, whose steps keep a constant size, jitters across the
    valley floor. The figure shows this one landscape and budget; it is no
    evidence that Adam is faster in general.

    Args:
        landscape: the name of a function of :mod:`optlib.landscapes`.
        steps: the number of steps of every run (the budget the lr is tuned for).
        lr_range: the smallest and largest learning rate of the grid.
        grid_points: the number of log-spaced learning rates.
        momentum: the momentum coefficient of the momentum method.
    """
    f = getattr(landscapes, landscape)()
    optimizers = family_optimizers(momentum)
    tuned = tuned_runs(optimizers, f, steps, lr_range, grid_points)
    fig, (ax_path, ax_loss) = new_figure(2, width=10.0, height=4.0)
    plot_landscape(f, ax_path)
    handles = {}
    for key in ("momentum", "adam", "rmsprop"):                  # RMSprop's thin path on top
        label = f"{optimizers[key][0]}, lr = {tuned[key][1]:.2g}"
        traj = tuned[key][3]
        (handles[key],) = plot_path(ax_path, traj, label=label, color=OPTIMIZER_COLORS[key], markersize=0)
        handles[key].set_linewidth(1.0 if key == "rmsprop" else 1.3)
        plot_loss(ax_loss, traj, min_value=f.min_value, label=label, color=OPTIMIZER_COLORS[key])
    ax_path.legend([handles[key] for key in optimizers], [handles[key].get_label() for key in optimizers],
                   loc="lower right", fontsize=8)
    loss_handles = {line.get_label(): line for line in ax_loss.lines}
    ax_loss.legend([loss_handles[handles[key].get_label()] for key in optimizers],
                   [handles[key].get_label() for key in optimizers], loc="lower left")
    ax_path.set_title(f"{f.name.capitalize()}: {steps} steps, each at its tuned lr")
    ax_loss.set_title(f"Loss (lr: best of {grid_points} from {lr_range[0]:g} to {lr_range[1]:g})")
    return fig


def optimizer_race(landscape: str = "rosenbrock", steps: int = 1000, lr_range=(1e-5, 100.0),
                   grid_points: int = 36):
    """Every optimizer of the book on one landscape, each at its own best learning rate.

    Fair in this sense: the same start, the same number of steps, and each
    optimizer's learning rate tuned on its own by a vectorised sweep over
    ``grid_points`` log-spaced values in ``lr_range`` (score: the worst
    f - f* over the last tenth of the steps, :func:`lr_sweep`); every other
    hyperparameter at PyTorch's default (momentum 0.9; AdamW's default
    decay 0.01, so it minimises a slightly different objective). Every
    chosen learning rate is inside its grid at the defaults, none at an
    edge (``tests/test_figure_claims.py`` checks it). A single landscape
    and budget: the ranking says nothing about other problems.

    Args:
        landscape: the name of a function of :mod:`optlib.landscapes`.
        steps: the number of steps of every run.
        lr_range: the smallest and largest learning rate of the grid.
        grid_points: the number of log-spaced learning rates.
    """
    f = getattr(landscapes, landscape)()
    optimizers = race_optimizers()
    tuned = tuned_runs(optimizers, f, steps, lr_range, grid_points)
    fig, (ax_path, ax_loss) = new_figure(2, width=10.0, height=5.4)
    plot_landscape(f, ax_path, levels=contour_levels(f, n=8))
    for key, (label, _, style) in optimizers.items():
        traj = tuned[key][3]
        for line in plot_path(ax_path, traj, color=OPTIMIZER_COLORS[key], markersize=0):
            line.set(linestyle=style, linewidth=1.1)
        (line,) = plot_loss(ax_loss, traj, min_value=f.min_value, color=OPTIMIZER_COLORS[key],
                            label=f"{label}, lr = {tuned[key][1]:.2g}")
        line.set(linestyle=style, linewidth=1.3)
    fig.legend(*ax_loss.get_legend_handles_labels(), loc="outside lower center", ncol=4)
    ax_path.set_title(f"{f.name.capitalize()} from ({f.start[0]:g}, {f.start[1]:g}): {steps} steps each")
    ax_loss.set_title(f"Loss (lr: best of {grid_points} from {lr_range[0]:g} to {lr_range[1]:g})")
    return fig


def regularized_quadratic(curvatures=(100.0, 1.0), minimum=(1.0, 1.0), start=(0.0, 0.0)):
    """½ Σ cᵢ (θᵢ - mᵢ)²: a separable quadratic whose minimum is away from the origin."""
    return landscapes.quadratic(np.diag(np.asarray(curvatures, dtype=float)), minimum=minimum,
                                name="quadratic", window=((-0.6, 1.2), (-0.6, 1.2)), start=start)


def l2_limit(curvatures, minimum, weight_decay: float) -> np.ndarray:
    """Where Adam with an L2 penalty converges on ½ Σ cᵢ(θᵢ - mᵢ)²: the minimiser of
    f + (λ/2)‖θ‖², θᵢ = cᵢ mᵢ / (cᵢ + λ) (its stationarity: ∇f(θ) + λθ = 0)."""
    c, m = np.asarray(curvatures, dtype=float), np.asarray(minimum, dtype=float)
    return c * m / (c + weight_decay)


def decoupled_limit(curvatures, minimum, weight_decay: float) -> np.ndarray:
    """Where AdamW converges on ½ Σ cᵢ(θᵢ - mᵢ)² with full-batch gradients: the
    minimiser of f over the box |θᵢ| <= 1/λ, θᵢ = clip(mᵢ, -1/λ, 1/λ), whatever the cᵢ.

    At a fixed point Adam's direction is gᵢ/(|gᵢ| + ε), and decoupled decay
    balances it: gᵢ/(|gᵢ| + ε) = -λθᵢ. Either gᵢ ≈ 0 (|θᵢ| < 1/λ) or
    |θᵢ| = 1/λ against the gradient (Xie & Li, ICML 2024: AdamW converges to
    a KKT point of f under ‖θ‖∞ <= 1/λ). The curvatures do not matter.
    """
    del curvatures                                              # the point of the result
    bound = 1.0 / weight_decay
    return np.clip(np.asarray(minimum, dtype=float), -bound, bound)


def adam_direction(grads, betas=(0.9, 0.999), eps: float = 1e-8) -> np.ndarray:
    r"""Adam's direction :math:`\hat m_T / (\sqrt{\hat v_T} + \epsilon)` after gradients g_1..g_T (axis 0)."""
    beta1, beta2 = betas
    m = v = np.zeros(np.shape(grads)[1:])
    for g in np.asarray(grads, dtype=float):
        m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g
    t = len(grads)
    return (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)


def adamw_vs_l2_runs(curvatures=(100.0, 1.0), minimum=(1.0, 1.0), weight_decay: float = 2.0,
                     lr: float = 0.01, steps: int = 5000, start=(0.0, 0.0)):
    """Adam with an L2 penalty and AdamW, the same λ and learning rate, from the same start.

    Returns:
        ``(landscape, {"l2": Trajectory, "decoupled": Trajectory})``.
    """
    f = regularized_quadratic(curvatures, minimum, start)
    return f, {"l2": run(adam(lr=lr, weight_decay=weight_decay), f, f.start, steps),
               "decoupled": run(adamw(lr=lr, weight_decay=weight_decay), f, f.start, steps)}


def adamw_vs_l2(curvatures=(100.0, 1.0), minimum=(1.0, 1.0), weight_decay: float = 2.0,
                lr: float = 0.01, steps: int = 5000, start=(0.0, 0.0)):
    """L2 regularisation inside Adam and decoupled weight decay lead to different points.

    ``optlib.adam(weight_decay=λ)`` adds λθ to the gradient before Adam's
    per-coordinate scaling; ``optlib.adamw(weight_decay=λ)`` subtracts γλθ
    after it. The comparison is fair in the sense that with plain SGD these
    two would be the same update (same λ, both multiplied by the same
    learning rate γ), and everything else is equal. On ½(100(θ₁ - 1)² +
    (θ₂ - 1)²), Adam + L2 converges to the minimiser of f + (λ/2)‖θ‖²
    (:func:`l2_limit`): the penalty competes with the gradient, so it hardly
    moves the steep coordinate and pulls the flat one far in. AdamW's decay
    competes with Adam's normalised step, which has the same size on every
    coordinate: it converges to the minimiser of f in the box |θᵢ| <= 1/λ
    (:func:`decoupled_limit`), the same for both coordinates. Left: paths
    with both limits, θ* and the box; right: the coordinates against the
    step. (On this full-batch problem AdamW approaches its limit slowly, as
    Adam's second moment forgets the early gradients.)

    Args:
        curvatures: c₁, c₂ of f = ½ Σ cᵢ(θᵢ - mᵢ)².
        minimum: m, the unregularised minimiser.
        weight_decay: λ, the same for both methods.
        lr: the learning rate γ of both.
        steps: the number of steps.
        start: θ₀.
    """
    f, runs = adamw_vs_l2_runs(curvatures, minimum, weight_decay, lr, steps, start)
    limits = {"l2": l2_limit(curvatures, minimum, weight_decay),
              "decoupled": decoupled_limit(curvatures, minimum, weight_decay)}
    keys = {"l2": "adam", "decoupled": "adamw"}
    names = {"l2": f"Adam + L2, weight_decay = {weight_decay:g}",
             "decoupled": f"AdamW, weight_decay = {weight_decay:g}"}
    markers = {"l2": "D", "decoupled": "s"}
    fig, (ax_path, ax_coord) = new_figure(2, width=10.0, height=4.3)
    plot_landscape(f, ax_path)
    bound = 1.0 / weight_decay
    ax_path.plot([-bound, bound, bound, -bound, -bound], [-bound, -bound, bound, bound, -bound], "--",
                 color="#555555", linewidth=1, label=f"box $|\\theta_i| \\leq 1/\\lambda = {bound:g}$")
    t = np.arange(1, steps + 1)
    for key, traj in runs.items():
        color = OPTIMIZER_COLORS[keys[key]]
        plot_path(ax_path, traj, label=names[key], color=color, markersize=1.5)
        ax_path.plot(*limits[key], markers[key], color=color, markersize=9, markeredgecolor="white",
                     markeredgewidth=1.2, zorder=7,
                     label=f"its limit ({limits[key][0]:.3g}, {limits[key][1]:.3g})")
        for i, style in enumerate(("-", "--")):
            ax_coord.plot(t, traj.params[1:, i], style, color=color)
        for value in sorted(set(np.round(limits[key], 12))):
            ax_coord.axhline(value, color=color, linewidth=0.7, linestyle=":")
            ax_coord.annotate(f"{value:.3g}", (1, value), xytext=(2, 2), textcoords="offset points",
                              color=color, fontsize=8)
    ax_path.plot([], [], "*", color="white", markeredgecolor="black", markersize=12,
                 label=f"unregularised minimum ({minimum[0]:g}, {minimum[1]:g})")
    keys_legend = [ax_coord.plot([], [], "-", color=OPTIMIZER_COLORS[keys[key]], label=names[key].split(",")[0])[0]
                   for key in runs]
    keys_legend += [ax_coord.plot([], [], style, color="#555555",
                                  label=f"$\\theta_{i + 1}$, curvature {curvatures[i]:g}")[0]
                    for i, style in enumerate(("-", "--"))]
    ax_coord.legend(handles=keys_legend, loc="lower right", fontsize=8)
    ax_coord.set(xscale="log", xlabel="step $t$", ylabel=r"$\theta_{i,t}$ (dotted: the limits)")
    ax_path.legend(loc="lower right", fontsize=8)
    ax_path.set_title(f"same $\\lambda$, lr = {lr:g}, start and {steps} steps")
    ax_coord.set_title("AdamW treats both coordinates alike")
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
    "sgd_noise": FigureSpec(
        sgd_noise,
        "Three panels for minibatch SGD with batch size 4 on the two-feature diabetes "
        "least-squares problem. Left: contour lines and the first epoch of three runs from the upper "
        "left: constant step 0.03 (blue), constant step 0.3 (orange) and decaying step 4/(40 + t) "
        "(green). Middle: a zoom on the minimum with the iterates of the second half as dots: the "
        "orange cloud is wide (mean distance about 0.2 from the minimum), the blue one small (about "
        "0.06), the green one sits on the minimum (about 0.02). Right: f minus f-star averaged over 32 "
        "runs on log-log axes: the constant steps level off at about 0.025 and 0.002, while the "
        "decaying step keeps falling along a dashed 1/t line, to about 0.0002."),
    "momentum_gutter": FigureSpec(
        momentum_gutter,
        "Left: a narrow valley of condition number 50 with two paths from the upper left, both at "
        "learning rate 1.95: gradient descent (blue) zig-zags across the valley dozens of times while "
        "creeping towards the minimum; momentum 0.6 (vermillion) swings across a few times with "
        "shrinking amplitude and runs along the valley floor to the minimum. Right: both losses fall "
        "as straight lines on a log scale; momentum gets below a millionth of its start value at step "
        "44, gradient descent at step 144."),
    "adagrad_steps": FigureSpec(
        adagrad_steps,
        "Three panels on a quadratic bowl with curvature 1 along theta 1 and 100 along theta 2. "
        "Left: gradient descent at step 0.01 drops straight to the valley floor and crawls along it; "
        "Adagrad heads almost straight for the minimum. Middle: each coordinate's distance to the "
        "minimum on a log scale: for gradient descent the steep coordinate is done in one step while "
        "the flat one is still at 22 percent after 150 steps; for Adagrad both fall together, below "
        "0.1 percent. Right: Adagrad's step size per coordinate on log-log axes: the flat "
        "coordinate's is 70 to 80 times the steep one's; both shrink like one over the square root "
        "of t at first, then level off as the gradients vanish, and never rise again."),
    "rmsprop_vs_adagrad": FigureSpec(
        rmsprop_vs_adagrad,
        "Three panels on the Rosenbrock valley, Adagrad (green) and RMSprop (orange) both at "
        "learning rate 0.01 for 3000 steps from (-1.5, 2). Left: RMSprop's path runs down the whole "
        "curved valley to near the minimum at (1, 1); Adagrad's stops a short way from the start. "
        "Middle: on a log scale, Adagrad's loss stays near 5.4 while RMSprop's falls to about 0.02. "
        "Right: step sizes per coordinate on log-log axes: Adagrad's are 10 times smaller than "
        "RMSprop's at the start and slowly shrink, while RMSprop's grow as the gradients in the "
        "valley get smaller, ending about 50 times larger than Adagrad's."),
    "adam_family": FigureSpec(
        adam_family,
        "Left: Rosenbrock's banana-shaped valley with three paths from (-1.5, 2) to the minimum at "
        "(1, 1), each at the learning rate its own sweep found best: momentum 0.9 at 0.0016 "
        "zig-zags down the valley, Adam at 0.25 and RMSprop at 0.004 follow the valley floor. Right: "
        "the losses over 2000 steps on a log scale: momentum leads for about the first 1000 steps, "
        "then Adam overtakes it and ends near 1e-25 against momentum's 1e-13, while RMSprop levels "
        "off near 0.01."),
    "adamw_vs_l2": FigureSpec(
        adamw_vs_l2,
        "Left: contour lines of a quadratic with curvature 100 along theta 1 and 1 along theta 2 and "
        "its minimum at (1, 1), with a dashed box of half-width 0.5 around the origin. From the "
        "origin, Adam with an L2 penalty of 2 (black) converges to (0.98, 0.33), while AdamW with "
        "weight decay 2 (pink) converges to the corner of the box at (0.5, 0.5). Right: the two "
        "coordinates against the step on a log axis: with L2 the steep coordinate settles at 0.98 and "
        "the flat one at 0.33; AdamW's two coordinates coincide and approach 0.5."),
    "optimizer_race": FigureSpec(
        optimizer_race,
        "Eleven optimizers on the Rosenbrock valley from (-1.5, 2), 1000 steps each, each at the "
        "learning rate that did best in its own sweep of 36 values from 1e-5 to 100. Left: their "
        "paths, several of which jump far across the landscape at large tuned steps before reaching "
        "the valley. Right: the losses on a log scale: Adam ends lowest (below 1e-13), then momentum "
        "(1e-7) and Nesterov (1e-5); Adamax, AdamW and NAdam end between 0.002 and 0.01, Adagrad, "
        "RMSprop, gradient descent and Adadelta between 0.04 and 0.3, and RAdam highest, near 0.7. "
        "A legend below lists each optimizer with its tuned learning rate."),
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
