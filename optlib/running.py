"""Running an optimizer on an objective and keeping the whole trajectory.

``run(opt, objective, x0, steps)`` works on anything with ``value(x)`` and
``grad(x)`` over the last axis (a landscape or a learning problem). Started
from a batch ``x0`` of shape ``(B, d)`` it runs B problems at once, which is
how the book sweeps learning rates and starting points.

Example:
    >>> import numpy as np, optlib
    >>> traj = optlib.run(optlib.sgd(lr=0.1), optlib.landscapes.bowl(), np.array([1.0, 2.0]), steps=3)
    >>> traj.params.shape, traj.values.shape
    ((4, 2), (4,))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .base import GradientTransformation, apply_updates, as_params


class Objective(Protocol):
    """Anything ``run`` can minimise: batched ``value`` and ``grad`` over the last axis."""

    def value(self, x: np.ndarray) -> np.ndarray: ...

    def grad(self, x: np.ndarray) -> np.ndarray: ...


class DivergenceError(FloatingPointError):
    """A run produced non-finite parameters or loss; the message says at which step."""


@dataclass(frozen=True)
class Trajectory:
    """The iterates of a run.

    Attributes:
        params: θ_0, ..., θ_T, shape ``(steps + 1, *x0.shape)``.
        values: f(θ_0), ..., f(θ_T), shape ``(steps + 1, *x0.shape[:-1])``.
        diverged_at: for each run of the batch, the first step whose
            parameters or loss are not finite, or -1 if none; shape
            ``x0.shape[:-1]``. After that step a run is frozen at NaN.
    """

    params: np.ndarray
    values: np.ndarray
    diverged_at: np.ndarray

    @property
    def steps(self) -> int:
        """The number of updates T."""
        return self.params.shape[0] - 1

    @property
    def diverged(self) -> np.ndarray:
        """Whether each run of the batch diverged."""
        return self.diverged_at >= 0

    @property
    def final(self) -> np.ndarray:
        """θ_T."""
        return self.params[-1]

    def __getitem__(self, index) -> "Trajectory":
        """The runs ``index`` of a batch: ``traj[k]`` is the k-th run on its own."""
        return Trajectory(self.params[:, index], self.values[:, index],
                          np.asarray(self.diverged_at[index]))


def _divergence_message(step: int, where, batch_shape) -> str:
    run = f" (run {tuple(int(i) for i in where)} of a batch of shape {batch_shape})" if batch_shape else ""
    return (f"the run diverged: parameters or loss became infinite or NaN at step {step}{run}; "
            "the learning rate is probably too large for this landscape")


def run(opt: GradientTransformation, objective: Objective, x0, steps: int, *,
        on_divergence: str = "raise") -> Trajectory:
    """Run ``opt`` for ``steps`` updates from ``x0`` on ``objective``.

    Args:
        opt: a gradient transformation, e.g. ``optlib.adam(lr=0.1)``.
        objective: anything with batched ``value`` and ``grad`` (a landscape,
            a learning problem).
        x0: the start, shape ``(d,)``, or ``(..., d)`` for a batch of runs.
        steps: the number of updates T >= 0.
        on_divergence: ``"raise"`` stops with :class:`DivergenceError` naming
            the step; ``"record"`` marks the run in ``diverged_at``, freezes it
            at NaN and carries on with the others (for sweeps).

    Returns:
        a :class:`Trajectory` with T + 1 iterates.

    Raises:
        DivergenceError: if a value is not finite and ``on_divergence="raise"``.
        ValueError: for a negative ``steps`` or an unknown ``on_divergence``.
    """
    if on_divergence not in ("raise", "record"):
        raise ValueError(f"on_divergence must be 'raise' or 'record'; got {on_divergence!r}")
    try:
        valid = int(steps) == steps and steps >= 0
    except (TypeError, ValueError, OverflowError):
        valid = False
    if not valid:
        raise ValueError(f"steps must be a whole number >= 0; got {steps!r}")
    steps = int(steps)
    theta = as_params(x0)
    batch_shape = theta.shape[:-1]
    params = np.empty((steps + 1,) + theta.shape)
    values = np.empty((steps + 1,) + batch_shape)
    diverged_at = np.full(batch_shape, -1)
    state = opt.init(theta)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        params[0], values[0] = theta, objective.value(theta)
        if not np.all(np.isfinite(values[0])):
            raise ValueError("the objective is not finite at x0; start where f(x0) is a finite number")
        for t in range(1, steps + 1):
            updates, state = opt.update(objective.grad(theta), state, theta)
            theta = apply_updates(theta, updates)
            loss = objective.value(theta)
            bad = ~(np.isfinite(loss) & np.all(np.isfinite(theta), axis=-1))
            if bad.any():
                newly = bad & (diverged_at < 0)
                if newly.any() and on_divergence == "raise":
                    raise DivergenceError(_divergence_message(t, np.argwhere(newly)[0], batch_shape))
                diverged_at = np.where(newly, t, diverged_at)
                theta = np.where(bad[..., None], np.nan, theta)
                loss = np.where(bad, np.nan, loss)
            params[t], values[t] = theta, loss
    return Trajectory(params, values, diverged_at)
