r"""Test landscapes: two-dimensional (mostly) functions with known minima.

Every landscape is a :class:`Landscape`: ``value(x)`` and ``grad(x)`` act on
the last axis of ``x``, so a batch of points of shape ``(..., d)`` is
evaluated at once; the gradients are analytic (and tested against finite
differences). Each carries its minima, its minimum value and a default
plotting window, so the same landscape looks the same in every chapter.

Example:
    >>> import numpy as np
    >>> from optlib import landscapes
    >>> f = landscapes.rosenbrock()
    >>> f.value(np.array([[1.0, 1.0], [0.0, 0.0]]))
    array([0., 1.])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Landscape:
    """A differentiable function with known minima, batched over the last axis.

    Attributes:
        name: a short name for legends and menus.
        value: ``x (..., d) -> f(x) (...)``.
        grad: ``x (..., d) -> ∇f(x) (..., d)``.
        hessian: ``x (..., d) -> ∇²f(x) (..., d, d)``.
        minima: the global minimisers, shape ``(k, d)``.
        window: the default plotting window ``((x_min, x_max), (y_min, y_max))``.
        start: a default starting point, shape ``(d,)``.
        log_levels: draw contours on a logarithmic scale (steep landscapes).
    """

    name: str
    value: Callable[[Array], Array]
    grad: Callable[[Array], Array]
    hessian: Callable[[Array], Array]
    minima: Array
    window: tuple[tuple[float, float], tuple[float, float]]
    start: Array
    log_levels: bool = False

    @property
    def dim(self) -> int:
        """The number of coordinates."""
        return self.minima.shape[-1]

    @property
    def min_value(self) -> float:
        """The global minimum value f*."""
        return float(self.value(self.minima[0]))

    def gap(self, x) -> Array:
        """The suboptimality f(x) - f*, clipped at zero against rounding."""
        return np.maximum(self.value(x) - self.min_value, 0.0)

    def distance_to_minimum(self, x) -> Array:
        """The distance from ``x`` to the nearest global minimiser."""
        x = np.asarray(x, dtype=float)
        return np.min(np.linalg.norm(x[..., None, :] - self.minima, axis=-1), axis=-1)


@dataclass(frozen=True)
class Quadratic(Landscape):
    r"""f(θ) = ½ (θ - θ*)ᵀ A (θ - θ*), with A symmetric positive definite (so f* = 0).

    Attributes:
        A: the Hessian, shape ``(d, d)``.
        eigenvalues: those of A, ascending: :math:`\lambda_1 \le \dots \le \lambda_d`.
    """

    A: Array = field(default=None, repr=False)
    eigenvalues: Array = field(default=None)

    @property
    def L(self) -> float:
        """The smoothness constant, the largest eigenvalue λ_d."""
        return float(self.eigenvalues[-1])

    @property
    def mu(self) -> float:
        """The strong-convexity constant, the smallest eigenvalue λ_1."""
        return float(self.eigenvalues[0])

    @property
    def condition_number(self) -> float:
        """κ = λ_d / λ_1."""
        return self.L / self.mu


def quadratic(A, minimum=None, *, name: str = "quadratic", window=None, start=None) -> Quadratic:
    """A quadratic bowl with Hessian ``A`` (symmetric positive definite).

    Args:
        A: a symmetric positive-definite matrix, shape ``(d, d)``.
        minimum: the minimiser θ* (default: the origin).
        name, window, start: as :class:`Landscape` (defaults fit the eigenvalues).

    Raises:
        ValueError: if ``A`` is not square, symmetric and positive definite.
    """
    A = np.asarray(A, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be a square matrix; got shape {A.shape}")
    if not np.allclose(A, A.T):
        raise ValueError("A must be symmetric")
    eigenvalues = np.linalg.eigvalsh(A)
    if eigenvalues[0] <= 0:
        raise ValueError(f"A must be positive definite; its smallest eigenvalue is {eigenvalues[0]:g}")
    d = A.shape[0]
    center = np.zeros(d) if minimum is None else np.asarray(minimum, dtype=float)

    def value(x):
        e = np.asarray(x, dtype=float) - center
        return 0.5 * np.einsum("...i,ij,...j->...", e, A, e)

    def grad(x):
        return (np.asarray(x, dtype=float) - center) @ A  # A is symmetric

    def hessian(x):
        return np.broadcast_to(A, np.shape(x)[:-1] + A.shape).copy()

    if window is None:
        window = tuple((c - 3.0, c + 3.0) for c in center[:2])
    if start is None:
        start = center + np.r_[-2.5, 2.0, np.zeros(max(d - 2, 0))][:d]
    return Quadratic(name=name, value=value, grad=grad, hessian=hessian, minima=center[None, :], window=window,
                     start=np.asarray(start, dtype=float), A=A, eigenvalues=eigenvalues)


def gutter(condition_number: float = 20.0, angle: float = 0.0, L: float = 1.0) -> Quadratic:
    r"""A narrow valley: the 2-D quadratic with eigenvalues L/κ and L, rotated by ``angle``.

    Along the valley floor the curvature is L/κ, across it L: gradient
    descent zig-zags across and crawls along.

    Args:
        condition_number: κ ≥ 1.
        angle: rotation of the valley, in radians.
        L: the largest eigenvalue.
    """
    if not condition_number >= 1:
        raise ValueError(f"Invalid condition_number: {condition_number!r} (must be >= 1)")
    c, s = np.cos(angle), np.sin(angle)
    R = np.array([[c, -s], [s, c]])
    A = R @ np.diag([L / condition_number, L]) @ R.T
    return quadratic((A + A.T) / 2, name=f"gutter (κ = {condition_number:g})",
                     window=((-3.0, 3.0), (-2.0, 2.0)), start=np.array([-2.5, 1.5]))


def bowl() -> Quadratic:
    """A round bowl f(θ) = ½‖θ‖² (κ = 1): every gradient points at the minimum."""
    return quadratic(np.eye(2), name="bowl")


def _hessian_2d(xx, xy, yy):
    """Stack the entries of a symmetric 2x2 Hessian into shape (..., 2, 2)."""
    xx, xy, yy = np.broadcast_arrays(xx, xy, yy)
    return np.stack([np.stack([xx, xy], axis=-1), np.stack([xy, yy], axis=-1)], axis=-2)


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Landscape:
    r"""Rosenbrock's banana valley :math:`(a - x)^2 + b (y - x^2)^2`, minimum at (a, a²)."""

    def value(p):
        x, y = np.moveaxis(np.asarray(p, dtype=float), -1, 0)
        return (a - x) ** 2 + b * (y - x * x) ** 2

    def grad(p):
        x, y = np.moveaxis(np.asarray(p, dtype=float), -1, 0)
        inner = y - x * x
        return np.stack([-2 * (a - x) - 4 * b * x * inner, 2 * b * inner], axis=-1)

    def hessian(p):
        x, y = np.moveaxis(np.asarray(p, dtype=float), -1, 0)
        return _hessian_2d(2 - 4 * b * (y - 3 * x * x), -4 * b * x, 2 * b + 0 * x)

    return Landscape("rosenbrock", value, grad, hessian, minima=np.array([[a, a * a]]),
                     window=((-2.0, 2.0), (-1.0, 3.0)), start=np.array([-1.5, 2.0]), log_levels=True)


