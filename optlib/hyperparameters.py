"""Validation of hyperparameters, in the style of torch.optim's constructors.

Every hyperparameter may be a number or a numpy array (to sweep many values in
one vectorised run). An invalid value raises ``ValueError`` at construction,
naming the parameter, the offending value and the valid range, e.g.
``Invalid learning rate: lr=-0.1 (must be a finite number >= 0)``.
"""

from __future__ import annotations

import numpy as np


def _range_text(name: str, low, high, low_open: bool, high_open: bool) -> str:
    """``0 <= betas[0] < 1``, ``lr >= 0``, or ``""`` when unbounded."""
    if low is not None and high is not None:
        return f"{low:g} {'<' if low_open else '<='} {name} {'<' if high_open else '<='} {high:g}"
    if low is not None:
        return f"{name} {'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{name} {'<' if high_open else '<='} {high:g}"
    return ""


def hyperparameter(value, name: str, description: str, *, low=None, high=None,
                   low_open: bool = False, high_open: bool = False):
    """Check one hyperparameter and return it as a float or a float64 array.

    Args:
        value: a number, or an array of numbers (one per run of a sweep).
        name: the keyword it was passed as (``"lr"``, ``"betas[0]"``).
        description: what it is, for the message (``"learning rate"``).
        low, high: the bounds of the valid range (``None``: unbounded).
        low_open, high_open: whether the bound itself is excluded.

    Raises:
        ValueError: ``Invalid <description>: <name>=<value> (must be ...)``.
    """
    try:
        array = np.array(value, dtype=np.float64)    # a copy: later edits to the caller's array do not leak in
    except (TypeError, ValueError) as error:
        raise ValueError(f"Invalid {description}: {name}={value!r} (must be a number)") from error
    bad = ~np.isfinite(array)
    if low is not None:
        bad |= (array <= low) if low_open else (array < low)
    if high is not None:
        bad |= (array >= high) if high_open else (array > high)
    if np.any(bad):
        rule = _range_text(name, low, high, low_open, high_open)
        if array.ndim == 0:
            shown = f"{name}={float(array)!r}"
            must = f"must be a finite number with {rule}" if rule else "must be finite"
        else:
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            shown = f"{name}[{', '.join(map(str, index))}]={float(array[index])!r}"
            must = "every entry must be finite" + (f" with {rule}" if rule else "")
        raise ValueError(f"Invalid {description}: {shown} ({must})")
    return float(array) if array.ndim == 0 else array


def betas_pair(betas, *, description: str = "beta parameter"):
    """Check a ``(beta1, beta2)`` pair, each in [0, 1)."""
    try:
        beta1, beta2 = betas
    except (TypeError, ValueError) as error:
        raise ValueError(f"Invalid betas: {betas!r} (must be a pair (beta1, beta2))") from error
    return tuple(
        hyperparameter(beta, f"betas[{i}]", f"{description} at index {i}",
                       low=0.0, high=1.0, high_open=True)
        for i, beta in enumerate((beta1, beta2))
    )


def check_broadcast(params: np.ndarray, **hyperparameters) -> None:
    """Check that array hyperparameters broadcast against ``params`` without
    changing its shape (``lr`` of shape (B, 1) against params (B, d))."""
    for name, value in hyperparameters.items():
        shape = np.shape(value)
        try:
            broadcast = np.broadcast_shapes(shape, params.shape)
        except ValueError:
            broadcast = None
        if broadcast != params.shape:
            raise ValueError(
                f"{name} of shape {shape} does not broadcast against params of shape "
                f"{params.shape}; use a number or an array broadcastable to {params.shape} "
                f"(e.g. shape ({params.shape[0] if params.ndim else 1}, 1) for one value per row)"
            )


def learning_rate(lr):
    """A learning rate: a number or array >= 0, or a schedule (a callable of
    the step count returning one)."""
    if callable(lr):
        return lr
    return hyperparameter(lr, "lr", "learning rate", low=0.0)


def schedule_value(lr, count: int):
    """The learning rate at step ``count`` (0 for the first step), checked."""
    if not callable(lr):
        return lr
    value = lr(count)
    checked = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(checked)) or np.any(checked < 0):
        raise ValueError(
            f"Invalid learning rate: the schedule returned {value!r} at step {count} "
            "(must be a finite number >= 0)"
        )
    return value


def is_zero(value) -> bool:
    """Whether a (possibly array) hyperparameter is zero everywhere."""
    return bool(np.all(np.asarray(value) == 0))

