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
                f"  expected θ_{t}{list(i)} = {float(expected[i]):.10g}\n"
                f"  got      θ_{t}{list(i)} = {float(got[i]):.10g}\n"
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


# ---------------------------------------------------------------------------
# Nesterov momentum (chapter "nesterov"): a step that carries a momentum buffer
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BufferedStepContext(StepContext):
    r"""A :class:`StepContext` for a method with a momentum buffer.

    ``b_before`` is the reference buffer :math:`b_{t-1}` (zeros before the
    first step) and ``b_after`` the reference :math:`b_t`."""

    b_before: np.ndarray = None
    b_after: np.ndarray = None


def _nesterov_parts(c: BufferedStepContext):
    return c.hyperparameters["lr"], c.hyperparameters["momentum"], c.grad


def hint_nesterov_buffer_alone(c: BufferedStepContext):
    # g_t + μ·b_(t-1) equals b_t, so "stepped along b_t" and "used b_(t-1) in the
    # look-ahead term" are one and the same mistake: one message names both readings.
    lr, mu, g = _nesterov_parts(c)
    if not _close(c.got_step, -lr * c.b_after):
        return None
    if c.t == 1:                        # b_1 = g_1: the step is also heavy ball's first step
        return ("the step is -lr·g_1, heavy ball's first step. Nesterov steps along g_t + μ·b_t, "
                "with the updated buffer b_t = μ·b_(t-1) + g_t (so b_1 = g_1): did you step along "
                "the buffer b_t alone, or use b_(t-1) in the look-ahead term?")
    return ("you stepped along the buffer b_t (heavy ball), or equivalently used b_(t-1) in the "
            "look-ahead term, since g_t + μ·b_(t-1) = b_t; Nesterov steps along g_t + μ·b_t.")


def hint_nesterov_first_buffer(c: BufferedStepContext):
    lr, mu, g = _nesterov_parts(c)
    if c.t == 1 and _close(c.got_step, -lr * (g + mu * (1 + mu) * g)):
        return ("the first buffer counts g_1 twice: b_1 = g_1 (or μ·0 + g_1 from a zero "
                "buffer), not μ·g_1 + g_1.")


def hint_nesterov_lr_in_buffer(c: BufferedStepContext):
    lr, mu, g = _nesterov_parts(c)
    if _close(c.got_step, -lr * (g + mu * (mu * c.b_before + lr * g))):
        return ("the learning rate is applied twice to the buffer: keep it out of the buffer "
                "(b_t = μ·b_(t-1) + g_t) and apply it once, to g_t + μ·b_t.")


def hint_nesterov_average(c: BufferedStepContext):
    lr, mu, g = _nesterov_parts(c)
    if _close(c.got_step, -lr * (g + mu * (mu * c.b_before + (1 - mu) * g))):
        return ("the buffer is a sum, b_t = μ·b_(t-1) + g_t, not an average "
                "μ·b_(t-1) + (1 - μ)·g_t (Nesterov momentum needs dampening 0).")


def hint_nesterov_state_lost(c: BufferedStepContext):
    lr, mu, g = _nesterov_parts(c)
    if c.t > 1 and _close(c.got_step, -lr * (1 + mu) * g):
        return ("the buffer was not carried over (the step is that of a first step, "
                "-lr·(1 + μ)·g_t): return the new buffer b_t as the new state.")


#: Hints for Nesterov momentum, tried before the generic ones.
NESTEROV_HINTS = (hint_nesterov_buffer_alone, hint_nesterov_first_buffer, hint_nesterov_lr_in_buffer,
                  hint_nesterov_average, hint_nesterov_state_lost) + GENERIC_HINTS