_BEALE_C = np.array([1.5, 2.25, 2.625])


def beale() -> Landscape:
    r"""Beale's function :math:`\sum_i (c_i - x + x y^i)^2`, c = (1.5, 2.25, 2.625); minimum at (3, 0.5)."""

    def terms(p):
        x, y = np.moveaxis(np.asarray(p, dtype=float), -1, 0)
        powers = np.stack([y, y * y, y ** 3])           # y^i, i = 1, 2, 3
        residuals = _BEALE_C.reshape((3,) + (1,) * np.ndim(x)) - x + x * powers
        return x, y, powers, residuals

    def value(p):
        return np.sum(terms(p)[3] ** 2, axis=0)

    def grad(p):
        x, y, powers, r = terms(p)
        dpowers = np.stack([np.ones_like(y), 2 * y, 3 * y * y])   # d(y^i)/dy
        gx = np.sum(2 * r * (powers - 1), axis=0)
        gy = np.sum(2 * r * x * dpowers, axis=0)
        return np.stack([gx, gy], axis=-1)

    def hessian(p):
        x, y, powers, r = terms(p)
        dpowers = np.stack([np.ones_like(y), 2 * y, 3 * y * y])      # d(y^i)/dy
        d2powers = np.stack([np.zeros_like(y), 2 + 0 * y, 6 * y])    # d²(y^i)/dy²
        dr_dx, dr_dy = powers - 1, x * dpowers                         # of each residual
        xx = np.sum(2 * dr_dx * dr_dx, axis=0)
        xy = np.sum(2 * (dr_dx * dr_dy + r * dpowers), axis=0)
        yy = np.sum(2 * (dr_dy * dr_dy + r * x * d2powers), axis=0)
        return _hessian_2d(xx, xy, yy)

    return Landscape("beale", value, grad, hessian, minima=np.array([[3.0, 0.5]]),
                     window=((-4.5, 4.5), (-4.5, 4.5)), start=np.array([1.0, 1.5]), log_levels=True)


