"""Check functions for the coding exercises: they say exactly what differs.

A student implements one step of an optimizer; the check runs it against
the reference recipe of :mod:`optlib` from the same iterate each step (so an
error does not snowball), and on the first mismatch raises
:class:`CheckFailed` naming the step, the coordinate, the expected and the
obtained value, and a hint for the typical mistake it recognises.

Example:
    >>> from optlib.checks import check_gradient_descent_step
    >>> check_gradient_descent_step(lambda theta, grad, lr: theta - lr * grad)
    ✓ gradient descent: 12 steps agree with optlib.sgd(lr=0.1) to 1e-12.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .landscapes import quadratic
from .optimizers import sgd
from .running import run


class CheckFailed(AssertionError):
    """The student's implementation differs from the reference; the message says where."""


@dataclass(frozen=True)
class CheckPassed:
    """The result of a successful check; it prints as a one-line confirmation."""

    message: str

    def __repr__(self) -> str:
        return self.message


@dataclass(frozen=True)
class StepContext:
    """What a hint sees: the step t, the iterate before it, the gradient, the
    hyperparameters, and the expected and obtained next iterates."""

    t: int
    theta: np.ndarray
    grad: np.ndarray
    hyperparameters: dict
    expected: np.ndarray
    got: np.ndarray

    @property
    def expected_step(self) -> np.ndarray:
        return self.expected - self.theta

    @property
    def got_step(self) -> np.ndarray:
        return self.got - self.theta


def _close(a, b, rtol=1e-9) -> bool:
    return bool(np.allclose(a, b, rtol=rtol, atol=1e-12))


def hint_sign(c: StepContext):
    if _close(c.got_step, -c.expected_step):
        return "the step has the wrong sign: move against the gradient, θ - lr·g, not θ + lr·g."


def hint_returned_step(c: StepContext):
    if _close(c.got, c.expected_step):
        return "you returned the step Δθ; return the new parameters θ + Δθ."


def hint_unchanged(c: StepContext):
    if _close(c.got, c.theta):
        return "the parameters did not move: return the updated θ, not the θ you were given."


def hint_lr_twice(c: StepContext):
    lr = c.hyperparameters.get("lr")
    if lr is not None and _close(c.got_step, lr * c.expected_step):
        return "the learning rate is applied twice (the step is lr times too small)."


def hint_lr_missing(c: StepContext):
    lr = c.hyperparameters.get("lr")
    if lr is not None and lr != 0 and _close(c.got_step, c.expected_step / lr):
        return "the learning rate is missing (the step is 1/lr times too large)."


#: Hints that fit any optimizer whose update is θ ← θ + Δθ.
GENERIC_HINTS = (hint_sign, hint_returned_step, hint_unchanged, hint_lr_twice, hint_lr_missing)


def _format(array) -> str:
    return np.array2string(np.asarray(array), precision=6, separator=", ", suppress_small=False)


def check_step_function(student_step: Callable, reference, hyperparameters: dict, *,
                        name: str, objective=None, x0=None, steps: int = 12,
                        hints=GENERIC_HINTS, tolerance: float = 1e-12) -> CheckPassed:
    """Compare ``student_step(theta, grad, **hyperparameters) -> new theta`` with a reference.

    Each step starts both from the reference iterate θ_{t-1}; the first
    coordinate whose next iterate differs by more than ``tolerance``
    (relative) is reported.

    Args:
        student_step: the function under test; it must not modify its inputs.
        reference: a recipe such as ``optlib.sgd``, called with ``hyperparameters``.
        hyperparameters: keywords for both, e.g. ``{"lr": 0.1}``.
        name: what is being checked, for the messages.
        objective, x0: where to run (default: a 3-D quadratic with distinct curvatures).
        steps: how many steps to compare.
        hints: functions ``StepContext -> str | None`` recognising typical mistakes.
        tolerance: relative agreement required.

    Returns:
        a :class:`CheckPassed` that prints a one-line confirmation.

    Raises:
        CheckFailed: with the step, coordinate, expected and obtained values, and a hint.
    """
    if objective is None:
        objective = quadratic(np.diag([0.5, 1.0, 2.0]), minimum=np.array([1.0, -2.0, 0.5]))
        x0 = np.array([3.0, 1.0, -1.5])
    reference_run = run(reference(**hyperparameters), objective, x0, steps)
    settings = ", ".join(f"{k}={v!r}" for k, v in hyperparameters.items())
    for t in range(1, steps + 1):
        theta = reference_run.params[t - 1]
        grad = objective.grad(theta)
        expected = reference_run.params[t]
        given_theta, given_grad = theta.copy(), grad.copy()
        try:
            got = student_step(given_theta, given_grad, **hyperparameters)
        except Exception as error:
            raise CheckFailed(f"{name}: step {t} raised {type(error).__name__}: {error}") from error
        if not np.array_equal(given_theta, theta) or not np.array_equal(given_grad, grad):
            raise CheckFailed(f"{name}: step {t} modified its inputs in place; "
                              "compute a new array instead (theta - ... rather than theta -= ...).")
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            raise CheckFailed(f"{name}: step {t} returned {got!r}, not an array of numbers") from None
        if got.shape != expected.shape:
            raise CheckFailed(f"{name}: step {t} returned shape {got.shape}; expected {expected.shape} "
                              "(the shape of theta)")
        wrong = ~np.isclose(got, expected, rtol=tolerance, atol=tolerance)
        if wrong.any():
            i = tuple(int(k) for k in np.argwhere(wrong)[0])
            context = StepContext(t, theta, grad, hyperparameters, expected, got)
            found = [h(context) for h in hints]
            hint = next((h for h in found if h), "compare your formula with the algorithm box, "
                        "term by term, at this step.")
            raise CheckFailed(
                f"{name}: step {t} of {steps} differs at coordinate {i}.\n"
                f"  expected θ_{t}{list(i)} = {float(expected[i])!r}\n"
                f"  got      θ_{t}{list(i)} = {float(got[i])!r}\n"
                f"  from θ_{t - 1} = {_format(theta)}, g = {_format(grad)}, {settings}\n"
                f"Hint: {hint}")
    return CheckPassed(f"✓ {name}: {steps} steps agree with optlib.{reference.__name__}({settings}) "
                       f"to {tolerance:g}.")


def check_gradient_descent_step(gd_step: Callable, lr: float = 0.1) -> CheckPassed:
    """Check ``gd_step(theta, grad, lr) -> new theta`` against ``optlib.sgd(lr)``.

    Example:
        >>> check_gradient_descent_step(lambda theta, grad, lr: theta + lr * grad)
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: gradient descent: step 1 of 12 differs at coordinate (0,).
          expected θ_1[0] = 2.9
          got      θ_1[0] = 3.1
          from θ_0 = [ 3. ,  1. , -1.5], g = [ 1.,  3., -4.], lr=0.1
        Hint: the step has the wrong sign: move against the gradient, θ - lr·g, not θ + lr·g.
    """
    return check_step_function(gd_step, sgd, {"lr": lr}, name="gradient descent")
