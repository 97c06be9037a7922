"""Minibatch gradients and stochastic runs: unbiased, reproducible, one epoch covers the data."""

import numpy as np
import pytest

import optlib
from optlib import problems
from optlib.analysis import numerical_gradient
from optlib.running import Minibatches

PROBLEMS = {
    "least squares": problems.diabetes_regression,
    "logistic": lambda: problems.breast_cancer_classification(l2=0.01),
    "softmax": problems.digits_classification,
}


@pytest.fixture(params=sorted(PROBLEMS))
def problem(request):
    return PROBLEMS[request.param]()


def test_softmax_gradient_agrees_with_finite_differences():
    digits = problems.digits_classification()
    theta = np.random.default_rng(0).normal(scale=0.1, size=(2, digits.dim))
    numeric = numerical_gradient(digits.value, theta)
    assert np.allclose(digits.grad(theta), numeric, atol=1e-7)


def test_minibatch_of_all_examples_is_the_full_gradient(problem):
    theta = np.random.default_rng(1).normal(scale=0.1, size=(3, problem.dim))
    everything = np.tile(np.arange(problem.n), (3, 1))
    assert np.allclose(problem.minibatch_grad(theta, everything), problem.grad(theta), atol=1e-12)


def test_example_gradients_average_to_the_full_gradient(problem):
    theta = np.random.default_rng(2).normal(scale=0.1, size=problem.dim)
    assert np.allclose(problem.example_grads(theta).mean(axis=0), problem.grad(theta), atol=1e-12)
    i = 7
    assert np.allclose(problem.example_grads(theta)[i], problem.minibatch_grad(theta, np.array([i])))


def test_batched_minibatch_gradients_equal_one_run_at_a_time(problem):
    rng = np.random.default_rng(3)
    theta = rng.normal(scale=0.1, size=(4, problem.dim))
    indices = rng.integers(0, problem.n, size=(4, 9))
    together = problem.minibatch_grad(theta, indices)
    apart = np.stack([problem.minibatch_grad(theta[k], indices[k]) for k in range(4)])
    np.testing.assert_allclose(together, apart, rtol=1e-13, atol=1e-15)


def test_an_epoch_of_shuffled_minibatches_uses_every_example_once():
    batches = Minibatches(n=10, batch_size=3, batch_shape=(2,), seed=0)
    assert batches.steps_per_epoch == 3
    for _ in range(4):                      # four epochs
        epoch = np.concatenate([batches.next() for _ in range(3)], axis=-1)
        for run in epoch:                   # 9 distinct examples per run and epoch
            assert len(set(run.tolist())) == 9


def test_minibatches_are_reproducible_from_the_seed_and_differ_between_runs():
    draw = lambda seed, sampling: np.stack([Minibatches(100, 5, (3,), seed=seed, sampling=sampling).next()
                                            for _ in range(1)])
    for sampling in ("shuffle", "replacement"):
        np.testing.assert_array_equal(draw(4, sampling), draw(4, sampling))
        assert not np.array_equal(draw(4, sampling), draw(5, sampling))
        first = draw(4, sampling)[0]
        assert not np.array_equal(first[0], first[1])      # each run its own minibatches


def test_sampling_with_replacement_is_uniform():
    counts = np.bincount(Minibatches(5, 2, (20000,), seed=1, sampling="replacement").next().ravel(),
                         minlength=5)
    assert np.allclose(counts / counts.sum(), 0.2, atol=0.01)


def test_stochastic_run_uses_minibatches_and_records_the_full_loss():
    diabetes = problems.diabetes_regression()
    traj = optlib.run(optlib.sgd(lr=0.05), diabetes, np.zeros(diabetes.dim), steps=30,
                      batch_size=8, seed=0)
    # replay the same minibatches by hand
    batches = Minibatches(diabetes.n, 8, seed=0)
    theta = np.zeros(diabetes.dim)
    for t in range(1, 31):
        theta = theta - 0.05 * diabetes.minibatch_grad(theta, batches.next())
        np.testing.assert_array_equal(traj.params[t], theta)
    np.testing.assert_allclose(traj.values, diabetes.value(traj.params))
    full = optlib.run(optlib.sgd(lr=0.05), diabetes, np.zeros(diabetes.dim), steps=30)
    assert not np.allclose(traj.params, full.params)


def test_full_batch_shuffled_is_gradient_descent():
    diabetes = problems.diabetes_regression()
    sgd = optlib.run(optlib.sgd(lr=0.1), diabetes, np.zeros(diabetes.dim), steps=20,
                     batch_size=diabetes.n, seed=0)
    gd = optlib.run(optlib.sgd(lr=0.1), diabetes, np.zeros(diabetes.dim), steps=20)
    np.testing.assert_allclose(sgd.params, gd.params, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 0}, "batch_size must be a whole number from 1 to n = 442"),
    ({"batch_size": 443}, "batch_size must be a whole number from 1 to n = 442"),
    ({"batch_size": 2.5}, "batch_size must be a whole number"),
    ({"batch_size": 4, "sampling": "bootstrap"}, "sampling must be 'shuffle' or 'replacement'"),
])
def test_bad_stochastic_settings_are_refused(kwargs, message):
    diabetes = problems.diabetes_regression()
    with pytest.raises(ValueError, match=message):
        optlib.run(optlib.sgd(lr=0.1), diabetes, np.zeros(diabetes.dim), steps=3, **kwargs)


def test_batch_size_needs_a_problem_with_examples():
    with pytest.raises(ValueError, match="needs an objective with minibatches"):
        optlib.run(optlib.sgd(lr=0.1), optlib.landscapes.bowl(), np.ones(2), steps=3, batch_size=4)
