"""``optlib.run``: trajectories, batches, and what happens when a run diverges."""

from __future__ import annotations

import numpy as np
import pytest

import optlib
from optlib import landscapes


def quadratic():
    return landscapes.quadratic([[3.0, 1.0], [1.0, 2.0]], minimum=[0.5, -1.0])


@pytest.mark.parametrize("batch", [(), (4,), (2, 3)], ids=["single", "batch", "batch-2d"])
def test_shapes(batch):
    f = landscapes.rosenbrock()
    x0 = np.random.default_rng(0).uniform(-1, 1, size=batch + (2,))
    traj = optlib.run(optlib.adam(lr=1e-2), f, x0, steps=7)
    assert traj.params.shape == (8,) + batch + (2,)
    assert traj.values.shape == (8,) + batch
    assert traj.diverged_at.shape == batch and np.all(traj.diverged_at == -1)
    assert traj.steps == 7 and not np.any(traj.diverged)
    np.testing.assert_array_equal(traj.params[0], x0)
    np.testing.assert_array_equal(traj.final, traj.params[-1])
    np.testing.assert_array_equal(traj.values, f.value(traj.params))


def test_batch_of_starts_equals_separate_runs():
    f = landscapes.rosenbrock()
    x0 = np.random.default_rng(1).uniform(-1, 1, size=(4, 2))
    batch = optlib.run(optlib.sgd(lr=1e-3, momentum=0.9), f, x0, steps=50)
    for i in range(4):
        single = optlib.run(optlib.sgd(lr=1e-3, momentum=0.9), f, x0[i], steps=50)
        np.testing.assert_array_equal(batch.params[:, i], single.params)


def test_zero_steps_is_the_start():
    traj = optlib.run(optlib.sgd(lr=0.1), landscapes.bowl(), np.array([1.0, 2.0]), steps=0)
    assert traj.params.shape == (1, 2) and traj.values.shape == (1,)
    np.testing.assert_array_equal(traj.final, [1.0, 2.0])


def test_gradient_descent_on_a_quadratic_follows_the_closed_form():
    f = quadratic()
    lr, steps = 0.3, 40
    x0 = np.array([2.0, 1.5])
    traj = optlib.run(optlib.sgd(lr=lr), f, x0, steps=steps)
    iteration = np.eye(2) - lr * f.A
    e0 = x0 - f.minima[0]
    expected = np.array([np.linalg.matrix_power(iteration, t) @ e0 for t in range(steps + 1)])
    np.testing.assert_allclose(traj.params - f.minima[0], expected, rtol=0, atol=1e-13 * np.linalg.norm(e0))


def diverging_step_by_hand(lr, x0, max_steps=5000):
    """The first step at which GD on the bowl ½‖x‖² overflows, iterated by hand."""
    x = np.array(x0, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, max_steps + 1):
            x = x - lr * x
            if not (np.all(np.isfinite(x)) and np.isfinite(0.5 * np.sum(x * x))):
                return t
    return -1


def test_divergence_raises_and_names_the_step():
    x0 = np.array([1.0, -2.0])
    expected = diverging_step_by_hand(3.0, x0)
    assert 100 < expected < 5000
    with pytest.raises(optlib.DivergenceError, match=rf"at step {expected}\b"):
        optlib.run(optlib.sgd(lr=3.0), landscapes.bowl(), x0, steps=expected + 10)
    # one step fewer finishes, with finite values
    traj = optlib.run(optlib.sgd(lr=3.0), landscapes.bowl(), x0, steps=expected - 1)
    assert np.all(np.isfinite(traj.values))


def test_divergence_in_a_batch_names_the_run():
    lrs = np.array([[0.5], [3.0]])
    x0 = np.ones((2, 2))
    expected = diverging_step_by_hand(3.0, x0[1])
    with pytest.raises(optlib.DivergenceError, match=rf"at step {expected} \(run \(1,\) of a batch of shape \(2,\)\)"):
        optlib.run(optlib.sgd(lr=lrs), landscapes.bowl(), x0, steps=expected + 1)


def test_recorded_divergence_marks_only_the_runs_that_diverged():
    lrs = np.array([0.1, 1.0, 1.9, 2.5, 3.0, 5.0])   # |1 - lr| > 1 diverges
    x0 = np.tile([1.0, -2.0], (len(lrs), 1))
    steps = 1200
    traj = optlib.run(optlib.sgd(lr=lrs[:, None]), landscapes.bowl(), x0, steps=steps, on_divergence="record")
    expected = np.array([diverging_step_by_hand(lr, x0[0], steps) for lr in lrs])
    np.testing.assert_array_equal(expected < 0, np.abs(1 - lrs) <= 1)
    np.testing.assert_array_equal(traj.diverged_at, expected)
    np.testing.assert_array_equal(traj.diverged, expected >= 0)
    for i, at in enumerate(traj.diverged_at):
        if at < 0:
            assert np.all(np.isfinite(traj.params[:, i])) and np.all(np.isfinite(traj.values[:, i]))
        else:
            assert np.all(np.isfinite(traj.params[:at, i])) and np.all(np.isfinite(traj.values[:at, i]))
            assert np.all(np.isnan(traj.params[at:, i])) and np.all(np.isnan(traj.values[at:, i]))


@pytest.mark.parametrize("steps", [-1, 2.5, float("inf"), float("nan"), "10", None])
def test_invalid_steps_is_refused(steps):
    with pytest.raises(ValueError, match="steps must be a whole number >= 0"):
        optlib.run(optlib.sgd(lr=0.1), landscapes.bowl(), np.ones(2), steps=steps)


def test_whole_float_steps_is_accepted():
    traj = optlib.run(optlib.sgd(lr=0.1), landscapes.bowl(), np.ones(2), steps=3.0)
    assert traj.steps == 3


@pytest.mark.parametrize("mode", ["ignore", "warn", "", None])
def test_invalid_on_divergence_is_refused(mode):
    with pytest.raises(ValueError, match=rf"on_divergence must be 'raise' or 'record'; got {mode!r}"):
        optlib.run(optlib.sgd(lr=0.1), landscapes.bowl(), np.ones(2), steps=3, on_divergence=mode)


def test_non_finite_start_is_refused():
    with pytest.raises(ValueError, match="params must be finite"):
        optlib.run(optlib.sgd(lr=0.1), landscapes.bowl(), np.array([np.nan, 1.0]), steps=3)