def check_buffered_step_function(student_step: Callable, reference, hyperparameters: dict, *,
                                 name: str, buffer: Callable, objective=None, x0=None,
                                 steps: int = 12, hints=GENERIC_HINTS, tolerance: float = 1e-12,
                                 reference_label: str | None = None) -> CheckPassed:
    """Compare a step with state, ``student_step(theta, grad, state, **hyperparameters)
    -> (new theta, new state)``, with a reference optimizer.

    The first call receives ``state=None``; each later call receives the state
    the student returned at the previous step, which the check does not look
    into. Each step starts from the reference iterate θ_{t-1}, so an error does
    not snowball through θ; the first coordinate whose next iterate differs by
    more than ``tolerance`` (relative) is reported, with a hint. Hints receive a
    :class:`BufferedStepContext` holding the reference buffers.

    Args:
        student_step: the function under test; it must not modify theta or grad.
        reference: the optimizer recipe, called with ``hyperparameters``.
        hyperparameters: keywords for both.
        name: what is being checked, for the messages.
        buffer: ``reference state -> b_t``, the reference momentum buffer.
        objective, x0: where to run (default: a 3-D quadratic with distinct curvatures).
        steps: how many steps to compare.
        hints: functions ``BufferedStepContext -> str | None``.
        tolerance: relative agreement required.
        reference_label: how the confirmation names the reference (default
            ``optlib.<reference name>(<hyperparameters>)``).

    Returns:
        a :class:`CheckPassed` that prints a one-line confirmation.

    Raises:
        CheckFailed: with the step, coordinate, expected and obtained values, and a hint.
    """
    if objective is None:
        objective = quadratic(np.diag([0.5, 1.0, 2.0]), minimum=np.array([1.0, -2.0, 0.5]))
        x0 = np.array([3.0, 1.0, -1.5])
    opt = reference(**hyperparameters)
    theta = np.asarray(x0, dtype=float)
    ref_state = opt.init(theta)
    b_before = np.zeros_like(theta)
    student_state = None
    settings = ", ".join(f"{k}={v!r}" for k, v in hyperparameters.items())
    for t in range(1, steps + 1):
        grad = objective.grad(theta)
        updates, ref_state = opt.update(grad, ref_state, theta)
        expected, b_after = theta + updates, np.asarray(buffer(ref_state), dtype=float)
        given_theta, given_grad = theta.copy(), grad.copy()
        try:
            returned = student_step(given_theta, given_grad, student_state, **hyperparameters)
        except Exception as error:
            raise CheckFailed(f"{name}: step {t} raised {type(error).__name__}: {error}") from error
        if not np.array_equal(given_theta, theta) or not np.array_equal(given_grad, grad):
            raise CheckFailed(f"{name}: step {t} modified theta or grad in place; "
                              "compute a new array instead (theta - ... rather than theta -= ...).")
        if not isinstance(returned, tuple) or len(returned) != 2:
            raise CheckFailed(f"{name}: step {t} returned {type(returned).__name__}; "
                              "return a pair (new_theta, new_state)")
        got, student_state = returned
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            raise CheckFailed(f"{name}: step {t} returned new_theta = {got!r}, "
                              "not an array of numbers") from None
        if got.shape != expected.shape:
            raise CheckFailed(f"{name}: step {t} returned new_theta of shape {got.shape}; "
                              f"expected {expected.shape} (the shape of theta)")
        wrong = ~np.isclose(got, expected, rtol=tolerance, atol=tolerance)
        if wrong.any():
            i = tuple(int(k) for k in np.argwhere(wrong)[0])
            context = BufferedStepContext(t, theta, grad, hyperparameters, expected, got,
                                          b_before=b_before, b_after=b_after)
            found = [h(context) for h in hints]
            hint = next((h for h in found if h), "compare your formula with the algorithm box, "
                        "term by term, at this step.")
            raise CheckFailed(
                f"{name}: step {t} of {steps} differs at coordinate {i}.\n"
                f"  expected θ_{t}{list(i)} = {float(expected[i]):.10g}\n"
                f"  got      θ_{t}{list(i)} = {float(got[i]):.10g}\n"
                f"  from θ_{t - 1} = {_format(theta)}, g = {_format(grad)}, "
                f"b_{t - 1} = {_format(b_before)}, {settings}\n"
                f"Hint: {hint}")
        theta, b_before = expected, b_after
    label = reference_label or f"optlib.{reference.__name__}({settings})"
    return CheckPassed(f"✓ {name}: {steps} steps agree with {label} to {tolerance:g}.")


