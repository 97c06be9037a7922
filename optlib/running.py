"""Running an optimizer on an objective and keeping the whole trajectory.

``run(opt, objective, x0, steps)`` works on anything with ``value(x)`` and
``grad(x)`` over the last axis (a landscape or a learning problem). Started
from a batch ``x0`` of shape ``(B, d)`` it runs B problems at once, which is
how the book sweeps learning rates and starting points. With ``batch_size``
it runs on minibatch gradients instead (stochastic gradient methods), each
run of a batch drawing its own minibatches from a seeded generator.

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


class Minibatches:
    """Which examples each step's gradient uses, for every run of a batch.

    ``sampling="shuffle"`` goes through the data in epochs: each run shuffles
    the ``n`` examples, takes ``n // batch_size`` consecutive minibatches
    (the remainder is left out, as ``drop_last=True`` does in PyTorch), and
    reshuffles. ``sampling="replacement"`` draws every minibatch independently,
    with replacement.

    Args:
        n: the number of examples.
        batch_size: examples per minibatch, 1 <= batch_size <= n.
        batch_shape: the shape of the batch of runs (``()`` for one run).
        seed: seeds the generator (the same seed gives the same minibatches).
        sampling: ``"shuffle"`` or ``"replacement"``.
    """

    def __init__(self, n: int, batch_size: int, batch_shape=(), *, seed=None, sampling: str = "shuffle"):
        if sampling not in ("shuffle", "replacement"):
            raise ValueError(f"sampling must be 'shuffle' or 'replacement'; got {sampling!r}")
        if int(batch_size) != batch_size or not 1 <= batch_size <= n:
            raise ValueError(f"batch_size must be a whole number from 1 to n = {n}; got {batch_size!r}")
        self.n, self.batch_size, self.batch_shape = n, int(batch_size), tuple(batch_shape)
        self.sampling = sampling
        self.rng = np.random.default_rng(seed)
        self.steps_per_epoch = n // self.batch_size
        self._order, self._position = None, self.steps_per_epoch

    def next(self) -> np.ndarray:
        """The indices of the next minibatch of every run, shape ``batch_shape + (batch_size,)``."""
        if self.sampling == "replacement":
            return self.rng.integers(0, self.n, size=self.batch_shape + (self.batch_size,))
        if self._position == self.steps_per_epoch:
            ordered = np.broadcast_to(np.arange(self.n), self.batch_shape + (self.n,))
            self._order, self._position = self.rng.permuted(ordered, axis=-1), 0
        start = self._position * self.batch_size
        self._position += 1
        return self._order[..., start:start + self.batch_size]


def _divergence_message(step: int, where, batch_shape) -> str:
    run = f" (run {tuple(int(i) for i in where)} of a batch of shape {batch_shape})" if batch_shape else ""
    return (f"the run diverged: parameters or loss became infinite or NaN at step {step}{run}; "
            "the learning rate is probably too large for this landscape")


def run(opt: GradientTransformation, objective: Objective, x0, steps: int, *,
        on_divergence: str = "raise", batch_size: int | None = None, seed=None,
        sampling: str = "shuffle") -> Trajectory:
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
        batch_size: if given, each update uses the gradient of a minibatch of
            this many examples (``objective.minibatch_grad``), drawn by
            :class:`Minibatches`; the recorded ``values`` are still the full loss.
        seed: seeds the minibatch draws.
        sampling: ``"shuffle"`` (epochs of reshuffled data) or ``"replacement"``.

    Returns:
        a :class:`Trajectory` with T + 1 iterates.

    Raises:
        DivergenceError: if a value is not finite and ``on_divergence="raise"``.
        ValueError: for a negative ``steps``, an unknown ``on_divergence`` or
            ``sampling``, a ``batch_size`` outside 1..n, or a ``batch_size`` for
            an objective without minibatches.
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
    if batch_size is None:
        gradient = objective.grad
    elif not hasattr(objective, "minibatch_grad"):
        raise ValueError(f"batch_size needs an objective with minibatches (a learning problem); "
                         f"{getattr(objective, 'name', objective)!r} has none")
    else:
        minibatches = Minibatches(objective.n, batch_size, batch_shape, seed=seed, sampling=sampling)
        gradient = lambda theta: objective.minibatch_grad(theta, minibatches.next())
    params = np.empty((steps + 1,) + theta.shape)
    values = np.empty((steps + 1,) + batch_shape)
    diverged_at = np.full(batch_shape, -1)
    state = opt.init(theta)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        params[0], values[0] = theta, objective.value(theta)
        if not np.all(np.isfinite(values[0])):
            raise ValueError("the objective is not finite at x0; start where f(x0) is a finite number")
        for t in range(1, steps + 1):
            updates, state = opt.update(gradient(theta), state, theta)
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


def best_learning_rate(lrs, losses) -> float:
    r"""The learning rate of a sweep whose runs have the least mean loss over seeds.

    ``losses[i, s]`` is the (validation) loss of the run with learning rate
    ``lrs[i]`` and seed ``s``. A learning rate at which any seed diverged
    (a loss that is NaN or infinite) is ruled out; among the others the rule
    returns

    .. math::
        \gamma^\star = \operatorname*{arg\,min}_{i}\ \frac1S \sum_{s=1}^{S} L_{is},

    breaking exact ties towards the smaller learning rate. The mean, not the
    best seed: a noisy setting that is lucky once must not win.

    Args:
        lrs: the learning rates, shape ``(n_lrs,)``, in any order.
        losses: shape ``(n_lrs, n_seeds)``.

    Returns:
        the chosen learning rate, a float.

    Raises:
        ValueError: if the shapes do not match, or every learning rate has a diverged run.

    Example:
        >>> best_learning_rate([0.01, 0.1, 1.0], [[0.5, 0.7], [0.2, 0.4], [0.1, np.nan]])
        0.1
    """
    lrs = np.asarray(lrs, dtype=float)
    losses = np.asarray(losses, dtype=float)
    if lrs.ndim != 1 or losses.ndim != 2 or losses.shape[0] != lrs.shape[0]:
        raise ValueError(f"need lrs of shape (n_lrs,) and losses of shape (n_lrs, n_seeds); "
                         f"got {lrs.shape} and {losses.shape}")
    eligible = np.all(np.isfinite(losses), axis=1)
    if not eligible.any():
        raise ValueError("every learning rate has a diverged run; widen the sweep towards smaller rates")
    means = np.where(eligible, np.mean(np.where(eligible[:, None], losses, 0.0), axis=1), np.inf)
    return float(lrs[means == means.min()].min())
