"""The quadratic theory of heavy-ball and Nesterov momentum, against runs of optlib."""

import numpy as np
import pytest

import optlib
from optlib import analysis, landscapes


def measured(opt, f, steps=600):
    traj = optlib.run(opt, f, f.start, steps)
    return analysis.measured_rate(f.distance_to_minimum(traj.params), floor=1e-13)


def test_optimal_heavy_ball_at_kappa_100_matches_the_reference_values():
    # REFERENCE.md, section 3: lambda_1 = 0.01, lambda_n = 1
    lr, momentum, rate = analysis.momentum_optimal([0.01, 1.0])
    assert lr == pytest.approx(3.306, abs=1e-3)
    assert momentum == pytest.approx(0.669, abs=1e-3)
    assert rate == pytest.approx(0.818, abs=1e-3)
    assert analysis.momentum_rate(lr, momentum, [0.01, 1.0]) == pytest.approx(rate, rel=1e-9)


@pytest.mark.parametrize("lr, momentum", [(0.5, 0.5), (1.5, 0.3), (3.0, 0.8), (0.2, 0.95)])
def test_heavy_ball_rate_matches_runs(lr, momentum):
    f = landscapes.gutter(condition_number=30)
    predicted = analysis.momentum_rate(lr, momentum, f.eigenvalues)
    assert measured(optlib.sgd(lr=lr, momentum=momentum), f) == pytest.approx(predicted, abs=3e-3)


@pytest.mark.parametrize("lr, momentum", [(0.5, 0.5), (0.9, 0.6), (0.3, 0.9)])
def test_nesterov_rate_matches_runs(lr, momentum):
    f = landscapes.gutter(condition_number=30)
    predicted = analysis.nesterov_rate(lr, momentum, f.eigenvalues)
    opt = optlib.sgd(lr=lr, momentum=momentum, nesterov=True)
    assert measured(opt, f) == pytest.approx(predicted, abs=3e-3)


def test_nesterov_matrix_has_the_look_ahead_forms_eigenvalues():
    lr, mu, lam = 0.3, 0.7, np.linspace(0.1, 3, 9)
    look_ahead = np.stack([np.stack([(1 + mu) * (1 - lr * lam), -mu * (1 - lr * lam)], -1),
                           np.stack([np.ones_like(lam), np.zeros_like(lam)], -1)], -2)
    torch_form = analysis.nesterov_matrix(lr, mu, lam)
    sort = lambda M: np.sort_complex(np.linalg.eigvals(M))
    np.testing.assert_allclose(sort(torch_form), sort(look_ahead), atol=1e-12)


def test_convergence_region_is_lr_lambda_below_2_plus_2_momentum():
    lrs, momenta = np.meshgrid(np.linspace(0.01, 4.5, 150), np.linspace(0, 0.99, 100))
    radius = analysis.spectral_radius(analysis.momentum_matrix(lrs, momenta, 1.0))
    inside = analysis.momentum_stable(lrs, momenta, 1.0)
    away = np.abs(lrs - (2 + 2 * momenta)) > 0.05           # skip the boundary itself
    np.testing.assert_array_equal((radius < 1)[away], inside[away])


def test_critical_damping_joins_the_two_eigenvalues():
    lr, lam = 0.2, 1.0
    mu = analysis.critical_momentum(lr, lam)
    eig = np.linalg.eigvals(analysis.momentum_matrix(lr, mu, lam))
    assert abs(eig[0] - eig[1]) < 1e-6                       # a double eigenvalue
    below = np.linalg.eigvals(analysis.momentum_matrix(lr, mu - 0.01, lam))
    above = np.linalg.eigvals(analysis.momentum_matrix(lr, mu + 0.01, lam))
    assert np.all(np.isreal(below)) and np.any(np.iscomplex(above))
    assert np.allclose(np.abs(above), np.sqrt(mu + 0.01))   # complex: |sigma| = sqrt(momentum)


@pytest.mark.parametrize("kappa", [10.0, 100.0, 1000.0])
def test_nesterov_parameters_give_their_rates(kappa):
    lam = np.linspace(1.0, kappa, 200)                      # the whole spectrum
    for choice in ("standard", "optimal"):
        lr, mu, rate = analysis.nesterov_parameters([1.0, kappa], choice)
        assert analysis.nesterov_rate(lr, mu, lam) == pytest.approx(rate, rel=1e-6)
    # "optimal" beats every constant pair on a grid
    lrs, mus = np.meshgrid(np.linspace(0.1, 1.5, 120) / kappa, np.linspace(0, 0.999, 120))
    grid_best = analysis.nesterov_rate(lrs, mus, lam).min()
    assert analysis.nesterov_parameters([1.0, kappa], "optimal")[2] <= grid_best + 1e-9


def test_unknown_nesterov_choice_is_refused():
    with pytest.raises(ValueError, match="'standard' or 'optimal'"):
        analysis.nesterov_parameters([1.0, 10.0], "best")
