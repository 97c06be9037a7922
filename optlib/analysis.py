r"""Rates predicted by theory and rates measured on trajectories.

The book states a rate only together with a cell that measures it; these are
the two halves of that comparison.

Example:
    >>> import numpy as np
    >>> eigenvalues = np.array([0.01, 1.0])
    >>> lr = gd_optimal_lr(eigenvalues)
    >>> round(lr, 4), round(float(gd_rate(lr, eigenvalues)), 4)
    (1.9802, 0.9802)
"""

from __future__ import annotations

import numpy as np


def gd_rate(lr, eigenvalues) -> np.ndarray:
    r"""Gradient descent's contraction factor on a quadratic, :math:`\max_i |1 - \eta\lambda_i|`.

    The error obeys :math:`\theta_t - \theta^* = (I - \eta A)^t (\theta_0 - \theta^*)`,
    so each eigen-direction shrinks by :math:`|1 - \eta\lambda_i|` per step;
    the slowest one sets the rate. Above 1 the iteration diverges.

    Args:
        lr: the step :math:`\eta` (a number or an array of them).
        eigenvalues: the Hessian's eigenvalues :math:`\lambda_i > 0`.
    """
    lam = np.asarray(eigenvalues, dtype=float)
    return np.max(np.abs(1 - np.multiply.outer(np.asarray(lr, dtype=float), lam)), axis=-1)


def gd_optimal_lr(eigenvalues) -> float:
    r"""The step that minimises :func:`gd_rate`: :math:`\eta^* = 2 / (\lambda_1 + \lambda_d)`."""
    lam = np.asarray(eigenvalues, dtype=float)
    return float(2.0 / (lam.min() + lam.max()))


def gd_optimal_rate(condition_number) -> np.ndarray:
    r"""The rate at :math:`\eta^*`: :math:`(\kappa - 1) / (\kappa + 1)`."""
    kappa = np.asarray(condition_number, dtype=float)
    return (kappa - 1) / (kappa + 1)


def measured_rate(errors, *, floor: float = 1e-10) -> np.ndarray:
    r"""The average contraction per step of a decreasing error sequence.

    Fits :math:`e_t \approx C \rho^t` by the geometric mean of the ratios over
    the second half of the steps whose error is still above ``floor`` times
    the first error (below it, rounding dominates).

    Args:
        errors: :math:`e_0, \dots, e_T` along axis 0 (a batch along the others),
            e.g. the distance to the minimiser.
        floor: relative level under which errors are ignored.

    Returns:
        :math:`\hat\rho`, one per run of the batch.
    """
    e = np.asarray(errors, dtype=float)
    usable = e > floor * e[:1]
    last = np.maximum(usable.cumprod(axis=0).sum(axis=0) - 1, 1)   # last usable index
    first = last // 2
    take = lambda i: np.take_along_axis(e, np.expand_dims(i, 0), axis=0)[0]
    return (take(last) / take(first)) ** (1.0 / (last - first))


def steps_to_tolerance(rate, tolerance) -> np.ndarray:
    r"""The steps :math:`k` with :math:`\rho^k \le` tolerance: :math:`\lceil \ln(\text{tol}) / \ln\rho \rceil`."""
    return np.ceil(np.log(tolerance) / np.log(np.asarray(rate, dtype=float)))


def numerical_gradient(f, x, h: float = 1e-6) -> np.ndarray:
    """Central finite differences of a batched ``f`` at ``x`` (shape ``(..., d)``)."""
    x = np.asarray(x, dtype=float)
    eye = np.eye(x.shape[-1]) * h
    return np.stack([(f(x + e) - f(x - e)) / (2 * h) for e in eye], axis=-1)