def check_nesterov_step(nesterov_step: Callable, lr: float = 0.05, momentum: float = 0.9) -> CheckPassed:
    r"""Check ``nesterov_step(theta, grad, state, lr, momentum) -> (new_theta, new_state)``
    against ``optlib.sgd(lr, momentum, nesterov=True)``, PyTorch's form:

    .. math:: b_t = \mu b_{t-1} + g_t \ (b_1 = g_1), \qquad
              \theta_t = \theta_{t-1} - \gamma (g_t + \mu b_t).

    ``state`` is ``None`` at the first step; afterwards it is whatever the
    function returned as ``new_state`` (the buffer :math:`b_t`, typically).

    Example:
        >>> def nesterov_step(theta, grad, state, lr, momentum):
        ...     b = grad if state is None else momentum * state + grad
        ...     return theta - lr * (grad + momentum * b), b
        >>> check_nesterov_step(nesterov_step)
        ✓ Nesterov momentum: 12 steps agree with optlib.sgd(lr=0.05, momentum=0.9, nesterov=True) to 1e-12.
        >>> def heavy_ball_step(theta, grad, state, lr, momentum):
        ...     b = grad if state is None else momentum * state + grad
        ...     return theta - lr * b, b
        >>> check_nesterov_step(heavy_ball_step)
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: Nesterov momentum: step 1 of 12 differs at coordinate (0,).
          expected θ_1[0] = 2.905
          got      θ_1[0] = 2.95
          from θ_0 = [ 3. ,  1. , -1.5], g = [ 1.,  3., -4.], b_0 = [0., 0., 0.], lr=0.05, momentum=0.9
        Hint: the step is -lr·g_1, heavy ball's first step. Nesterov steps along g_t + μ·b_t, ...
    """
    return check_buffered_step_function(
        nesterov_step, lambda lr, momentum: sgd(lr=lr, momentum=momentum, nesterov=True),
        {"lr": lr, "momentum": momentum}, name="Nesterov momentum",
        buffer=lambda state: state[1].b, hints=NESTEROV_HINTS,
        reference_label=f"optlib.sgd(lr={lr!r}, momentum={momentum!r}, nesterov=True)")


# ---------------------------------------------------------------------------
# Heavy-ball momentum (chapter "momentum"), checked with check_buffered_step_function
# ---------------------------------------------------------------------------


def _heavy_ball_parts(c: BufferedStepContext):
    r"""``(lr, momentum, previous step)``; the previous step :math:`\theta_{t-1} - \theta_{t-2}`
    is :math:`-\gamma b_{t-1}` at a constant learning rate (zero before the first step)."""
    lr, mu = c.hyperparameters["lr"], c.hyperparameters["momentum"]
    return lr, mu, -lr * c.b_before


def hint_momentum_draft_formula(c: BufferedStepContext):
    lr, mu, previous = _heavy_ball_parts(c)
    before = c.theta - previous                                  # θ_{t-2} (θ_0 at the first step)
    if mu and _close(c.got_step, -lr * c.grad + mu * before):
        return ("this is the draft's formula θ_t = θ_(t-1) - lr·g_t + μ·θ_(t-2): momentum adds μ times "
                "the previous step, μ·(θ_(t-1) - θ_(t-2)), not μ times the previous point θ_(t-2).")


def hint_momentum_first_gradient_twice(c: BufferedStepContext):
    _, mu, _ = _heavy_ball_parts(c)
    if c.t == 1 and mu and _close(c.got_step, (1 + mu) * c.expected_step):
        return ("the first step is (1 + μ) times too long: the first gradient is counted twice. Start "
                "the buffer at b_1 = g_1 (or a velocity at v_0 = 0), not b_1 = μ·g_1 + g_1.")


def hint_momentum_average(c: BufferedStepContext):
    _, mu, _ = _heavy_ball_parts(c)
    if c.t == 1 and mu and _close(c.got_step, (1 - mu) * c.expected_step):
        return ("the gradient is multiplied by (1 - μ) and the buffer started at zero: that is an "
                "exponential moving average (Adam's m; PyTorch's dampening τ = μ would still start at "
                "b_1 = g_1). Heavy ball adds the whole gradient: b_t = μ·b_(t-1) + g_t.")


def hint_momentum_sign(c: BufferedStepContext):
    lr, mu, previous = _heavy_ball_parts(c)
    if c.t > 1 and mu and _close(c.got_step, -lr * c.grad - mu * previous):
        return ("the momentum term has the wrong sign: the previous step is added, "
                "θ_t = θ_(t-1) - lr·g_t + μ·(θ_(t-1) - θ_(t-2)) (v ← μ·v - lr·g, θ ← θ + v).")


def hint_momentum_state_lost(c: BufferedStepContext):
    lr, _, _ = _heavy_ball_parts(c)
    if c.t > 1 and _close(c.got_step, -lr * c.grad):
        return ("this step is plain gradient descent: the velocity was not carried over. Use the state "
                "you are given (None only at the first step) and return the new one.")


#: Hints for a heavy-ball step, tried before the generic ones.
MOMENTUM_HINTS = (hint_momentum_draft_formula, hint_momentum_first_gradient_twice,
                  hint_momentum_average, hint_momentum_sign, hint_momentum_state_lost) + GENERIC_HINTS