def himmelblau() -> Landscape:
    r"""Himmelblau's function :math:`(x^2 + y - 11)^2 + (x + y^2 - 7)^2`: four minima, all at 0."""

    def value(p):
        x, y = np.moveaxis(np.asarray(p, dtype=float), -1, 0)
        return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2

    def grad(p):
        x, y = np.moveaxis(np.asarray(p, dtype=float), -1, 0)
        u, w = x * x + y - 11, x + y * y - 7
        return np.stack([4 * x * u + 2 * w, 2 * u + 4 * y * w], axis=-1)

    def hessian(p):
        x, y = np.moveaxis(np.asarray(p, dtype=float), -1, 0)
        u, w = x * x + y - 11, x + y * y - 7
        return _hessian_2d(4 * u + 8 * x * x + 2, 4 * x + 4 * y, 2 + 4 * w + 8 * y * y)

    minima = np.array([[3.0, 2.0], [-2.805118086952745, 3.131312518250573],
                       [-3.779310253377747, -3.283185991286170], [3.584428340330492, -1.848126526964404]])
    return Landscape("himmelblau", value, grad, hessian, minima=minima,
                     window=((-5.0, 5.0), (-5.0, 5.0)), start=np.array([0.0, 0.0]), log_levels=True)


def saddle() -> Landscape:
    r"""A saddle between two minima: :math:`\tfrac12 x^2 - \tfrac12 y^2 + \tfrac14 y^4`.

    The origin is a saddle point (curvature 1 along x, -1 along y); the minima
    are at (0, ±1) with value -1/4. Started on the line y = 0, gradient
    descent converges to the saddle; started just off it, it leaves slowly.
    """

    def value(p):
        x, y = np.moveaxis(np.asarray(p, dtype=float), -1, 0)
        return 0.5 * x * x - 0.5 * y * y + 0.25 * y ** 4

    def grad(p):
        x, y = np.moveaxis(np.asarray(p, dtype=float), -1, 0)
        return np.stack([x, y ** 3 - y], axis=-1)

    def hessian(p):
        x, y = np.moveaxis(np.asarray(p, dtype=float), -1, 0)
        return _hessian_2d(1 + 0 * x, 0 * x, 3 * y * y - 1)

    return Landscape("saddle", value, grad, hessian, minima=np.array([[0.0, 1.0], [0.0, -1.0]]),
                     window=((-2.0, 2.0), (-1.6, 1.6)), start=np.array([-1.8, 1e-3]))


def rastrigin(A: float = 10.0) -> Landscape:
    r"""Rastrigin's function :math:`A d + \sum_i (x_i^2 - A \cos 2\pi x_i)`: a grid of
    local minima around the global one at the origin."""

    def value(p):
        p = np.asarray(p, dtype=float)
        return A * p.shape[-1] + np.sum(p * p - A * np.cos(2 * np.pi * p), axis=-1)

    def grad(p):
        p = np.asarray(p, dtype=float)
        return 2 * p + 2 * np.pi * A * np.sin(2 * np.pi * p)

    def hessian(p):
        p = np.asarray(p, dtype=float)
        diagonal = 2 + 4 * np.pi ** 2 * A * np.cos(2 * np.pi * p)
        return diagonal[..., :, None] * np.eye(p.shape[-1])

    return Landscape("rastrigin", value, grad, hessian, minima=np.array([[0.0, 0.0]]),
                     window=((-5.12, 5.12), (-5.12, 5.12)), start=np.array([3.2, 2.1]))


def catalogue() -> dict[str, Landscape]:
    """Every two-dimensional landscape of the book, by name, for menus."""
    return {f.name: f for f in (bowl(), gutter(), rosenbrock(), beale(), himmelblau(),
                                saddle(), rastrigin())}


