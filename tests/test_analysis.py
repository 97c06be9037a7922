"""Predicted rates against each other and against measured runs."""

from __future__ import annotations

import numpy as np
import pytest

import optlib
from optlib import analysis, landscapes

EIGENVALUES = np.array([0.05, 1.0])    # κ = 20


def error_norms(f, lr, steps, x0=(2.0, -1.5)):
    """‖θ_t − θ*‖ along a run of gradient descent on ``f``."""
    traj = optlib.run(optlib.sgd(lr=lr), f, np.asarray(x0, dtype=float), steps=steps)
    return np.linalg.norm(traj.params - f.minima[0], axis=-1)


def test_gd_rate_is_the_slowest_eigenmode():
    lrs = np.array([0.1, 1.0, 1.9, 2.5])
    rates = analysis.gd_rate(lrs, EIGENVALUES)
    assert rates.shape == (4,)
    np.testing.assert_allclose(rates, [max(abs(1 - lr * lam) for lam in EIGENVALUES) for lr in lrs])


def test_gd_optimal_lr_minimises_gd_rate():
    grid = np.linspace(0.01, 2.5, 100_001)
    best = grid[np.argmin(analysis.gd_rate(grid, EIGENVALUES))]
    assert analysis.gd_optimal_lr(EIGENVALUES) == pytest.approx(best, abs=grid[1] - grid[0])
    assert analysis.gd_optimal_lr(EIGENVALUES[::-1]) == analysis.gd_optimal_lr(EIGENVALUES)


@pytest.mark.parametrize("eigenvalues", [[0.05, 1.0], [1.0, 1.0], [0.01, 0.3, 2.0, 5.0]])
def test_gd_optimal_rate_is_gd_rate_at_the_optimal_lr(eigenvalues):
    kappa = max(eigenvalues) / min(eigenvalues)
    at_optimum = analysis.gd_rate(analysis.gd_optimal_lr(eigenvalues), eigenvalues)
    assert analysis.gd_optimal_rate(kappa) == pytest.approx(float(at_optimum), abs=1e-15)


def test_measured_rate_of_an_exact_geometric_sequence():
    rho = np.array([0.3, 0.9, 0.99])
    errors = 2.5 * rho ** np.arange(200)[:, None]
    np.testing.assert_allclose(analysis.measured_rate(errors), rho, rtol=1e-12)


def test_measured_rate_ignores_the_rounding_floor():
    """Once the error stalls at rounding level, the stalled part is not fitted."""
    t = np.arange(300)
    errors = np.maximum(0.5 ** t, 1e-17)
    assert analysis.measured_rate(errors) == pytest.approx(0.5, rel=1e-12)


@pytest.mark.parametrize("kappa, angle", [(20.0, 0.0), (100.0, 0.7), (3.0, 2.0)])
def test_gd_at_the_optimal_step_converges_at_the_optimal_rate(kappa, angle):
    f = landscapes.gutter(condition_number=kappa, angle=angle)
    lr = analysis.gd_optimal_lr(f.eigenvalues)
    steps = int(np.ceil(np.log(1e-9) / np.log((kappa - 1) / (kappa + 1))))
    measured = analysis.measured_rate(error_norms(f, lr, steps))
    assert measured == pytest.approx((kappa - 1) / (kappa + 1), abs=1e-6)


@pytest.mark.parametrize("lr", [0.3, 1.0, 1.5])
def test_measured_rate_matches_gd_rate_on_a_3d_quadratic(lr):
    Q, _ = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))
    eigenvalues = np.array([0.1, 0.4, 1.2])
    f = landscapes.quadratic(Q @ np.diag(eigenvalues) @ Q.T, minimum=[1.0, 0.0, -1.0])
    predicted = float(analysis.gd_rate(lr, f.eigenvalues))
    errors = error_norms(f, lr, 150, x0=(2.0, -1.0, 0.5))
    assert analysis.measured_rate(errors) == pytest.approx(predicted, rel=1e-3)


def test_gd_rate_above_one_means_divergence():
    f = landscapes.gutter(condition_number=20.0)
    lr = 2.2   # 2 / λ_max = 2
    assert analysis.gd_rate(lr, f.eigenvalues) > 1
    errors = error_norms(f, lr, 100)
    assert errors[-1] > 1e3 * errors[0]


@pytest.mark.parametrize("rate, tolerance", [(0.5, 1e-6), (0.9, 1e-3), (0.99, 1e-8), (0.818, 0.05)])
def test_steps_to_tolerance_is_the_first_step_below_it(rate, tolerance):
    k = int(analysis.steps_to_tolerance(rate, tolerance))
    assert rate ** k <= tolerance < rate ** (k - 1)


def test_steps_to_tolerance_predicts_a_run():
    kappa = 20.0
    f = landscapes.gutter(condition_number=kappa)
    rate = analysis.gd_optimal_rate(kappa)
    k = int(analysis.steps_to_tolerance(rate, 1e-6))
    errors = error_norms(f, analysis.gd_optimal_lr(f.eigenvalues), k + 5)
    relative = errors / errors[0]
    assert relative[k] <= 1e-6 * (1 + 1e-9) and relative[k - 1] > 1e-6


def test_steps_to_tolerance_is_vectorised():
    rates = np.array([0.5, 0.9, 0.99])
    np.testing.assert_array_equal(analysis.steps_to_tolerance(rates, 1e-4),
                                  [analysis.steps_to_tolerance(r, 1e-4) for r in rates])


def test_numerical_gradient_of_a_known_function():
    f = lambda x: np.sin(x[..., 0]) * x[..., 1] ** 2
    x = np.random.default_rng(0).standard_normal((6, 2))
    exact = np.stack([np.cos(x[:, 0]) * x[:, 1] ** 2, 2 * np.sin(x[:, 0]) * x[:, 1]], axis=-1)
    np.testing.assert_allclose(analysis.numerical_gradient(f, x), exact, rtol=1e-8, atol=1e-9)