def check_momentum_step(heavy_ball_step: Callable, lr: float = 0.1, momentum: float = 0.8) -> CheckPassed:
    r"""Check ``heavy_ball_step(theta, grad, state, lr, momentum) -> (new_theta, new_state)``
    against ``optlib.sgd(lr, momentum)``, one step of the heavy ball:

    .. math:: \theta_t = \theta_{t-1} - \gamma g_t + \mu(\theta_{t-1} - \theta_{t-2}).

    Any of its forms passes, since they give the same iterates at a constant
    learning rate: PyTorch's buffer :math:`b_t = \mu b_{t-1} + g_t` (:math:`b_1 = g_1`),
    :math:`\theta_t = \theta_{t-1} - \gamma b_t`, or the velocity
    :math:`v_t = \mu v_{t-1} - \gamma g_t` (:math:`v_0 = 0`), :math:`\theta_t = \theta_{t-1} + v_t`.
    ``state`` is ``None`` at the first step, then whatever the function returned
    as ``new_state`` the step before. The hints recognise the draft's formula
    (:math:`+\mu\theta_{t-2}`), a first gradient counted twice, an average in
    place of the sum, the wrong sign of the momentum term, a velocity that is
    not carried over, and the mistakes of :data:`GENERIC_HINTS`.

    Example:
        >>> def heavy_ball_step(theta, grad, state, lr, momentum):
        ...     velocity = np.zeros_like(theta) if state is None else state
        ...     velocity = momentum * velocity - lr * grad
        ...     return theta + velocity, velocity
        >>> check_momentum_step(heavy_ball_step)
        ✓ heavy-ball momentum: 12 steps agree with optlib.sgd(lr=0.1, momentum=0.8) to 1e-12.
        >>> def draft_step(theta, grad, state, lr, momentum):
        ...     previous = theta if state is None else state
        ...     return theta - lr * grad + momentum * previous, theta
        >>> check_momentum_step(draft_step)
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: heavy-ball momentum: step 1 of 12 differs at coordinate (0,).
          expected θ_1[0] = 2.9
          got      θ_1[0] = 5.3
          from θ_0 = [ 3. ,  1. , -1.5], g = [ 1.,  3., -4.], b_0 = [0., 0., 0.], lr=0.1, momentum=0.8
        Hint: this is the draft's formula θ_t = θ_(t-1) - lr·g_t + μ·θ_(t-2): momentum adds μ times ...
    """
    return check_buffered_step_function(heavy_ball_step, sgd, {"lr": lr, "momentum": momentum},
                                        name="heavy-ball momentum", buffer=lambda state: state[1].b,
                                        hints=MOMENTUM_HINTS)


# ---------------------------------------------------------------------------
# Minibatch SGD (chapter "sgd")
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MinibatchStepContext(StepContext):
    """A :class:`StepContext` for one minibatch step, with what its hints need:
    the batch size b, the number of examples n, the number of features d, and
    the gradient of the whole data set at θ_{t-1} (``grad`` is the minibatch's)."""

    batch_size: int = 1
    n: int = 1
    features: int = 1
    full_grad: np.ndarray | None = None


def hint_minibatch_summed(c: MinibatchStepContext):
    if c.batch_size > 1 and _close(c.got_step, c.batch_size * c.expected_step):
        return (f"the step is b = {c.batch_size} times too large: the per-example gradients were summed, "
                "not averaged. Divide by the batch size b = X_batch.shape[0].")


def hint_minibatch_divided_by_features(c: MinibatchStepContext):
    if c.features != c.batch_size and _close(c.got_step, c.batch_size / c.features * c.expected_step):
        return ("the sum was divided by the number of features d = X_batch.shape[1]; "
                "divide by the batch size b = X_batch.shape[0].")


def hint_minibatch_divided_by_n(c: MinibatchStepContext):
    if c.n != c.batch_size and _close(c.got_step, c.batch_size / c.n * c.expected_step):
        return (f"the sum was divided by the size of the whole data set, n = {c.n}; a minibatch "
                "gradient is the mean over the b examples of the batch: divide by b.")


def hint_minibatch_full_gradient(c: MinibatchStepContext):
    lr = c.hyperparameters.get("lr")
    if c.full_grad is not None and lr is not None and _close(c.got, c.theta - lr * c.full_grad):
        return ("this is a step of full gradient descent: it uses the gradient of the whole data set. "
                "Use only the examples you are given, X_batch and y_batch.")