def three_pieces() -> Landscape:
    r"""Lessard, Recht & Packard's one-dimensional counterexample for the heavy ball.

    Three quadratic pieces joined with continuous value and slope:

    .. math::
        f(\theta) = \begin{cases} \tfrac{25}{2}\theta^2 & \theta < 1 \\
                    \tfrac12\theta^2 + 24\theta - 12 & 1 \le \theta < 2 \\
                    \tfrac{25}{2}\theta^2 - 24\theta + 36 & \theta \ge 2 \end{cases}

    It is smooth and strongly convex, with curvature 25 or 1 (so :math:`L = 25`,
    :math:`\lambda_{\min} = 1`, :math:`\kappa = 25`), minimum at 0. The heavy ball
    tuned by :func:`optlib.analysis.momentum_optimal` for :math:`[1, 25]` cycles
    from some starts (Lessard, Recht & Packard 2016, section 4.6); Nesterov's
    method converges from every start.
    """

    def value(p):
        z = np.asarray(p, dtype=float)[..., 0]
        return np.where(z < 1, 12.5 * z ** 2,
                        np.where(z < 2, 0.5 * z ** 2 + 24 * z - 12, 12.5 * z ** 2 - 24 * z + 36))

    def grad(p):
        z = np.asarray(p, dtype=float)
        return np.where(z < 1, 25 * z, np.where(z < 2, z + 24, 25 * z - 24))

    def hessian(p):
        z = np.asarray(p, dtype=float)
        return np.where((z >= 1) & (z < 2), 1.0, 25.0)[..., None]

    return Landscape("three pieces", value, grad, hessian, minima=np.array([[0.0]]),
                     window=((-4.0, 4.0), (0.0, 1.0)), start=np.array([3.3]))


def rescaled(landscape, scale: float = 1.0, loss_scale: float = 1.0) -> Landscape:
    r"""The same landscape in other units: :math:`\tilde f(\phi) = a\, f(\phi / c)`.

    Measuring the parameters in units ``c`` times smaller (:math:`\phi = c\,\theta`)
    and the loss in units ``a`` times smaller changes no minimiser, only the
    numbers: the minimisers become :math:`c\,\theta^\star`, the gradient
    :math:`\nabla\tilde f(\phi) = (a/c)\,\nabla f(\phi/c)` and the Hessian
    :math:`(a/c^2)\,\nabla^2 f(\phi/c)`. An optimizer whose iterates on
    :math:`\tilde f` from :math:`c\,\theta_0` are :math:`c\,\theta_t` does not care
    about units; the adaptive-methods chapters use this to test which ones do.

    A :class:`Quadratic` stays a :class:`Quadratic` (Hessian :math:`aA/c^2`, so its
    eigenvalues and condition number are available); the window and the start
    are scaled by ``c``.

    Args:
        landscape: any landscape.
        scale: :math:`c > 0`, the factor on the parameters.
        loss_scale: :math:`a > 0`, the factor on the loss.

    Raises:
        ValueError: if ``scale`` or ``loss_scale`` is not a positive number.

    Example:
        >>> import numpy as np
        >>> f = rescaled(gutter(), scale=10.0)
        >>> f.minima[0], f.start, f.eigenvalues
        (array([0., 0.]), array([-25.,  15.]), array([0.0005, 0.01  ]))
        >>> bool(np.allclose(f.grad(10 * gutter().start), gutter().grad(gutter().start) / 10))
        True
    """
    c, a = float(scale), float(loss_scale)
    if not (np.isfinite(c) and c > 0 and np.isfinite(a) and a > 0):
        raise ValueError(f"scale and loss_scale must be positive numbers; got scale={scale!r}, "
                         f"loss_scale={loss_scale!r}")
    name = landscape.name + (f", θ × {c:g}" if c != 1 else "") + (f", f × {a:g}" if a != 1 else "")
    window = tuple((c * low, c * high) for low, high in landscape.window)
    start = c * np.asarray(landscape.start, dtype=float)
    if isinstance(landscape, Quadratic):
        return quadratic(a / c ** 2 * landscape.A, minimum=c * landscape.minima[0], name=name,
                         window=window, start=start)

    def value(x):
        return a * landscape.value(np.asarray(x, dtype=float) / c)

    def grad(x):
        return a / c * landscape.grad(np.asarray(x, dtype=float) / c)

    def hessian(x):
        return a / c ** 2 * landscape.hessian(np.asarray(x, dtype=float) / c)

    return Landscape(name, value, grad, hessian, minima=c * landscape.minima, window=window,
                     start=start, log_levels=landscape.log_levels)
