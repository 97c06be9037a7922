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


def side_by_side(opt, make_torch_optimizer, theta0, grad, steps: int, make_scheduler=None):
    """The iterates θ_1, ..., θ_steps of ``opt`` and of a torch optimizer, each fed ``grad(θ, t)``
    at its own iterate (t = 0 for the first update), shape ``(steps, *θ_0.shape)`` each.

    ``make_torch_optimizer([param])`` builds the torch optimizer over one float64
    parameter; ``make_scheduler(torch_optimizer)``, if given, builds an
    ``lr_scheduler`` stepped after every update, as the torch docs prescribe.
    """
    import torch

    theta = np.array(theta0, dtype=float)
    state = opt.init(theta)
    param = torch.nn.Parameter(torch.tensor(theta, dtype=torch.float64))
    reference = make_torch_optimizer([param])
    scheduler = make_scheduler(reference) if make_scheduler else None
    ours, theirs = [], []
    for t in range(steps):
        updates, state = opt.update(grad(theta, t), state, theta)
        theta = optlib.apply_updates(theta, updates)
        ours.append(theta)
        param.grad = torch.from_numpy(grad(param.detach().numpy().copy(), t))
        reference.step()
        if scheduler is not None:
            scheduler.step()
        theirs.append(param.detach().numpy().copy())
    return np.array(ours), np.array(theirs)
