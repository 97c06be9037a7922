"""Support for the Nesterov chapter: the stateful exercise check and the identities it relies on."""

import numpy as np
import pytest

import optlib
from optlib.checks import (BufferedStepContext, CheckFailed, CheckPassed, check_buffered_step_function,
                           check_nesterov_step, hint_nesterov_buffer_alone)


def correct(theta, grad, state, lr, momentum):
    b = grad if state is None else momentum * state + grad
    return theta - lr * (grad + momentum * b), b


def zero_start(theta, grad, state, lr, momentum):
    # b_0 = 0: with dampening 0, b_1 = μ·0 + g_1 = g_1, exactly PyTorch's first buffer
    b = momentum * (np.zeros_like(grad) if state is None else state) + grad
    return theta - lr * (grad + momentum * b), b


def keras_form(theta, grad, state, lr, momentum):
    # Keras: v ← μv − ηg; θ ← θ + μv − ηg (the rate inside the velocity); equal at a constant rate
    v = np.zeros_like(grad) if state is None else state
    v = momentum * v - lr * grad
    return theta + momentum * v - lr * grad, v


@pytest.mark.parametrize("step", [correct, zero_start, keras_form], ids=lambda f: f.__name__)
def test_accepts_correct_implementations(step):
    result = check_nesterov_step(step)
    assert isinstance(result, CheckPassed)
    assert "12 steps agree with optlib.sgd(lr=0.05, momentum=0.9, nesterov=True)" in repr(result)


def test_accepts_other_hyperparameters():
    assert isinstance(check_nesterov_step(correct, lr=0.3, momentum=0.5), CheckPassed)


def heavy_ball(theta, grad, state, lr, momentum):
    b = grad if state is None else momentum * state + grad
    return theta - lr * b, b


def old_buffer(theta, grad, state, lr, momentum):
    previous = np.zeros_like(grad) if state is None else state
    return theta - lr * (grad + momentum * previous), momentum * previous + grad


def doubled_first_buffer(theta, grad, state, lr, momentum):
    b = momentum * (grad if state is None else state) + grad
    return theta - lr * (grad + momentum * b), b


def lr_in_buffer(theta, grad, state, lr, momentum):
    b = momentum * (0.0 if state is None else state) + lr * grad
    return theta - lr * (grad + momentum * b), b


def averaged_buffer(theta, grad, state, lr, momentum):
    b = momentum * (0.0 if state is None else state) + (1 - momentum) * grad
    return theta - lr * (grad + momentum * b), b


def state_lost(theta, grad, state, lr, momentum):
    b = grad if state is None else momentum * state + grad
    return theta - lr * (grad + momentum * b), None


def uphill(theta, grad, state, lr, momentum):
    new, b = correct(theta, grad, state, lr, momentum)
    return 2 * theta - new, b


def lr_twice(theta, grad, state, lr, momentum):
    b = grad if state is None else momentum * state + grad
    return theta - lr * lr * (grad + momentum * b), b


def lr_missing(theta, grad, state, lr, momentum):
    b = grad if state is None else momentum * state + grad
    return theta - (grad + momentum * b), b


def in_place(theta, grad, state, lr, momentum):
    b = grad if state is None else momentum * state + grad
    theta -= lr * (grad + momentum * b)
    return theta, b


MISTAKES = {
    "heavy ball": (heavy_ball, r"heavy ball's first step.*g_t \+ μ·b_t"),
    "old buffer": (old_buffer, r"heavy ball's first step.*use b_\(t-1\)"),
    "doubled first buffer": (doubled_first_buffer, "counts g_1 twice"),
    "lr in buffer": (lr_in_buffer, "learning rate is applied twice to the buffer"),
    "averaged buffer": (averaged_buffer, "not an average"),
    "state lost": (state_lost, "not carried over"),
    "uphill": (uphill, "wrong sign"),
    "lr twice": (lr_twice, "step is lr times too small"),
    "lr missing": (lr_missing, "learning rate is missing"),
    "in place": (in_place, "modified theta or grad in place"),
    "not a pair": (lambda theta, grad, state, lr, momentum: theta, "return a pair"),
    "wrong shape": (lambda theta, grad, state, lr, momentum: (theta[:2], None), r"shape \(2,\)"),
    "raises": (lambda theta, grad, state, lr, momentum: (theta - grad["x"], None), "raised IndexError"),
    "unrecognised": (lambda theta, grad, state, lr, momentum: (correct(theta, grad, state, lr, momentum)[0]
                                                               * 1.01, None), "compare your formula"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_rejects_typical_mistakes_with_the_right_hint(mistake):
    step, message = MISTAKES[mistake]
    with pytest.raises(CheckFailed, match=message):
        check_nesterov_step(step)


def test_state_lost_is_caught_at_step_two_with_the_buffer_shown():
    with pytest.raises(CheckFailed) as failure:
        check_nesterov_step(state_lost)
    text = str(failure.value)
    assert "step 2 of 12" in text
    assert "b_1 = [ 1.,  3., -4.]" in text          # the reference b_1 = g_1 is printed


def context(t, got_step, lr=0.05, mu=0.9):
    theta, grad = np.array([1.0, -2.0]), np.array([0.5, 1.5])
    b_before, b_after = np.array([2.0, -1.0]), None
    b_after = mu * b_before + grad
    expected = theta - lr * (grad + mu * b_after)
    return BufferedStepContext(t, theta, grad, {"lr": lr, "momentum": mu}, expected, theta + got_step,
                               b_before=b_before, b_after=b_after)


def test_buffer_hint_after_the_first_step():
    # g_t + μ·b_(t-1) is b_t itself: "the old buffer in the look-ahead term" and
    # "stepping along the buffer" are the same mistake, heavy ball's step
    lr, mu = 0.05, 0.9
    c = context(3, np.zeros(2))
    np.testing.assert_allclose(c.grad + mu * c.b_before, c.b_after)
    assert "stepped along the buffer b_t (heavy ball)" in hint_nesterov_buffer_alone(context(3, -lr * c.b_after))
    assert hint_nesterov_buffer_alone(context(3, c.expected_step)) is None


def test_generic_buffered_check_runs_heavy_ball_too():
    result = check_buffered_step_function(
        heavy_ball, optlib.sgd, {"lr": 0.05, "momentum": 0.9}, name="heavy ball",
        buffer=lambda state: state[1].b)
    assert "optlib.sgd(lr=0.05, momentum=0.9)" in repr(result)
    with pytest.raises(CheckFailed, match="step 1 of 12"):
        check_buffered_step_function(correct, optlib.sgd, {"lr": 0.05, "momentum": 0.9},
                                     name="heavy ball", buffer=lambda state: state[1].b)


def test_torch_iterates_are_the_look_ahead_points_of_sutskevers_form():
    # the identity the chapter derives: optlib.sgd(nesterov=True) iterates = θ + μv of the look-ahead form
    f = optlib.landscapes.rosenbrock()
    lr, mu, steps = 1e-3, 0.9, 200
    theta, v, look_ahead = f.start.copy(), np.zeros(2), [f.start.copy()]
    for _ in range(steps):
        v = mu * v - lr * f.grad(theta + mu * v)
        theta = theta + v
        look_ahead.append(theta + mu * v)
    library = optlib.run(optlib.sgd(lr=lr, momentum=mu, nesterov=True), f, f.start, steps)
    np.testing.assert_allclose(np.array(look_ahead), library.params, rtol=0, atol=1e-12)
