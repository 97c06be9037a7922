"""The heavy-ball exercise check (chapter "momentum"): it accepts every correct form of the
step and names each typical mistake."""

import numpy as np
import pytest

import optlib
from optlib.checks import CheckFailed, CheckPassed, check_momentum_step


def velocity_form(theta, grad, state, lr, momentum):
    velocity = np.zeros_like(theta) if state is None else state
    velocity = momentum * velocity - lr * grad
    return theta + velocity, velocity


def buffer_form(theta, grad, state, lr, momentum):
    buffer = grad.copy() if state is None else momentum * state + grad
    return theta - lr * buffer, buffer


def sutskever_form(theta, grad, state, lr, momentum):
    v = lr * grad if state is None else momentum * state + lr * grad
    return theta - v, v


def two_point_form(theta, grad, state, lr, momentum):
    previous = theta if state is None else state          # θ_{t-2}, at rest at the start
    return theta - lr * grad + momentum * (theta - previous), theta.copy()


@pytest.mark.parametrize("step", [velocity_form, buffer_form, sutskever_form, two_point_form])
def test_accepts_every_equivalent_form(step):
    result = check_momentum_step(step)
    assert isinstance(result, CheckPassed)
    assert "12 steps agree with optlib.sgd(lr=0.1, momentum=0.8)" in repr(result)


def test_accepts_other_hyperparameters():
    assert isinstance(check_momentum_step(velocity_form, lr=0.3, momentum=0.5), CheckPassed)


def draft(theta, grad, state, lr, momentum):                 # + μ θ_{t-2}, θ_{-1} = θ_0
    previous = theta if state is None else state
    return theta - lr * grad + momentum * previous, theta.copy()


def draft_from_zero(theta, grad, state, lr, momentum):       # + μ θ_{t-2}, θ_{-1} = 0
    previous = np.zeros_like(theta) if state is None else state
    return theta - lr * grad + momentum * previous, theta.copy()


def first_gradient_twice(theta, grad, state, lr, momentum):
    buffer = grad.copy() if state is None else state
    buffer = momentum * buffer + grad
    return theta - lr * buffer, buffer


def moving_average(theta, grad, state, lr, momentum):
    buffer = np.zeros_like(theta) if state is None else state
    buffer = momentum * buffer + (1 - momentum) * grad
    return theta - lr * buffer, buffer


def momentum_sign(theta, grad, state, lr, momentum):
    velocity = np.zeros_like(theta) if state is None else state
    velocity = -momentum * velocity - lr * grad
    return theta + velocity, velocity


def state_lost(theta, grad, state, lr, momentum):
    velocity = np.zeros_like(theta) if state is None else state
    velocity = momentum * velocity - lr * grad
    return theta + velocity, None


def lr_twice(theta, grad, state, lr, momentum):
    buffer = lr * grad if state is None else momentum * state + lr * grad
    return theta - lr * buffer, buffer


def uphill(theta, grad, state, lr, momentum):
    velocity = np.zeros_like(theta) if state is None else state
    velocity = momentum * velocity + lr * grad
    return theta + velocity, velocity


def in_place(theta, grad, state, lr, momentum):
    velocity = np.zeros_like(theta) if state is None else state
    velocity = momentum * velocity - lr * grad
    theta += velocity
    return theta, velocity


MISTAKES = {
    "draft formula": (draft, "step 1 of 12", "draft's formula"),
    "draft formula from zero": (draft_from_zero, "step 2 of 12", "draft's formula"),
    "first gradient twice": (first_gradient_twice, "step 1 of 12", "counted twice"),
    "moving average": (moving_average, "step 1 of 12", "exponential moving average"),
    "momentum sign": (momentum_sign, "step 2 of 12", "wrong sign: the previous step is added"),
    "state lost": (state_lost, "step 2 of 12", "plain gradient descent"),
    "lr twice": (lr_twice, "step 1 of 12", "applied twice"),
    "uphill": (uphill, "step 1 of 12", "move against the gradient"),
    "in place": (in_place, "step 1", "modified theta or grad in place"),
    "only theta": (lambda theta, grad, state, lr, momentum: theta - lr * grad, "step 1",
                   "return a pair"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_rejects_each_typical_mistake_with_its_hint(mistake):
    step, where, hint = MISTAKES[mistake]
    with pytest.raises(CheckFailed) as failure:
        check_momentum_step(step)
    assert where in str(failure.value)
    assert hint in str(failure.value)


def test_each_mistake_gets_its_own_hint():
    hints = {}
    for name, (step, _, _) in MISTAKES.items():
        with pytest.raises(CheckFailed) as failure:
            check_momentum_step(step)
        text = str(failure.value)
        hints[name] = text.split("Hint: ")[1] if "Hint: " in text else text
    specific = ["draft formula", "first gradient twice", "moving average", "momentum sign",
                "state lost", "lr twice", "uphill"]
    assert len({hints[name] for name in specific}) == len(specific)


def test_failure_names_the_step_coordinate_and_both_values():
    def wrong_at_step_five(theta, grad, state, lr, momentum, calls=[0]):
        calls[0] += 1
        new_theta, velocity = velocity_form(theta, grad, state, lr, momentum)
        if calls[0] == 5:
            new_theta = new_theta.copy()
            new_theta[1] += 0.5
        return new_theta, velocity

    with pytest.raises(CheckFailed) as failure:
        check_momentum_step(wrong_at_step_five)
    text = str(failure.value)
    assert "step 5 of 12 differs at coordinate (1,)" in text
    expected = float(text.split("expected θ_5[1] = ")[1].split()[0])
    got = float(text.split("got      θ_5[1] = ")[1].split()[0])
    assert np.isclose(got - expected, 0.5)


def test_reference_is_the_heavy_ball_in_every_library_form():
    """The check compares with optlib.sgd; heavy_ball gives the same iterates at constant lr."""
    f = optlib.landscapes.quadratic(np.diag([0.5, 1.0, 2.0]), minimum=np.array([1.0, -2.0, 0.5]))
    x0 = np.array([3.0, 1.0, -1.5])
    a = optlib.run(optlib.sgd(lr=0.1, momentum=0.8), f, x0, 12).params
    b = optlib.run(optlib.heavy_ball(lr=0.1, momentum=0.8), f, x0, 12).params
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)
