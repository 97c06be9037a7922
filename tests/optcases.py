"""Helpers shared by the test modules (imported, not collected)."""

from __future__ import annotations

import numpy as np

import optlib

#: Every named recipe that mirrors a torch.optim class.
RECIPES = ("sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "nadam", "radam", "adamax")


def iterate(opt, theta0, grad, steps: int) -> np.ndarray:
    """θ_0, ..., θ_steps of ``opt`` fed ``grad(θ, t)`` (t = 0 for the first update)."""
    theta = np.array(theta0, dtype=float)
    state = opt.init(theta)
    out = [theta]
    for t in range(steps):
        updates, state = opt.update(grad(theta, t), state, theta)
        theta = optlib.apply_updates(theta, updates)
        # comparisons below must not pass by matching NaN with NaN
        assert np.all(np.isfinite(theta)), f"the run diverged at step {t + 1}"
        out.append(theta)
    return np.array(out)


def relative_error(a, b) -> float:
    """max |a - b| relative to the scale max |b| (at least the smallest normal)."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), np.finfo(float).tiny))
