"""The test landscapes: analytic gradients, batching, and the minima they claim."""

from __future__ import annotations

import numpy as np
import pytest

from optlib import landscapes
from optlib.analysis import numerical_gradient


def random_spd(d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((d, d))
    return M @ M.T + 0.5 * np.eye(d)


# beyond the catalogue; built inside each test, so that a failure is that test's
EXTRA = {
    "quadratic 3-D": lambda: landscapes.quadratic(random_spd(3), minimum=[0.5, -1.0, 2.0]),
    "quadratic 1-D": lambda: landscapes.quadratic([[2.5]], minimum=[0.7]),
    "gutter rotated": lambda: landscapes.gutter(condition_number=50.0, angle=0.6, L=2.0),
}
NAMES = list(landscapes.catalogue()) + list(EXTRA)


def make(name):
    return EXTRA[name]() if name in EXTRA else landscapes.catalogue()[name]


def box(f):
    """Bounds per coordinate: the plotting window, and ±3 around the minimum
    for coordinates beyond the window's (a 3-D quadratic has a 2-D window)."""
    centre = f.minima[0]
    return np.array([f.window[i] if i < len(f.window) else (centre[i] - 3, centre[i] + 3)
                     for i in range(f.dim)])


def sample(f, n, seed=0):
    lo, hi = box(f).T
    return np.random.default_rng(seed).uniform(lo, hi, size=(n, f.dim))


def test_catalogue_is_the_books_two_dimensional_landscapes():
    catalogue = landscapes.catalogue()
    assert len(catalogue) >= 7
    for name, f in catalogue.items():
        assert f.name == name and f.dim == 2


@pytest.mark.parametrize("name", NAMES)
def test_gradient_agrees_with_finite_differences(name):
    f = make(name)
    x = sample(f, 200)
    exact, numeric = f.grad(x), numerical_gradient(f.value, x)
    # central differences: error ~ h² f''' + eps |f| / h, so allow for |f|
    tolerance = 1e-6 * np.abs(exact) + 1e-7 * (1 + np.abs(f.value(x)))[:, None]
    bad = np.abs(numeric - exact) > tolerance
    assert not bad.any(), f"{name}: grad disagrees at {x[bad.any(axis=1)][0]}"


@pytest.mark.parametrize("name", NAMES)
def test_hessian_agrees_with_finite_differences_of_the_gradient(name):
    f = make(name)
    x = sample(f, 100, seed=1)
    exact = f.hessian(x)
    assert exact.shape == (100, f.dim, f.dim)
    numeric = np.stack([numerical_gradient(lambda p: f.grad(p)[..., i], x)
                        for i in range(f.dim)], axis=-2)
    scale = 1 + np.abs(f.grad(x)).max(axis=-1)[:, None, None]
    assert np.allclose(exact, numeric, rtol=1e-6, atol=1e-6 * scale.max()), name
    np.testing.assert_array_equal(exact, np.swapaxes(exact, -1, -2))   # symmetric


@pytest.mark.parametrize("name", NAMES)
def test_value_and_grad_are_batched_over_the_last_axis(name):
    f = make(name)
    x = sample(f, 35, seed=1).reshape(5, 7, f.dim)
    values, grads = f.value(x), f.grad(x)
    assert values.shape == (5, 7) and grads.shape == (5, 7, f.dim)
    one_by_one_values = np.array([[f.value(p) for p in row] for row in x])
    one_by_one_grads = np.array([[f.grad(p) for p in row] for row in x])
    assert one_by_one_values.shape == (5, 7) and one_by_one_grads.shape == (5, 7, f.dim)
    np.testing.assert_allclose(values, one_by_one_values, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(grads, one_by_one_grads, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("name", NAMES)
def test_listed_minima_are_stationary_with_the_minimum_value(name):
    f = make(name)
    scale = 1 + np.max(np.abs(f.grad(sample(f, 100))))
    for m in f.minima:
        assert np.max(np.abs(f.grad(m))) <= 1e-10 * scale, f"{name}: grad at {m} is {f.grad(m)}"
        assert f.value(m) == pytest.approx(f.min_value, abs=1e-12)
        assert f.gap(m) == pytest.approx(0.0, abs=1e-12)
        assert f.distance_to_minimum(m) == 0.0
        lo, hi = box(f).T
        assert np.all((lo <= m) & (m <= hi)), f"{name}: minimum {m} outside its window"
    lo, hi = box(f).T
    assert np.all((lo <= f.start) & (f.start <= hi)), f"{name}: start outside its window"


@pytest.mark.parametrize("name", NAMES)
def test_nothing_in_the_window_is_lower_than_the_minimum(name):
    f = make(name)
    if f.dim == 2:
        (x0, x1), (y0, y1) = f.window
        X, Y = np.meshgrid(np.linspace(x0, x1, 301), np.linspace(y0, y1, 301))
        points = np.stack([X, Y], axis=-1)
    else:
        points = sample(f, 50_000, seed=2)
    values = f.value(points)
    assert values.min() >= f.min_value - 1e-12 * (1 + abs(f.min_value)), (
        f"{name}: f = {values.min()} < min_value = {f.min_value} at "
        f"{points.reshape(-1, f.dim)[np.argmin(values)]}")
    assert np.all(f.gap(points) >= 0)


def test_quadratic_constants_come_from_the_hessian():
    A = random_spd(3)
    f = landscapes.quadratic(A)
    eigenvalues = np.linalg.eigvalsh(A)
    assert f.L == pytest.approx(eigenvalues.max(), rel=1e-12)
    assert f.mu == pytest.approx(eigenvalues.min(), rel=1e-12)
    assert f.condition_number == pytest.approx(eigenvalues.max() / eigenvalues.min(), rel=1e-12)
    x = sample(f, 5)
    np.testing.assert_allclose(f.value(x), 0.5 * np.einsum("ni,ij,nj->n", x, A, x), rtol=1e-12)


def test_gutter_valley_runs_along_the_angle():
    kappa, angle, L = 50.0, 0.6, 2.0
    f = landscapes.gutter(condition_number=kappa, angle=angle, L=L)
    np.testing.assert_allclose(f.eigenvalues, [L / kappa, L], rtol=1e-12)
    along = np.array([np.cos(angle), np.sin(angle)])
    across = np.array([-np.sin(angle), np.cos(angle)])
    assert f.value(along) == pytest.approx(0.5 * L / kappa, rel=1e-12)   # the flat floor
    assert f.value(across) == pytest.approx(0.5 * L, rel=1e-12)          # the steep walls


@pytest.mark.parametrize("A, message", [
    ([[1.0, 0.5], [0.0, 1.0]], "A must be symmetric"),
    ([[1.0, 2.0], [2.0, 1.0]], "A must be positive definite; its smallest eigenvalue is -1"),
    ([[1.0, 0.0], [0.0, 0.0]], "A must be positive definite; its smallest eigenvalue is 0"),
    ([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], r"A must be a square matrix; got shape \(2, 3\)"),
])
def test_quadratic_refuses_what_is_not_symmetric_positive_definite(A, message):
    with pytest.raises(ValueError, match=message):
        landscapes.quadratic(A)


def test_gutter_refuses_a_condition_number_below_one():
    with pytest.raises(ValueError, match="condition_number: 0.5"):
        landscapes.gutter(condition_number=0.5)


def test_three_pieces_is_smooth_strongly_convex_and_makes_tuned_heavy_ball_cycle():
    import optlib
    from optlib.analysis import momentum_optimal

    f = landscapes.three_pieces()
    z = np.linspace(-5, 5, 20_001)[:, None]
    for knot in (1.0, 2.0):                                  # value and slope continuous
        left, right = np.array([[knot - 1e-9]]), np.array([[knot]])
        assert np.allclose(f.value(left), f.value(right), atol=1e-6)
        assert np.allclose(f.grad(left), f.grad(right), atol=1e-6)
    slopes = np.diff(f.grad(z)[:, 0]) / np.diff(z[:, 0])
    assert slopes.min() > 1 - 1e-6 and slopes.max() < 25 + 1e-6   # curvature in [1, 25]
    lr, momentum, _ = momentum_optimal([1.0, 25.0])
    runs = optlib.run(optlib.sgd(lr=lr, momentum=momentum), f, np.array([[3.3], [3.0]]), 300)
    cycle = runs.params[:, 0, 0]
    assert np.isclose(cycle[-1], cycle[-4], atol=1e-9) and np.ptp(cycle[-3:]) > 3   # period three
    assert abs(runs.params[-1, 1, 0]) < 1e-12                                      # from 3.0: converges
