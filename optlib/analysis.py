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

    Fits :math:`\log e_t \approx c + t \log\hat\rho` by least squares over the
    second half of the steps whose error is still above ``floor`` times the
    first error (below it, rounding dominates). For a geometric sequence this
    is exactly its ratio; for a decay that oscillates (complex eigenvalues, as
    with momentum) the fit averages over the oscillation.

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
    t = np.arange(e.shape[0]).reshape((-1,) + (1,) * (e.ndim - 1))
    window = (t >= first) & (t <= last)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_e = np.where(window, np.log(e), 0.0)
    count = window.sum(axis=0)
    t_mean = np.sum(window * t, axis=0) / count
    log_mean = np.sum(log_e, axis=0) / count
    slope = (np.sum(window * (t - t_mean) * (log_e - log_mean), axis=0)
             / np.sum(window * (t - t_mean) ** 2, axis=0))
    return np.exp(slope)


def steps_to_tolerance(rate, tolerance) -> np.ndarray:
    r"""The steps :math:`k` with :math:`\rho^k \le` tolerance: :math:`\lceil \ln(\text{tol}) / \ln\rho \rceil`."""
    return np.ceil(np.log(tolerance) / np.log(np.asarray(rate, dtype=float)))


def numerical_gradient(f, x, h: float = 1e-6) -> np.ndarray:
    """Central finite differences of a batched ``f`` at ``x`` (shape ``(..., d)``)."""
    x = np.asarray(x, dtype=float)
    eye = np.eye(x.shape[-1]) * h
    return np.stack([(f(x + e) - f(x - e)) / (2 * h) for e in eye], axis=-1)


def spectral_radius(matrices) -> np.ndarray:
    r"""The largest modulus of the eigenvalues of each matrix (over the last two axes).

    2x2 matrices, the case of every method on a quadratic, use the closed form
    :math:`z^2 - \operatorname{tr} z + \det = 0` (fast for large sweeps).
    """
    M = np.asarray(matrices, dtype=float)
    if M.shape[-2:] != (2, 2):
        return np.max(np.abs(np.linalg.eigvals(M)), axis=-1)
    trace = M[..., 0, 0] + M[..., 1, 1]
    det = M[..., 0, 0] * M[..., 1, 1] - M[..., 0, 1] * M[..., 1, 0]
    root = np.sqrt((trace * trace - 4 * det).astype(complex))
    return np.maximum(np.abs(trace + root), np.abs(trace - root)) / 2


def _two_by_two(a, b, c, d) -> np.ndarray:
    a, b, c, d = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (a, b, c, d)))
    return np.stack([np.stack([a, b], axis=-1), np.stack([c, d], axis=-1)], axis=-2)


def momentum_matrix(lr, momentum, curvature) -> np.ndarray:
    r"""The iteration matrix of heavy-ball momentum on one eigen-direction of a quadratic.

    With PyTorch's buffer :math:`b_t = \mu b_{t-1} + g_t`,
    :math:`\theta_t = \theta_{t-1} - \gamma b_t` (Goh's :math:`z \leftarrow \beta z + \nabla f`,
    :math:`w \leftarrow w - \alpha z`) and :math:`g = \lambda x` on a direction of curvature
    :math:`\lambda`, the pair :math:`(b, x)` evolves by

    .. math:: R = \begin{pmatrix} \mu & \lambda \\ -\gamma\mu & 1 - \gamma\lambda \end{pmatrix}.

    Args broadcast against each other; the result has shape ``(..., 2, 2)``.
    """
    lr, momentum = np.asarray(lr, dtype=float), np.asarray(momentum, dtype=float)
    return _two_by_two(momentum, curvature, -lr * momentum, 1 - lr * np.asarray(curvature, dtype=float))


def nesterov_matrix(lr, momentum, curvature) -> np.ndarray:
    r"""The iteration matrix of Nesterov momentum (PyTorch's form) on one eigen-direction.

    With :math:`b_t = \mu b_{t-1} + g_t` and :math:`\theta_t = \theta_{t-1} - \gamma(g_t + \mu b_t)`,

    .. math:: R = \begin{pmatrix} \mu & \lambda \\ -\gamma\mu^2 & 1 - \gamma\lambda(1+\mu) \end{pmatrix},

    whose eigenvalues are those of the look-ahead form
    :math:`\begin{pmatrix} (1+\mu)(1-\gamma\lambda) & -\mu(1-\gamma\lambda) \\ 1 & 0\end{pmatrix}`.
    """
    lr, momentum = np.asarray(lr, dtype=float), np.asarray(momentum, dtype=float)
    lam = np.asarray(curvature, dtype=float)
    return _two_by_two(momentum, lam, -lr * momentum ** 2, 1 - lr * lam * (1 + momentum))


