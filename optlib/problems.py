r"""Learning problems on real data, with losses and gradients in numpy.

The data ship inside scikit-learn (no download at run time). Each problem has
batched ``value(theta)`` and ``grad(theta)`` over the last axis of ``theta``,
like the landscapes, so :func:`optlib.run` and every plotting helper take
them as they are.

Example:
    >>> import numpy as np
    >>> problem = diabetes_regression()
    >>> problem.value(np.zeros(problem.dim)).round(1)
    np.float64(14537.2)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def standardize(X: np.ndarray) -> np.ndarray:
    """Centre each column and scale it to unit standard deviation."""
    X = np.asarray(X, dtype=float)
    return (X - X.mean(axis=0)) / X.std(axis=0)


def with_intercept(X: np.ndarray) -> np.ndarray:
    """Append a column of ones, so that the last parameter is the intercept."""
    return np.hstack([X, np.ones((X.shape[0], 1))])


@dataclass(frozen=True)
class LeastSquares:
    r"""Linear least squares :math:`f(\theta) = \frac{1}{2n}\lVert X\theta - y\rVert^2`.

    Its Hessian :math:`H = X^\top X / n` is constant, so the quadratic theory
    of gradient descent applies exactly.

    Attributes:
        X: the design matrix, shape ``(n, d)``.
        y: the targets, shape ``(n,)``.
        name: for legends.
    """

    X: np.ndarray
    y: np.ndarray
    name: str = "least squares"
    eigenvalues: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "eigenvalues", np.linalg.eigvalsh(self.hessian))

    @property
    def n(self) -> int:
        """The number of examples."""
        return self.X.shape[0]

    @property
    def dim(self) -> int:
        """The number of parameters d."""
        return self.X.shape[1]

    @property
    def hessian(self) -> np.ndarray:
        r""":math:`X^\top X / n`."""
        return self.X.T @ self.X / self.n

    @property
    def L(self) -> float:
        """The smoothness constant: the largest eigenvalue of the Hessian."""
        return float(self.eigenvalues[-1])

    @property
    def mu(self) -> float:
        """The strong-convexity constant: the smallest eigenvalue of the Hessian."""
        return float(self.eigenvalues[0])

    @property
    def condition_number(self) -> float:
        """κ = L / μ."""
        return self.L / self.mu

    @property
    def solution(self) -> np.ndarray:
        r"""The minimiser :math:`\theta^*`, by a direct solve."""
        return np.linalg.lstsq(self.X, self.y, rcond=None)[0]

    @property
    def min_value(self) -> float:
        """f(θ*)."""
        return float(self.value(self.solution))

    def residuals(self, theta) -> np.ndarray:
        return np.asarray(theta, dtype=float) @ self.X.T - self.y

    def value(self, theta) -> np.ndarray:
        r = self.residuals(theta)
        return 0.5 * np.mean(r * r, axis=-1)

    def grad(self, theta) -> np.ndarray:
        return self.residuals(theta) @ self.X / self.n


@dataclass(frozen=True)
class LogisticRegression:
    r"""Logistic regression: mean cross-entropy plus an optional L2 penalty.

    .. math::
        f(\theta) = \frac1n \sum_i \bigl[\log(1 + e^{z_i}) - y_i z_i\bigr]
                    + \frac{\lambda}{2}\lVert\theta\rVert^2, \qquad z = X\theta,\ y_i \in \{0, 1\}.

    Attributes:
        X: the design matrix, shape ``(n, d)``.
        y: labels in {0, 1}, shape ``(n,)``.
        l2: the penalty :math:`\lambda \ge 0`.
    """

    X: np.ndarray
    y: np.ndarray
    l2: float = 0.0
    name: str = "logistic regression"

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def dim(self) -> int:
        return self.X.shape[1]

    @property
    def L(self) -> float:
        r"""A smoothness constant: :math:`\lambda_{\max}(X^\top X)/(4n) + \lambda` (σ' ≤ 1/4)."""
        return float(np.linalg.eigvalsh(self.X.T @ self.X)[-1] / (4 * self.n) + self.l2)

    @property
    def mu(self) -> float:
        r"""A strong-convexity constant: :math:`\lambda` (the loss itself is only convex)."""
        return float(self.l2)

    def logits(self, theta) -> np.ndarray:
        return np.asarray(theta, dtype=float) @ self.X.T

    def probabilities(self, theta) -> np.ndarray:
        r""":math:`\sigma(X\theta)`, computed without overflow."""
        return 0.5 * (1 + np.tanh(0.5 * self.logits(theta)))

    def hessian(self, theta) -> np.ndarray:
        r""":math:`X^\top \mathrm{diag}(\sigma(1-\sigma)) X / n + \lambda I` at one ``theta`` of shape (d,)."""
        p = self.probabilities(theta)
        return (self.X.T * (p * (1 - p))) @ self.X / self.n + self.l2 * np.eye(self.dim)

    @property
    def solution(self) -> np.ndarray:
        """The minimiser θ*, by Newton's method (needs ``l2 > 0`` to exist).

        Raises:
            ValueError: if ``l2 == 0`` (on separable data the loss has no minimiser).
        """
        if self.l2 <= 0:
            raise ValueError("the unregularised logistic loss may have no minimiser; use l2 > 0")
        theta = np.zeros(self.dim)
        for _ in range(100):
            step = np.linalg.solve(self.hessian(theta), self.grad(theta))
            theta = theta - step
            if np.linalg.norm(step) <= 1e-13 * (1 + np.linalg.norm(theta)):
                break
        return theta

    @property
    def min_value(self) -> float:
        """f(θ*)."""
        return float(self.value(self.solution))

    def value(self, theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        z = self.logits(theta)
        loss = np.mean(np.logaddexp(0.0, z) - self.y * z, axis=-1)
        return loss + 0.5 * self.l2 * np.sum(theta * theta, axis=-1)

    def grad(self, theta) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        return (self.probabilities(theta) - self.y) @ self.X / self.n + self.l2 * theta

    def accuracy(self, theta) -> np.ndarray:
        """The fraction of examples classified correctly (threshold at z = 0)."""
        return np.mean((self.logits(theta) > 0) == (self.y == 1), axis=-1)


def diabetes_regression() -> LeastSquares:
    """Least squares on scikit-learn's diabetes data (442 patients, 10 features,
    standardised, plus an intercept): predict disease progression after a year."""
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    return LeastSquares(with_intercept(standardize(X)), np.asarray(y, dtype=float),
                        name="diabetes (least squares)")


def breast_cancer_classification(l2: float = 0.0) -> LogisticRegression:
    """Logistic regression on scikit-learn's breast-cancer data (569 tumours,
    30 features, standardised, plus an intercept): malignant (0) or benign (1)."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    return LogisticRegression(with_intercept(standardize(X)), np.asarray(y, dtype=float), l2=l2,
                              name="breast cancer (logistic regression)")
