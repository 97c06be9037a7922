"""The learning problems on real data: losses, gradients and the constants the book uses."""

from __future__ import annotations

import numpy as np
import pytest

from optlib import problems
from optlib.analysis import numerical_gradient


@pytest.fixture(scope="module")
def diabetes():
    return problems.diabetes_regression()


@pytest.fixture(scope="module", params=[0.0, 0.1], ids=["no-l2", "l2"])
def cancer(request):
    return problems.breast_cancer_classification(l2=request.param)


@pytest.fixture(scope="module")
def both(diabetes):
    return {"diabetes": diabetes, "cancer": problems.breast_cancer_classification(l2=0.1)}


def points(problem, n, seed=0, scale=1.0):
    """Parameters around the scale of each problem's solutions."""
    rng = np.random.default_rng(seed)
    least_squares = isinstance(problem, problems.LeastSquares)
    centre = problem.solution if least_squares else np.zeros(problem.dim)
    spread = scale * (10.0 if least_squares else 0.5)
    return centre + spread * rng.standard_normal((n, problem.dim))


def test_shapes_and_data(diabetes):
    cancer = problems.breast_cancer_classification()
    assert diabetes.X.shape == (442, 11) and diabetes.y.shape == (442,)
    assert cancer.X.shape == (569, 31) and set(np.unique(cancer.y)) == {0.0, 1.0}
    for problem in (diabetes, cancer):
        # standardised features and a last column of ones for the intercept
        np.testing.assert_allclose(problem.X[:, :-1].mean(axis=0), 0.0, atol=1e-12)
        np.testing.assert_allclose(problem.X[:, :-1].std(axis=0), 1.0, rtol=1e-12)
        np.testing.assert_array_equal(problem.X[:, -1], 1.0)


@pytest.mark.parametrize("which", ["diabetes", "cancer"])
def test_gradient_agrees_with_finite_differences(both, which):
    problem = both[which]
    theta = points(problem, 8)
    exact = problem.grad(theta)
    numeric = numerical_gradient(problem.value, theta, h=1e-5)
    np.testing.assert_allclose(numeric, exact, rtol=1e-6,
                               atol=1e-7 * np.max(np.abs(exact)))


@pytest.mark.parametrize("which", ["diabetes", "cancer"])
def test_value_and_grad_are_batched(both, which):
    problem = both[which]
    theta = points(problem, 35, seed=1).reshape(5, 7, problem.dim)
    values, grads = problem.value(theta), problem.grad(theta)
    assert values.shape == (5, 7) and grads.shape == (5, 7, problem.dim)
    np.testing.assert_allclose(values, [[problem.value(t) for t in row] for row in theta], rtol=1e-12)
    np.testing.assert_allclose(grads, [[problem.grad(t) for t in row] for row in theta],
                               rtol=1e-10, atol=1e-12 * np.max(np.abs(grads)))


def test_value_is_half_the_mean_squared_residual(diabetes):
    theta = points(diabetes, 3)
    residuals = theta @ diabetes.X.T - diabetes.y
    np.testing.assert_allclose(diabetes.value(theta), 0.5 * np.mean(residuals ** 2, axis=-1), rtol=1e-12)


def test_least_squares_solution_has_zero_gradient_and_the_least_value(diabetes):
    theta = diabetes.solution
    scale = np.max(np.abs(diabetes.X.T @ diabetes.y)) / diabetes.n   # |grad| at θ = 0
    assert np.max(np.abs(diabetes.grad(theta))) <= 1e-10 * scale
    assert diabetes.min_value == pytest.approx(float(diabetes.value(theta)))
    assert np.all(diabetes.value(points(diabetes, 100, scale=0.1)) >= diabetes.min_value)


def test_least_squares_constants_are_those_of_its_hessian(diabetes):
    H = numerical_gradient(diabetes.grad, np.zeros(diabetes.dim))   # the Hessian, by differences
    eigenvalues = np.linalg.eigvalsh((H + H.T) / 2)
    assert diabetes.L == pytest.approx(eigenvalues[-1], rel=1e-6)
    assert diabetes.mu == pytest.approx(eigenvalues[0], rel=1e-6)
    assert diabetes.condition_number == pytest.approx(eigenvalues[-1] / eigenvalues[0], rel=1e-5)


def hessian(problem, theta, h=1e-5):
    """The Hessian by central differences of the analytic gradient, symmetrised."""
    H = numerical_gradient(problem.grad, theta, h=h)
    return (H + H.T) / 2


def test_logistic_L_bounds_the_hessian(cancer):
    rng = np.random.default_rng(2)
    for theta in [np.zeros(cancer.dim), *(0.3 * rng.standard_normal((4, cancer.dim)))]:
        eigenvalues = np.linalg.eigvalsh(hessian(cancer, theta))
        assert eigenvalues[-1] <= cancer.L * (1 + 1e-6), f"λ_max = {eigenvalues[-1]} > L = {cancer.L}"
        assert eigenvalues[0] >= cancer.mu - 1e-6 * cancer.L, f"λ_min = {eigenvalues[0]} < μ = {cancer.mu}"
    # and the bound is tight: at θ = 0 every σ'(z) is 1/4, its largest value
    assert np.linalg.eigvalsh(hessian(cancer, np.zeros(cancer.dim)))[-1] == pytest.approx(cancer.L, rel=1e-6)


def test_logistic_loss_is_the_cross_entropy(cancer):
    theta = points(cancer, 3)
    p = 1 / (1 + np.exp(-(theta @ cancer.X.T)))
    cross_entropy = -np.mean(cancer.y * np.log(p) + (1 - cancer.y) * np.log(1 - p), axis=-1)
    expected = cross_entropy + 0.5 * cancer.l2 * np.sum(theta ** 2, axis=-1)
    np.testing.assert_allclose(cancer.value(theta), expected, rtol=1e-10)
    assert cancer.value(np.zeros(cancer.dim)) == pytest.approx(np.log(2), rel=1e-12)


def test_logistic_is_finite_far_from_the_origin(cancer):
    theta = 1e3 * points(cancer, 4, seed=5)
    assert np.all(np.isfinite(cancer.value(theta))) and np.all(np.isfinite(cancer.grad(theta)))


def test_accuracy_is_the_fraction_classified_correctly(cancer):
    theta = points(cancer, 20, seed=3)
    accuracy = cancer.accuracy(theta)
    assert accuracy.shape == (20,) and np.all((0 <= accuracy) & (accuracy <= 1))
    predicted = (theta @ cancer.X.T) > 0
    np.testing.assert_allclose(accuracy, np.mean(predicted == (cancer.y == 1), axis=-1))
    # flipping the sign of θ flips every prediction (no example sits on z = 0)
    np.testing.assert_allclose(cancer.accuracy(-theta), 1 - accuracy)
    # and a few steps of gradient descent learn the data well
    theta = np.zeros(cancer.dim)
    for _ in range(200):
        theta = theta - cancer.grad(theta) / cancer.L
    assert cancer.accuracy(theta) > 0.95


def test_logistic_hessian_and_solution(cancer):
    theta = points(cancer, 1, seed=4)[0]
    np.testing.assert_allclose(cancer.hessian(theta), hessian(cancer, theta), rtol=1e-6, atol=1e-7 * cancer.L)
    if cancer.l2 == 0:
        with pytest.raises(ValueError, match="use l2 > 0"):
            cancer.solution
    else:
        assert np.max(np.abs(cancer.grad(cancer.solution))) <= 1e-10
        assert np.all(cancer.value(points(cancer, 50, seed=6)) >= cancer.min_value)
