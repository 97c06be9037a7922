"""The exercise checks accept a correct step and say precisely what is wrong with a typical mistake."""

import numpy as np
import pytest

from optlib.checks import CheckFailed, CheckPassed, check_gradient_descent_step


def correct(theta, grad, lr):
    return theta - lr * grad


def test_accepts_the_reference():
    result = check_gradient_descent_step(correct)
    assert isinstance(result, CheckPassed)
    assert "12 steps agree with optlib.sgd(lr=0.1)" in repr(result)


def in_place(theta, grad, lr):
    theta -= lr * grad
    return theta


MISTAKES = {
    "uphill": (lambda theta, grad, lr: theta + lr * grad, "wrong sign"),
    "lr twice": (lambda theta, grad, lr: theta - lr * lr * grad, "applied twice"),
    "lr missing": (lambda theta, grad, lr: theta - grad, "learning rate is missing"),
    "returned the step": (lambda theta, grad, lr: -lr * grad, "returned the step"),
    "did not move": (lambda theta, grad, lr: theta, "did not move"),
    "in place": (in_place, "modified its inputs in place"),
    "wrong shape": (lambda theta, grad, lr: (theta - lr * grad)[:2], r"returned shape \(2,\)"),
    "raises": (lambda theta, grad, lr: theta - lr * grad["x"], "raised IndexError"),
    "unrecognised": (lambda theta, grad, lr: theta - lr * grad * 1.01, "compare your formula"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_rejects_typical_mistakes_with_the_right_message(mistake):
    step, message = MISTAKES[mistake]
    with pytest.raises(CheckFailed, match=message):
        check_gradient_descent_step(step)


def test_failure_names_step_coordinate_expected_and_got():
    def wrong_after_three_steps(theta, grad, lr, calls=[0]):
        calls[0] += 1
        new = theta - lr * grad
        if calls[0] == 4:
            new[2] += 1.0
        return new

    with pytest.raises(CheckFailed) as failure:
        check_gradient_descent_step(wrong_after_three_steps)
    text = str(failure.value)
    assert "step 4 of 12 differs at coordinate (2,)" in text
    expected = float(text.split("expected θ_4[2] = ")[1].split()[0])
    got = float(text.split("got      θ_4[2] = ")[1].split()[0])
    assert np.isclose(got - expected, 1.0)
