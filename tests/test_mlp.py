"""The perceptron's backpropagation against finite differences, batched and on minibatches."""

import numpy as np

import optlib
from optlib import problems
from optlib.analysis import numerical_gradient


def small_problem():
    digits = problems.digits_mlp(hidden=5)
    return problems.MLPClassifier(digits.X[:40], digits.y[:40], hidden=5, classes=10, l2=1e-3)


def test_gradient_agrees_with_finite_differences():
    mlp = small_problem()
    theta = mlp.initial_params(seed=1, batch_shape=(2,))
    np.testing.assert_allclose(mlp.grad(theta), numerical_gradient(mlp.value, theta, h=1e-6),
                               rtol=1e-5, atol=1e-8)


def test_batched_runs_equal_single_runs_and_minibatch_of_all_is_the_gradient():
    mlp = small_problem()
    theta = mlp.initial_params(seed=2, batch_shape=(3,))
    together = mlp.grad(theta)
    for k in range(3):
        np.testing.assert_allclose(together[k], mlp.grad(theta[k]), rtol=1e-12, atol=1e-15)
    everything = np.tile(np.arange(mlp.n), (3, 1))
    np.testing.assert_allclose(mlp.minibatch_grad(theta, everything), together, rtol=1e-12, atol=1e-15)
    one_example = mlp.minibatch_grad(theta[0], np.array([4]))
    assert one_example.shape == (mlp.dim,)


def test_unpack_inverts_flattening_and_initial_params_are_seeded():
    mlp = problems.digits_mlp(hidden=8)
    theta = mlp.initial_params(seed=0)
    assert theta.shape == (mlp.dim,) == (64 * 8 + 8 + 8 * 10 + 10,)
    np.testing.assert_array_equal(np.concatenate([p.ravel() for p in mlp.unpack(theta)]), theta)
    np.testing.assert_array_equal(theta, mlp.initial_params(seed=0))
    assert not np.array_equal(theta, mlp.initial_params(seed=1))


def test_training_learns_the_digits():
    mlp = problems.digits_mlp(hidden=16)
    traj = optlib.run(optlib.adam(lr=0.01), mlp, mlp.initial_params(seed=0), steps=150,
                      batch_size=64, seed=0)
    assert traj.values[-1] < 0.5 * traj.values[0]
    assert mlp.accuracy(traj.final) > 0.9