#: Hints for a minibatch step, then the generic ones.
MINIBATCH_HINTS = (hint_minibatch_summed, hint_minibatch_divided_by_features, hint_minibatch_divided_by_n,
                   hint_minibatch_full_gradient) + GENERIC_HINTS


def check_sgd_minibatch_step(sgd_minibatch_step: Callable, lr: float = 0.1, batch_size: int = 5, *,
                             steps: int = 12, seed: int = 0, problem=None,
                             tolerance: float = 1e-12) -> CheckPassed:
    r"""Check ``sgd_minibatch_step(theta, X_batch, y_batch, lr) -> new theta``, one step
    of minibatch SGD on least squares, against ``optlib.run(optlib.sgd(lr), ...,
    batch_size=b, seed=seed)``:

    .. math::
        \theta_t = \theta_{t-1} - \gamma\,\frac1b \sum_{i \in \mathcal B_t}
        x_i\,(x_i^\top\theta_{t-1} - y_i), \qquad b = |\mathcal B_t|.

    The minibatches are those of the reference run (:class:`optlib.Minibatches`
    replayed from the same seed), on ``problem`` (default: the two-feature
    diabetes problem of the chapter, ``optlib.problems.diabetes_two_features()``).
    Each step starts from the reference iterate θ_{t-1}, so an error does not
    snowball. The hints recognise a sum in place of the mean over the batch, a
    division by the number of features or by n instead of b, a step with the
    gradient of the whole data set, and the mistakes of :data:`GENERIC_HINTS`.

    Example:
        >>> def sgd_minibatch_step(theta, X_batch, y_batch, lr):
        ...     residuals = X_batch @ theta - y_batch
        ...     return theta - lr * X_batch.T @ residuals / len(y_batch)
        >>> check_sgd_minibatch_step(sgd_minibatch_step)
        ✓ minibatch SGD: 12 steps agree with optlib.run(optlib.sgd(lr=0.1), batch_size=5, seed=0) to 1e-12.
        >>> check_sgd_minibatch_step(lambda theta, X_batch, y_batch, lr:
        ...                          theta - lr * X_batch.T @ (X_batch @ theta - y_batch))
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: minibatch SGD: step 1 of 12 differs at coordinate (0,).
          expected θ_1[0] = ...
        Hint: the step is b = 5 times too large: the per-example gradients were summed, not averaged. ...
    """
    from .problems import diabetes_two_features
    from .running import Minibatches

    if problem is None:
        problem = diabetes_two_features()
    x0 = problem.start if getattr(problem, "start", None) is not None else np.zeros(problem.dim)
    reference_run = run(sgd(lr=lr), problem, x0, steps, batch_size=batch_size, seed=seed)
    batches = Minibatches(problem.n, batch_size, seed=seed)     # the same draws, replayed
    name = "minibatch SGD"
    settings = f"lr={lr!r}"
    hyperparameters = {"lr": lr}
    for t in range(1, steps + 1):
        indices = batches.next()
        theta, expected = reference_run.params[t - 1], reference_run.params[t]
        X_batch, y_batch = problem.X[indices], problem.y[indices]
        given = (theta.copy(), X_batch.copy(), y_batch.copy())
        try:
            got = sgd_minibatch_step(*given, lr)
        except Exception as error:
            raise CheckFailed(f"{name}: step {t} raised {type(error).__name__}: {error}") from error
        if not all(np.array_equal(a, b) for a, b in zip(given, (theta, X_batch, y_batch))):
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
            grad = problem.minibatch_grad(theta, indices)
            context = MinibatchStepContext(t, theta, grad, hyperparameters, expected, got,
                                           batch_size=batch_size, n=problem.n, features=problem.dim,
                                           full_grad=problem.grad(theta))
            hint = next((h for h in (hint(context) for hint in MINIBATCH_HINTS) if h),
                        "compare your formula with the algorithm box, term by term, at this step.")
            raise CheckFailed(
                f"{name}: step {t} of {steps} differs at coordinate {i}.\n"
                f"  expected θ_{t}{list(i)} = {float(expected[i]):.10g}\n"
                f"  got      θ_{t}{list(i)} = {float(got[i]):.10g}\n"
                f"  from θ_{t - 1} = {_format(theta)}, a minibatch of b = {batch_size} examples "
                f"{indices.tolist()}, minibatch gradient g = {_format(grad)}, {settings}\n"
                f"Hint: {hint}")
    return CheckPassed(f"✓ {name}: {steps} steps agree with optlib.run(optlib.sgd({settings}), "
                       f"batch_size={batch_size}, seed={seed}) to {tolerance:g}.")