def _worst_over(matrix, lr, momentum, eigenvalues) -> np.ndarray:
    lam = np.asarray(eigenvalues, dtype=float)
    lr, momentum = np.asarray(lr, dtype=float)[..., None], np.asarray(momentum, dtype=float)[..., None]
    return np.max(spectral_radius(matrix(lr, momentum, lam)), axis=-1)


def momentum_rate(lr, momentum, eigenvalues) -> np.ndarray:
    r"""Heavy ball's asymptotic rate on a quadratic: the largest spectral radius of
    :func:`momentum_matrix` over the eigenvalues. ``lr`` and ``momentum`` broadcast."""
    return _worst_over(momentum_matrix, lr, momentum, eigenvalues)


def nesterov_rate(lr, momentum, eigenvalues) -> np.ndarray:
    r"""Nesterov's asymptotic rate on a quadratic: the largest spectral radius of
    :func:`nesterov_matrix` over the eigenvalues. ``lr`` and ``momentum`` broadcast."""
    return _worst_over(nesterov_matrix, lr, momentum, eigenvalues)


def momentum_stable(lr, momentum, curvature) -> np.ndarray:
    r"""Whether heavy ball converges on a direction of curvature :math:`\lambda`:
    :math:`0 < \gamma\lambda < 2 + 2\mu`, for :math:`0 \le \mu < 1`."""
    product = np.asarray(lr, dtype=float) * np.asarray(curvature, dtype=float)
    momentum = np.asarray(momentum, dtype=float)
    return (product > 0) & (product < 2 + 2 * momentum) & (momentum >= 0) & (momentum < 1)


def critical_momentum(lr, curvature) -> np.ndarray:
    r"""The momentum that critically damps a direction: :math:`\mu = (1 - \sqrt{\gamma\lambda})^2`."""
    return (1 - np.sqrt(np.asarray(lr, dtype=float) * np.asarray(curvature, dtype=float))) ** 2


def momentum_optimal(eigenvalues) -> tuple[float, float, float]:
    r"""The best heavy-ball parameters on a quadratic (Polyak 1964; Goh 2017).

    .. math::
        \gamma^\star = \Bigl(\frac{2}{\sqrt{\lambda_1} + \sqrt{\lambda_d}}\Bigr)^2, \quad
        \mu^\star = \Bigl(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\Bigr)^2, \quad
        \text{rate } \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}.

    Returns:
        ``(lr, momentum, rate)``.
    """
    lam = np.asarray(eigenvalues, dtype=float)
    low, high = float(lam.min()), float(lam.max())
    root = np.sqrt(high / low)
    rate = float((root - 1) / (root + 1))
    return float((2 / (np.sqrt(low) + np.sqrt(high))) ** 2), rate ** 2, rate


def nesterov_parameters(eigenvalues, choice: str = "standard") -> tuple[float, float, float]:
    r"""Nesterov momentum's parameters for a strongly convex quadratic, and the rate they give.

    - ``"standard"``: :math:`\gamma = 1/L`, :math:`\mu = (\sqrt\kappa - 1)/(\sqrt\kappa + 1)`,
      rate :math:`1 - 1/\sqrt\kappa` (Nesterov 2004, section 2.2).
    - ``"optimal"``: :math:`\gamma = 4/(3L + \lambda_1)`,
      :math:`\mu = (\sqrt{3\kappa + 1} - 2)/(\sqrt{3\kappa + 1} + 2)`, rate
      :math:`1 - 2/\sqrt{3\kappa + 1}`, the best over all constant parameters
      (Lessard, Recht & Packard 2016).

    Returns:
        ``(lr, momentum, rate)``.
    """
    lam = np.asarray(eigenvalues, dtype=float)
    low, high = float(lam.min()), float(lam.max())
    kappa = high / low
    if choice == "standard":
        root = float(np.sqrt(kappa))
        return 1 / high, (root - 1) / (root + 1), 1 - 1 / root
    if choice == "optimal":
        root = float(np.sqrt(3 * kappa + 1))
        return 4 / (3 * high + low), (root - 2) / (root + 2), 1 - 2 / root
    raise ValueError(f"choice must be 'standard' or 'optimal'; got {choice!r}")
