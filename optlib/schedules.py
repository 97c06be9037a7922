r"""Learning-rate schedules: the learning rate as a function of the step.

Each function returns a schedule ``lr(count)``, where ``count`` is the number
of updates made so far (0 for the first update), as Optax does. Pass it as the
``lr`` of any recipe; the optimizer stays pure, since the count lives in its
state::

    opt = optlib.sgd(lr=optlib.schedules.cosine(0.1, T_max=1000), momentum=0.9)

Every schedule equals the matching ``torch.optim.lr_scheduler`` class stepped
once after every optimizer step (``tests/test_schedules_against_torch.py``),
and every number may be an array broadcastable against the parameters, so one
run sweeps many schedules. Symbols: :math:`\gamma_0` the base learning rate,
:math:`t` the count.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .hyperparameters import hyperparameter

Schedule = Callable[[int], np.ndarray]


def _rate(lr, name: str = "lr"):
    return hyperparameter(lr, name, "learning rate", low=0.0)


def _whole(value, name: str, low: int = 1) -> int:
    if int(value) != value or value < low:
        raise ValueError(f"Invalid {name}: {value!r} (must be a whole number >= {low})")
    return int(value)


def constant(lr) -> Schedule:
    r""":math:`\gamma_t = \gamma_0`, as no scheduler at all."""
    lr = _rate(lr)
    return lambda count: lr


def step(lr, step_size: int, gamma=0.1) -> Schedule:
    r""":math:`\gamma_t = \gamma_0\, \text{gamma}^{\lfloor t / \text{step\_size} \rfloor}`, as ``StepLR``.

    Args:
        lr: :math:`\gamma_0 \ge 0`.
        step_size: updates between decays, a whole number >= 1.
        gamma: the factor of each decay, in [0, 1].
    """
    lr, step_size = _rate(lr), _whole(step_size, "step_size")
    gamma = hyperparameter(gamma, "gamma", "gamma value", low=0.0, high=1.0)
    return lambda count: lr * gamma ** (count // step_size)


def exponential(lr, gamma) -> Schedule:
    r""":math:`\gamma_t = \gamma_0\, \text{gamma}^t`, as ``ExponentialLR``.

    Args:
        lr: :math:`\gamma_0 \ge 0`.
        gamma: the factor per update, in [0, 1].
    """
    lr = _rate(lr)
    gamma = hyperparameter(gamma, "gamma", "gamma value", low=0.0, high=1.0)
    return lambda count: lr * gamma ** count


def cosine(lr, T_max: int, eta_min=0.0) -> Schedule:
    r"""Cosine annealing, as ``CosineAnnealingLR``:

    .. math:: \gamma_t = \eta_{\min} + \tfrac12(\gamma_0 - \eta_{\min})\bigl(1 + \cos(\pi t / T_{\max})\bigr),

    which reaches :math:`\eta_{\min}` at :math:`t = T_{\max}` and, past it, rises
    again with period :math:`2T_{\max}` (as PyTorch's does).

    Args:
        lr: :math:`\gamma_0 \ge 0`.
        T_max: the updates to reach ``eta_min``, a whole number >= 1.
        eta_min: the lowest rate, >= 0.
    """
    lr, T_max = _rate(lr), _whole(T_max, "T_max")
    eta_min = _rate(eta_min, "eta_min")
    return lambda count: eta_min + 0.5 * (lr - eta_min) * (1 + np.cos(np.pi * count / T_max))


def linear(lr, start_factor=1 / 3, end_factor=1.0, total_iters: int = 5) -> Schedule:
    r"""A linear ramp of the factor, as ``LinearLR`` (a warm-up when ``start_factor < 1``):

    .. math:: \gamma_t = \gamma_0\Bigl(s + (e - s)\frac{\min(t, T)}{T}\Bigr),

    with :math:`s` = ``start_factor``, :math:`e` = ``end_factor``, :math:`T` = ``total_iters``.

    Args:
        lr: :math:`\gamma_0 \ge 0`.
        start_factor: in (0, 1].
        end_factor: in [0, 1].
        total_iters: the length of the ramp, a whole number >= 1.
    """
    lr, total = _rate(lr), _whole(total_iters, "total_iters")
    start = hyperparameter(start_factor, "start_factor", "start_factor value", low=0.0, high=1.0,
                           low_open=True)
    end = hyperparameter(end_factor, "end_factor", "end_factor value", low=0.0, high=1.0)
    return lambda count: lr * (start + (end - start) * min(count, total) / total)


def warmup_cosine(lr, warmup_steps: int, total_steps: int, start_factor=1 / 3, eta_min=0.0) -> Schedule:
    r"""A linear warm-up, then cosine annealing to ``eta_min`` at ``total_steps``.

    As ``SequentialLR([LinearLR(start_factor, 1, warmup_steps),
    CosineAnnealingLR(total_steps - warmup_steps, eta_min)], milestones=[warmup_steps])``.

    Args:
        lr: the peak rate :math:`\gamma_0 \ge 0`, reached at ``warmup_steps``.
        warmup_steps: the length of the warm-up, a whole number >= 1.
        total_steps: a whole number > ``warmup_steps``.
        start_factor: the first rate is ``start_factor * lr``, in (0, 1].
        eta_min: the final rate, >= 0.
    """
    warmup = _whole(warmup_steps, "warmup_steps")
    total = _whole(total_steps, "total_steps", low=warmup + 1)
    ramp = linear(lr, start_factor, 1.0, warmup)
    anneal = cosine(lr, total - warmup, eta_min)
    return lambda count: ramp(count) if count < warmup else anneal(count - warmup)


def one_cycle(max_lr, total_steps: int, pct_start=0.3, div_factor=25.0, final_div_factor=1e4,
              three_phase: bool = False) -> Schedule:
    r"""The 1cycle policy, as ``OneCycleLR(..., anneal_strategy="cos", cycle_momentum=False)``.

    The rate rises by cosine annealing from ``max_lr / div_factor`` to
    ``max_lr`` over the first ``pct_start`` of the steps, then falls to
    ``max_lr / (div_factor * final_div_factor)`` (with ``three_phase``, first
    back to the initial rate, then to the minimum).

    Args:
        max_lr: the peak rate, >= 0.
        total_steps: the length of the cycle, a whole number >= 2 (PyTorch refuses more steps).
        pct_start: the fraction of the steps spent rising, in (0, 1).
        div_factor: initial rate = max_lr / div_factor, > 0.
        final_div_factor: minimum rate = initial rate / final_div_factor, > 0.
        three_phase: the three-phase variant.
    """
    max_lr, total = _rate(max_lr, "max_lr"), _whole(total_steps, "total_steps", low=2)
    pct = float(hyperparameter(pct_start, "pct_start", "pct_start value", low=0.0, high=1.0,
                               low_open=True, high_open=True))
    div = hyperparameter(div_factor, "div_factor", "div_factor value", low=0.0, low_open=True)
    final_div = hyperparameter(final_div_factor, "final_div_factor", "final_div_factor value",
                               low=0.0, low_open=True)
    initial, minimum = max_lr / div, max_lr / div / final_div
    if three_phase:
        phases = [(pct * total - 1, initial, max_lr), (2 * pct * total - 2, max_lr, initial),
                  (total - 1, initial, minimum)]
    else:
        phases = [(pct * total - 1, initial, max_lr), (total - 1, max_lr, minimum)]

    def schedule(count):
        if count > total:
            raise ValueError(f"one_cycle was asked for step {count} of a cycle of {total} steps")
        start_step = 0.0
        for i, (end_step, start_lr, end_lr) in enumerate(phases):
            if count <= end_step or i == len(phases) - 1:
                fraction = (count - start_step) / (end_step - start_step)
                return end_lr + (start_lr - end_lr) / 2.0 * (np.cos(np.pi * fraction) + 1)
            start_step = end_step

    return schedule
