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

import contextlib
import functools
from dataclasses import dataclass, replace
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


def _settings(hyperparameters: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in hyperparameters.items())


def _quadratic_3d():
    """The default problem of the checks: a 3-D quadratic with distinct curvatures, and its start."""
    return (quadratic(np.diag([0.5, 1.0, 2.0]), minimum=np.array([1.0, -2.0, 0.5])),
            np.array([3.0, 1.0, -1.5]))


@dataclass(frozen=True)
class _ReferenceStep:
    """Step t of a reference run, as :func:`_compare_steps` feeds it to the student: from θ_{t-1}
    (``theta``) with the gradient g_t, the reference reaches θ_t (``expected``)."""

    t: int
    theta: np.ndarray
    grad: np.ndarray
    expected: np.ndarray
    inputs: tuple = ()                  # the arrays the student receives, if not (θ_{t-1}, g_t)
    args: tuple = ()                    # its positional arguments after them (and after the state)
    before: object = None               # what the check keeps of the reference state before the step
    after: object = None                # ... and after it
    batch: np.ndarray | None = None     # the indices of the minibatch, for minibatch SGD

    def context(self, kind, hyperparameters: dict, got: np.ndarray, **fields):
        """The hint context of class ``kind`` (a :class:`StepContext`) for a student's ``got``."""
        return kind(self.t, self.theta, self.grad, hyperparameters, self.expected, got, **fields)


def _optimizer_steps(opt, objective, x0, steps: int):
    """The first ``steps`` steps of ``opt`` from ``x0`` on ``objective``, as :class:`_ReferenceStep`
    s whose ``before`` and ``after`` are the optimizer's states before and after the step."""
    theta = np.asarray(x0, dtype=float)
    state = opt.init(theta)
    for t in range(1, steps + 1):
        grad = objective.grad(theta)
        updates, after = opt.update(grad, state, theta)
        expected = theta + updates
        yield _ReferenceStep(t, theta, grad, expected, before=state, after=after)
        theta, state = expected, after


def _first_hint(hints, context, *, quiet: bool = False) -> str:
    """The first of ``hints`` that recognises the mistake in ``context``, else the generic advice.
    Every hint runs; ``quiet`` silences numpy's floating-point warnings while they do."""
    with np.errstate(all="ignore") if quiet else contextlib.nullcontext():
        found = [h(context) for h in hints]
    return next((h for h in found if h), "compare your formula with the algorithm box, "
                "term by term, at this step.")


def _compare_steps(student_step: Callable, reference_steps, *, name: str, steps: int, tolerance: float,
                   stateful: bool, keywords: dict, hint: Callable, describe: Callable) -> None:
    """The loop every step check shares: feed ``student_step`` the reference steps one by one,
    each from the reference iterate θ_{t-1} (so an error does not snowball), and
    raise :class:`CheckFailed` at the first step that raises, modifies its
    inputs, returns something else than a θ of the right shape, or a θ_t that
    differs from the reference by more than ``tolerance`` (relative and absolute).

    Args:
        student_step: called on copies of ``step.inputs`` (θ_{t-1} and g_t by
            default), then, if ``stateful``, on the state it returned the step
            before (``None`` at first), then on ``step.args`` and ``keywords``.
            It returns θ_t, or ``(θ_t, new state)`` if ``stateful``.
        reference_steps: the :class:`_ReferenceStep` s 1 to ``steps`` (a generator).
        name: what is being checked, the start of every message.
        steps, tolerance: for the comparison and the messages.
        stateful: the call convention; the messages then speak of ``theta or
            grad`` and ``new_theta`` rather than ``its inputs`` and the result.
        hint: ``(the reference steps so far, got) -> str``, the hint for a wrong θ_t.
        describe: ``reference step -> str``, the rest of the message's line
            ``from θ_{t-1} = ...,``: the gradient, the reference state, the settings.
    """
    inputs_name, value_name, shape_name = (("theta or grad", "new_theta = ", "new_theta of shape") if stateful
                                           else ("its inputs", "", "shape"))
    student_state, taken = None, []
    for step in reference_steps:
        t = step.t
        taken.append(step)
        inputs = step.inputs or (step.theta, step.grad)
        given = tuple(array.copy() for array in inputs)
        state = (student_state,) if stateful else ()
        try:
            returned = student_step(*given, *state, *step.args, **keywords)
        except Exception as error:
            raise CheckFailed(f"{name}: step {t} raised {type(error).__name__}: {error}") from error
        if not all(np.array_equal(a, b) for a, b in zip(given, inputs)):
            raise CheckFailed(f"{name}: step {t} modified {inputs_name} in place; "
                              "compute a new array instead (theta - ... rather than theta -= ...).")
        if stateful:
            if not isinstance(returned, tuple) or len(returned) != 2:
                raise CheckFailed(f"{name}: step {t} returned {type(returned).__name__}; "
                                  "return a pair (new_theta, new_state)")
            returned, student_state = returned
        try:
            got = np.asarray(returned, dtype=float)
        except (TypeError, ValueError):
            raise CheckFailed(f"{name}: step {t} returned {value_name}{returned!r}, "
                              "not an array of numbers") from None
        if got.shape != step.expected.shape:
            raise CheckFailed(f"{name}: step {t} returned {shape_name} {got.shape}; "
                              f"expected {step.expected.shape} (the shape of theta)")
        wrong = ~np.isclose(got, step.expected, rtol=tolerance, atol=tolerance)
        if wrong.any():
            i = tuple(int(k) for k in np.argwhere(wrong)[0])
            raise CheckFailed(
                f"{name}: step {t} of {steps} differs at coordinate {i}.\n"
                f"  expected θ_{t}{list(i)} = {float(step.expected[i]):.10g}\n"
                f"  got      θ_{t}{list(i)} = {float(got[i]):.10g}\n"
                f"  from θ_{t - 1} = {_format(step.theta)}, {describe(step)}\n"
                f"Hint: {hint(taken, got)}")


def _compare_moment_steps(student_step: Callable, opt, hyperparameters: dict, *, name: str,
                          moments: tuple, context, hints, steps: int, tolerance: float) -> None:
    """:func:`_compare_steps` for a stateful step with two moments, such as Adam's ``("m", "v")``:
    ``opt`` runs on the 3-D quadratic, the hints receive a ``context`` with the
    gradients so far and the reference moments before the step (``m_before``,
    ``v_before``), and the message prints those moments."""
    objective, x0 = _quadratic_3d()
    settings = _settings(hyperparameters)

    def hint(taken, got):
        step = taken[-1]
        before = {f"{moment}_before": getattr(step.before[1], moment) for moment in moments}
        return _first_hint(hints, step.context(context, hyperparameters, got,
                                               grads=np.array([s.grad for s in taken]), **before),
                           quiet=True)

    def describe(step):
        before = ", ".join(f"{moment}_{step.t - 1} = {_format(getattr(step.before[1], moment))}"
                           for moment in moments)
        return f"g_{step.t} = {_format(step.grad)},\n  {before}, {settings}"

    _compare_steps(student_step, _optimizer_steps(opt, objective, x0, steps), name=name, steps=steps,
                   tolerance=tolerance, stateful=True, keywords=hyperparameters, hint=hint, describe=describe)


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
        objective, x0 = _quadratic_3d()
    reference_run = run(reference(**hyperparameters), objective, x0, steps)
    settings = _settings(hyperparameters)
    reference_steps = (_ReferenceStep(t, theta, objective.grad(theta), reference_run.params[t])
                       for t, theta in enumerate(reference_run.params[:steps], start=1))
    _compare_steps(
        student_step, reference_steps, name=name, steps=steps, tolerance=tolerance, stateful=False,
        keywords=hyperparameters, describe=lambda step: f"g = {_format(step.grad)}, {settings}",
        hint=lambda taken, got: _first_hint(hints, taken[-1].context(StepContext, hyperparameters, got)))
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
        objective, x0 = _quadratic_3d()
    opt = reference(**hyperparameters)
    settings = _settings(hyperparameters)

    def buffered_steps():
        b_before = np.zeros_like(np.asarray(x0, dtype=float))
        for step in _optimizer_steps(opt, objective, x0, steps):
            b_after = np.asarray(buffer(step.after), dtype=float)
            yield replace(step, before=b_before, after=b_after)
            b_before = b_after

    def hint(taken, got):
        step = taken[-1]
        return _first_hint(hints, step.context(BufferedStepContext, hyperparameters, got,
                                               b_before=step.before, b_after=step.after))

    def describe(step):
        return f"g = {_format(step.grad)}, b_{step.t - 1} = {_format(step.before)}, {settings}"

    _compare_steps(student_step, buffered_steps(), name=name, steps=steps, tolerance=tolerance,
                   stateful=True, keywords=hyperparameters, hint=hint, describe=describe)
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

    def minibatch_steps():
        for t in range(1, steps + 1):
            indices = batches.next()
            theta = reference_run.params[t - 1]
            yield _ReferenceStep(t, theta, problem.minibatch_grad(theta, indices), reference_run.params[t],
                                 inputs=(theta, problem.X[indices], problem.y[indices]), args=(lr,),
                                 batch=indices)

    def hint(taken, got):
        step = taken[-1]
        return _first_hint(MINIBATCH_HINTS, step.context(
            MinibatchStepContext, {"lr": lr}, got, batch_size=batch_size, n=problem.n,
            features=problem.dim, full_grad=problem.grad(step.theta)))

    def describe(step):
        return (f"a minibatch of b = {batch_size} examples {step.batch.tolist()}, "
                f"minibatch gradient g = {_format(step.grad)}, lr={lr!r}")

    _compare_steps(sgd_minibatch_step, minibatch_steps(), name="minibatch SGD", steps=steps,
                   tolerance=tolerance, stateful=False, keywords={}, hint=hint, describe=describe)
    return CheckPassed(f"✓ minibatch SGD: {steps} steps agree with optlib.run(optlib.sgd(lr={lr!r}), "
                       f"batch_size={batch_size}, seed={seed}) to {tolerance:g}.")


# ---------------------------------------------------------------------------
# AdamW (chapter "adamw"), checked with check_buffered_step_function
# ---------------------------------------------------------------------------


def _adamw_parts(c: BufferedStepContext):
    """``(lr, beta1, beta2, eps, weight_decay, m_{t-1}, v_{t-1})`` of a context whose
    buffer is the stacked moments ``[m, v]``."""
    h = c.hyperparameters
    beta1, beta2 = h["betas"]
    return h["lr"], beta1, beta2, h["eps"], h["weight_decay"], c.b_before[0], c.b_before[1]


def _adamw_direction_variant(c: BufferedStepContext, grad, *, t=None, moments=None, from_gradient=False,
                            bias_correction=True, eps_inside=False, eps_before_correction=False):
    r"""Adam's direction :math:`\hat m_t / (\sqrt{\hat v_t} + \epsilon)` at step ``t`` (default the
    context's), with one of the typical mistakes switched on."""
    lr, beta1, beta2, eps, _, m, v = _adamw_parts(c)
    t = c.t if t is None else t
    if moments is not None:
        m, v = moments
    if from_gradient and c.t == 1:                  # first moments g and g² instead of from zero
        m, v = grad, grad * grad
    else:
        m, v = beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad * grad
    with np.errstate(divide="ignore", invalid="ignore"):
        if not bias_correction:
            return m / (np.sqrt(v) + eps)
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        if eps_inside:
            return m_hat / np.sqrt(v_hat + eps)
        if eps_before_correction:                   # Keras's ε̂: ε added to the uncorrected √v
            return m_hat * np.sqrt(1 - beta2 ** t) / (np.sqrt(v) + eps)
        return m_hat / (np.sqrt(v_hat) + eps)


def _adamw_matches(c: BufferedStepContext, direction, decay=None) -> bool:
    """Whether the student's θ_t is θ_{t-1} - lr·direction - decay (default: lr·λ·θ_{t-1})."""
    lr, _, _, _, wd, _, _ = _adamw_parts(c)
    decay = lr * wd * c.theta if decay is None else decay
    return _close(c.got, c.theta - lr * direction - decay)


def hint_adamw_l2(c: BufferedStepContext):
    _, _, _, _, wd, _, _ = _adamw_parts(c)
    if wd and _adamw_matches(c, _adamw_direction_variant(c, c.grad + wd * c.theta), decay=0.0):
        return ("the weight decay was added to the gradient (g + λθ, L2 regularisation, which is "
                "torch.optim.Adam's weight_decay): AdamW keeps it out of the moments and subtracts "
                "lr·λ·θ_(t-1) from the parameters directly.")


def hint_adamw_draft_decay(c: BufferedStepContext):
    lr, _, _, _, wd, _, _ = _adamw_parts(c)
    if wd and lr != 1 and _adamw_matches(c, _adamw_direction_variant(c, c.grad), decay=wd * c.theta):
        return ("the decay is λ·θ_(t-1), without the learning rate (the draft's formula): PyTorch, "
                "Optax and optlib subtract lr·λ·θ_(t-1).")


def hint_adamw_decay_lr_twice(c: BufferedStepContext):
    lr, _, _, _, wd, _, _ = _adamw_parts(c)
    if wd and lr != 1 and _adamw_matches(c, _adamw_direction_variant(c, c.grad),
                                         decay=lr * lr * wd * c.theta):
        return "the learning rate multiplies the decay twice: the decay term is lr·λ·θ_(t-1)."


def hint_adamw_decay_after_step(c: BufferedStepContext):
    lr, _, _, _, wd, _, _ = _adamw_parts(c)
    moved = c.theta - lr * _adamw_direction_variant(c, c.grad)
    if wd and _close(c.got, (1 - lr * wd) * moved):
        return ("the decay was applied to the parameters after the Adam step: decay θ_(t-1), the "
                "parameters the gradient was taken at, θ_t = θ_(t-1) - lr·(m̂/(√v̂ + ε) + λ·θ_(t-1)).")


def hint_adamw_no_decay(c: BufferedStepContext):
    _, _, _, _, wd, _, _ = _adamw_parts(c)
    if wd and _adamw_matches(c, _adamw_direction_variant(c, c.grad), decay=0.0):
        return "this is Adam's step without the decay: subtract lr·λ·θ_(t-1) as well."


def hint_adamw_sign(c: BufferedStepContext):
    if _adamw_matches(c, -_adamw_direction_variant(c, c.grad)):
        return ("the Adam step has the wrong sign: subtract lr·m̂/(√v̂ + ε), moving against the "
                "gradient.")


def hint_adamw_eps_inside(c: BufferedStepContext):
    if _adamw_matches(c, _adamw_direction_variant(c, c.grad, eps_inside=True)):
        return "ε is inside the square root: divide by √v̂ + ε, not by √(v̂ + ε)."


def hint_adamw_eps_before_correction(c: BufferedStepContext):
    if _adamw_matches(c, _adamw_direction_variant(c, c.grad, eps_before_correction=True)):
        return ("ε was added to √v before the bias correction (Keras's ε̂): add it after, "
                "m̂/(√v̂ + ε) with v̂ = v/(1 - β₂^t).")


def hint_adamw_no_bias_correction(c: BufferedStepContext):
    if _adamw_matches(c, _adamw_direction_variant(c, c.grad, bias_correction=False)):
        return ("the moments are not bias-corrected: use m̂ = m/(1 - β₁^t) and v̂ = v/(1 - β₂^t), "
                "t = 1 at the first step.")


def hint_adamw_bias_exponent(c: BufferedStepContext):
    if c.t == 1 and not np.all(np.isfinite(c.got)):
        return ("the result is not finite at the first step: a bias correction 1 - β^(t-1) is zero "
                "there. The exponent is t, which is 1 at the first step.")
    # (an exponent t - 1 fails at the first step, above; t = 1 at every step is hint_adamw_count_stuck)
    if _adamw_matches(c, _adamw_direction_variant(c, c.grad, t=c.t + 1)):
        return ("the bias correction uses the exponent t + 1: it is 1 - β^t with t = 1 at the first "
                "step (count the step before correcting, not twice).")


def hint_adamw_first_moment_from_gradient(c: BufferedStepContext):
    if c.t == 1 and _adamw_matches(c, _adamw_direction_variant(c, c.grad, from_gradient=True)):
        return ("the moments start at m_1 = g_1 and v_1 = g_1²: Adam's moving averages start from "
                "zero, m_1 = (1 - β₁)·g_1 and v_1 = (1 - β₂)·g_1², and the bias correction undoes "
                "the zero start.")


def hint_adamw_state_lost(c: BufferedStepContext):
    zeros = np.zeros_like(c.theta)
    if c.t > 1 and _adamw_matches(c, _adamw_direction_variant(c, c.grad, t=1, moments=(zeros, zeros))):
        return ("this step is a first step again: the moments and the step count were not carried "
                "over. Return them in the new state and use the state you are given.")


def hint_adamw_count_stuck(c: BufferedStepContext):
    if c.t > 1 and _adamw_matches(c, _adamw_direction_variant(c, c.grad, t=1)):
        return ("the bias correction uses t = 1 at every step: count the steps in the state "
                "(t = 1, 2, ...) and correct with 1 - β^t.")


#: Hints for an AdamW step, tried before the generic ones.
ADAMW_HINTS = (hint_adamw_l2, hint_adamw_draft_decay, hint_adamw_decay_lr_twice,
               hint_adamw_decay_after_step, hint_adamw_no_decay, hint_adamw_sign, hint_adamw_eps_inside,
               hint_adamw_eps_before_correction, hint_adamw_no_bias_correction,
               hint_adamw_bias_exponent, hint_adamw_first_moment_from_gradient,
               hint_adamw_state_lost, hint_adamw_count_stuck) + GENERIC_HINTS


def check_adamw_step(adamw_step: Callable, lr: float = 0.05, betas=(0.9, 0.999), eps: float = 1e-3,
                     weight_decay: float = 0.1) -> CheckPassed:
    r"""Check ``adamw_step(theta, grad, state, lr, betas, eps, weight_decay) -> (new_theta, new_state)``
    against ``optlib.adamw``, one step of AdamW as PyTorch takes it:

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,
        \quad \theta_t = \theta_{t-1} - \gamma\Bigl(\frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)}
        + \epsilon} + \lambda\theta_{t-1}\Bigr),

    with :math:`m_0 = v_0 = 0`. ``state`` is ``None`` at the first step, then whatever
    the function returned as ``new_state`` the step before (the moments and the
    step count, typically). The default ε is large, so that where ε sits shows,
    and :math:`\beta_2` is PyTorch's, so that :math:`1-\beta_1 \ne \sqrt{1-\beta_2}` tells a
    missing bias correction from a misplaced ε.
    The hints recognise the decay added to the gradient (L2, Adam's
    ``weight_decay``), the decay without the learning rate (the draft's formula),
    with it twice, or applied after the Adam step, a missing decay, an Adam step
    of the wrong sign, ε inside the
    root or before the bias correction, a missing or shifted bias correction,
    moments started at the first gradient, a state that is not carried over, a
    step count stuck at 1, and the mistakes of :data:`GENERIC_HINTS`.

    Example:
        >>> def adamw_step(theta, grad, state, lr, betas, eps, weight_decay):
        ...     t, m, v = (0, 0.0, 0.0) if state is None else state
        ...     t, (beta1, beta2) = t + 1, betas
        ...     m = beta1 * m + (1 - beta1) * grad
        ...     v = beta2 * v + (1 - beta2) * grad ** 2
        ...     m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        ...     step = m_hat / (np.sqrt(v_hat) + eps) + weight_decay * theta
        ...     return theta - lr * step, (t, m, v)
        >>> check_adamw_step(adamw_step)
        ✓ AdamW: 12 steps agree with optlib.adamw(lr=0.05, betas=(0.9, 0.999), eps=0.001, weight_decay=0.1) to 1e-12.
        >>> def adam_l2_step(theta, grad, state, lr, betas, eps, weight_decay):
        ...     return adamw_step(theta, grad + weight_decay * theta, state, lr, betas, eps, 0.0)
        >>> check_adamw_step(adam_l2_step)
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: AdamW: step 1 of 12 differs at coordinate (0,).
          expected θ_1[0] = 2.93504995
          got      θ_1[0] = 2.950038432
          ...
        Hint: the weight decay was added to the gradient (g + λθ, L2 regularisation, ...
    """
    import re

    from .optimizers import adamw

    hyperparameters = {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay}
    try:
        return check_buffered_step_function(
            adamw_step, adamw, hyperparameters, name="AdamW",
            buffer=lambda state: np.stack([state[0].m, state[0].v]), hints=ADAMW_HINTS)
    except CheckFailed as failure:      # the shared message calls the buffer b; here it is [m, v]
        raise CheckFailed(re.sub(r"b_(\d+) = ", r"[m_\1, v_\1] = ", str(failure))) from None


# ---------------------------------------------------------------------------
# Adamax (chapter "adam_family"): a step with two moments, m and u
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AdamaxStepContext(StepContext):
    r"""A :class:`StepContext` for an Adamax step.

    ``grads`` holds the gradients :math:`g_1, \dots, g_t` the check has fed so
    far (shape ``(t, d)``), so that a hint can replay a whole mistaken
    implementation on them with :func:`adamax_replay`; ``m_before`` and
    ``u_before`` are the reference moments :math:`m_{t-1}, u_{t-1}`."""

    grads: np.ndarray = None
    m_before: np.ndarray = None
    u_before: np.ndarray = None


def adamax_replay(grads, lr, beta1, beta2, eps, *, eps_at: str = "max", norm: str = "max",
                  correct_m: str = "t", correct_u: bool = False, m_start: str = "zero",
                  swap_betas: bool = False) -> np.ndarray:
    r"""The step :math:`\theta_t - \theta_{t-1}` of Adamax after the gradients ``grads``, or of a variant.

    With the defaults it is PyTorch's Adamax (``optlib.adamax``):

    .. math:: m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
              u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \quad
              \theta_t - \theta_{t-1} = -\frac{\gamma\, m_t}{(1-\beta_1^t)\, u_t},

    from :math:`m_0 = u_0 = 0`. The keywords switch on one typical mistake
    each, which is how the hints of :func:`check_adamax_step` recognise them.

    Args:
        grads: :math:`g_1, \dots, g_t`, shape ``(t, d)``.
        lr, beta1, beta2, eps: :math:`\gamma, \beta_1, \beta_2, \epsilon`.
        eps_at: where ε goes: ``"max"`` (inside the max, PyTorch), ``"denominator"``
            (``u`` without ε, divide by ``u + ε``: Keras), ``"stored"``
            (``u_t = max(β₂u, |g|) + ε`` kept in the state), ``"none"`` (the paper).
        norm: ``"max"``; ``"adam"`` (Adam's :math:`\sqrt{\hat v_t} + \epsilon`),
            ``"signed"`` (``g`` in place of ``|g|``), ``"undecayed"`` (no β₂ before the max).
        correct_m: the bias correction of ``m``: ``"t"``, ``"t-1"``, ``"t+1"`` or ``"none"``.
        correct_u: also divide ``u_t`` by :math:`1 - \beta_2^t`.
        m_start: ``"zero"`` (:math:`m_0 = 0`) or ``"grad"`` (:math:`m_1 = g_1`).
        swap_betas: use β₂ for ``m`` and β₁ for ``u``.

    Returns:
        the step at the last gradient, shape ``(d,)``.

    Example:
        >>> import numpy as np
        >>> g = np.array([[1.0, -4.0], [0.5, -3.0]])
        >>> adamax_replay(g[:1], lr=0.1, beta1=0.9, beta2=0.999, eps=0.0)   # the first step: -lr·sign(g)
        array([-0.1,  0.1])
        >>> adamax_replay(g, lr=0.1, beta1=0.9, beta2=0.999, eps=0.0, norm="adam").round(4)
        array([-0.0932,  0.0983])
    """
    grads = np.asarray(grads, dtype=float)
    b_m, b_u = (beta2, beta1) if swap_betas else (beta1, beta2)
    m, u, v = np.zeros_like(grads[0]), np.zeros_like(grads[0]), np.zeros_like(grads[0])
    for t, g in enumerate(grads, start=1):
        m = g.copy() if (m_start == "grad" and t == 1) else b_m * m + (1 - b_m) * g
        v = beta2 * v + (1 - beta2) * g * g
        size = g if norm == "signed" else np.abs(g)
        decayed = u if norm == "undecayed" else b_u * u
        if eps_at == "max":
            u = np.maximum(decayed, size + eps)
        elif eps_at == "stored":
            u = np.maximum(decayed, size) + eps
        else:                                   # "denominator" and "none": u without ε
            u = np.maximum(decayed, size)
    power = {"t": t, "t-1": t - 1, "t+1": t + 1}.get(correct_m)
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat = m if power is None else m / (1 - b_m ** power)
        if norm == "adam":
            denominator = np.sqrt(v / (1 - beta2 ** t)) + eps
        else:
            denominator = (u / (1 - b_u ** t) if correct_u else u) + (eps if eps_at == "denominator" else 0.0)
        return -lr * m_hat / denominator


def _replay_hint(replay: Callable, names: tuple, message: str, *variants: dict):
    """A hint that fires when the step equals that of one of ``variants``: keywords of
    ``replay(gradients so far, *hyperparameters named by names, **variant)``. A variant
    that restarts the state or freezes the count is skipped at the first step, where it
    equals the reference."""
    def hint(c: StepContext):
        arguments = [c.hyperparameters[name] for name in names]
        for variant in variants:
            if c.t == 1 and (variant.get("restart") or variant.get("count")):
                continue
            if _close(c.got_step, replay(c.grads, *arguments, **variant)):   # inf matches inf
                return message
        return None
    return hint


def _adamax_hint(message: str, *variants: dict):
    """A hint that fires when the step equals that of one of ``variants`` (keywords of adamax_replay)."""
    return _replay_hint(adamax_replay, ("lr", "beta1", "beta2", "eps"), message, *variants)


hint_adamax_eps_outside = _adamax_hint(
    "ε sits outside the max. PyTorch's Adamax puts it inside, u_t = max(β₂·u_(t-1), |g_t| + ε), and "
    "divides by u_t alone; dividing by u_t + ε (Keras's form) or adding ε to the stored u_t differs "
    "as soon as the decayed β₂·u_(t-1) wins the max.",
    {"eps_at": "denominator"}, {"eps_at": "stored"})
hint_adamax_no_eps = _adamax_hint(
    "ε is missing. The paper's Adamax has none, but PyTorch adds it inside the max: "
    "u_t = max(β₂·u_(t-1), |g_t| + ε).", {"eps_at": "none"})
hint_adamax_u_corrected = _adamax_hint(
    "u_t was divided by 1 - β₂^t. Adamax corrects only the first moment: a running maximum is not "
    "biased towards its zero start (for a constant gradient u_t = |g| + ε from the first step), so "
    "the step is γ·m_t / ((1 - β₁^t)·u_t).", {"correct_u": True})
hint_adamax_adam = _adamax_hint(
    "this is Adam's denominator √v̂_t + ε, from an average of squared gradients. Adamax divides by "
    "the exponentially weighted infinity norm u_t = max(β₂·u_(t-1), |g_t| + ε) instead.",
    {"norm": "adam"})
hint_adamax_signed = _adamax_hint(
    "the max takes g_t instead of |g_t|: a negative gradient must count by its size, "
    "u_t = max(β₂·u_(t-1), |g_t| + ε).", {"norm": "signed"})
hint_adamax_undecayed = _adamax_hint(
    "the old u is not decayed before the max: u_t = max(β₂·u_(t-1), |g_t| + ε). Without β₂ the "
    "largest gradient ever seen would set the step forever.", {"norm": "undecayed"})
hint_adamax_swapped = _adamax_hint(
    "β₁ and β₂ are swapped: the first moment m uses β₁ (0.9 by default), the norm u uses β₂ (0.999).",
    {"swap_betas": True})
hint_adamax_bias_power = _adamax_hint(
    "the bias correction has the wrong power: divide m_t by 1 - β₁^t, where t = 1 at the first step "
    "(count the step before you use it, not after).", {"correct_m": "t-1"}, {"correct_m": "t+1"})
hint_adamax_no_correction = _adamax_hint(
    "m_t is not bias-corrected: divide it by 1 - β₁^t. Without it the first step is 1 - β₁ times "
    "too short, because m starts at zero.", {"correct_m": "none"})
hint_adamax_m_start = _adamax_hint(
    "the first moment starts at m_1 = g_1; it starts at m_0 = 0, so m_1 = (1 - β₁)·g_1, and the bias "
    "correction 1 - β₁^t undoes exactly that zero start.",
    {"m_start": "grad"}, {"m_start": "grad", "correct_m": "none"})

#: Hints for an Adamax step, tried before the generic ones.
ADAMAX_HINTS = (hint_adamax_eps_outside, hint_adamax_no_eps, hint_adamax_u_corrected, hint_adamax_adam,
                hint_adamax_signed, hint_adamax_undecayed, hint_adamax_swapped, hint_adamax_bias_power,
                hint_adamax_no_correction, hint_adamax_m_start) + GENERIC_HINTS


def check_adamax_step(adamax_step: Callable, lr: float = 0.05, beta1: float = 0.9, beta2: float = 0.999,
                      eps: float = 1e-3, *, steps: int = 12, tolerance: float = 1e-12) -> CheckPassed:
    r"""Check ``adamax_step(theta, grad, state, lr, beta1, beta2, eps) -> (new_theta, new_state)``
    against ``optlib.adamax(lr, betas=(beta1, beta2), eps)``, PyTorch's Adamax:

    .. math:: m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
              u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \quad
              \theta_t = \theta_{t-1} - \frac{\gamma\, m_t}{(1-\beta_1^t)\, u_t},

    from :math:`m_0 = u_0 = 0`. ``state`` is ``None`` at the first step, then
    whatever the function returned as ``new_state`` the step before (the check
    does not look into it). Each step starts from the reference iterate, on the
    3-D quadratic of :func:`check_step_function`. The default ε is large, so
    that where it sits shows in the iterates. The hints recognise ε outside the
    max or missing, a bias correction of ``u``, Adam's denominator, ``g`` in
    place of ``|g|``, an undecayed ``u``, swapped betas, a bias correction with
    the wrong power or none, a first moment started at ``g_1``, and the
    mistakes of :data:`GENERIC_HINTS`.

    Example:
        >>> def adamax_step(theta, grad, state, lr, beta1, beta2, eps):
        ...     t, m, u = (0, 0.0, 0.0) if state is None else state
        ...     t, m = t + 1, beta1 * m + (1 - beta1) * grad
        ...     u = np.maximum(beta2 * u, np.abs(grad) + eps)
        ...     return theta - lr * m / ((1 - beta1 ** t) * u), (t, m, u)
        >>> check_adamax_step(adamax_step)
        ✓ Adamax: 12 steps agree with optlib.adamax(lr=0.05, betas=(0.9, 0.999), eps=0.001) to 1e-12.
        >>> def keras_step(theta, grad, state, lr, beta1, beta2, eps):
        ...     t, m, u = (0, 0.0, 0.0) if state is None else state
        ...     t, m = t + 1, beta1 * m + (1 - beta1) * grad
        ...     u = np.maximum(beta2 * u, np.abs(grad))
        ...     return theta - lr * m / ((1 - beta1 ** t) * (u + eps)), (t, m, u)
        >>> check_adamax_step(keras_step)
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: Adamax: step 2 of 12 differs at coordinate (0,).
          expected θ_2[0] = ...
        Hint: ε sits outside the max. PyTorch's Adamax puts it inside, ...
    """
    from .optimizers import adamax

    _compare_moment_steps(adamax_step, adamax(lr=lr, betas=(beta1, beta2), eps=eps),
                          {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps}, name="Adamax",
                          moments=("m", "u"), context=AdamaxStepContext, hints=ADAMAX_HINTS, steps=steps,
                          tolerance=tolerance)
    return CheckPassed(f"✓ Adamax: {steps} steps agree with optlib.adamax(lr={lr!r}, "
                       f"betas=({beta1!r}, {beta2!r}), eps={eps!r}) to {tolerance:g}.")


# ---------------------------------------------------------------------------
# Adam (chapter "adam"): a step with two moving averages, m and v
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AdamStepContext(StepContext):
    r"""A :class:`StepContext` for an Adam step.

    ``grads`` holds the gradients :math:`g_1, \dots, g_t` the check has fed so
    far (shape ``(t, d)``), so that a hint can replay a whole mistaken
    implementation on them with :func:`adam_replay`; ``m_before`` and
    ``v_before`` are the reference moments :math:`m_{t-1}, v_{t-1}`."""

    grads: np.ndarray = None
    m_before: np.ndarray = None
    v_before: np.ndarray = None


def adam_replay(grads, lr, betas, eps, *, eps_at: str = "after", power_shift: int = 0,
                correct: tuple = (True, True), root: bool = True, first: tuple = ("zero", "zero"),
                swap_betas: bool = False, restart: bool = False, count: int | None = None) -> np.ndarray:
    r"""The step :math:`\theta_t - \theta_{t-1}` of Adam after the gradients ``grads``, or of a variant.

    With the defaults it is PyTorch's Adam (``optlib.adam``):

    .. math:: m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
              v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
              \theta_t - \theta_{t-1} = -\gamma\,\frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon},

    from :math:`m_0 = v_0 = 0`. The keywords switch on one typical mistake
    each, which is how the hints of :func:`check_adam_step` recognise them.

    Args:
        grads: :math:`g_1, \dots, g_t`, shape ``(t, d)``.
        lr, betas, eps: :math:`\gamma, (\beta_1, \beta_2), \epsilon`.
        eps_at: where ε goes: ``"after"`` the bias correction (PyTorch), ``"inside"``
            the root (:math:`\sqrt{\hat v_t + \epsilon}`), ``"before"`` the bias
            correction (:math:`\sqrt{v_t} + \epsilon`, the ε̂ of Kingma & Ba's
            efficient form and of Keras), or ``"none"``.
        power_shift: use :math:`\beta^{t + \text{shift}}` in the bias corrections.
        correct: whether ``m`` and ``v`` are bias-corrected.
        root: take the square root of :math:`\hat v_t` (``False``: divide by :math:`\hat v_t`).
        first: how ``m`` and ``v`` begin: ``"zero"`` (the average from zero),
            ``"grad"`` (:math:`m_1 = g_1`, :math:`v_1 = g_1^2`) or ``"sum"``
            (no factor :math:`1-\beta`: :math:`m_t = \beta_1 m_{t-1} + g_t`).
        swap_betas: use β₂ for ``m`` and β₁ for ``v``.
        restart: forget the past (every step computed as a first step).
        count: the step count used in the bias corrections (default: ``len(grads)``).

    Returns:
        the step at the last gradient, shape ``(d,)``.

    Example:
        >>> import numpy as np
        >>> g = np.array([[1.0, -4.0], [0.5, -3.0]])
        >>> adam_replay(g[:1], lr=0.1, betas=(0.9, 0.999), eps=0.0)   # the first step: -lr·sign(g)
        array([-0.1,  0.1])
        >>> adam_replay(g[:1], lr=0.1, betas=(0.9, 0.999), eps=0.0, correct=(False, False)).round(4)
        array([-0.3162,  0.3162])
    """
    grads = np.asarray(grads, dtype=float)
    if restart:
        grads = grads[-1:]
    beta1, beta2 = tuple(betas)[::-1] if swap_betas else tuple(betas)
    m, v = np.zeros_like(grads[0]), np.zeros_like(grads[0])
    for t, g in enumerate(grads, start=1):
        if t == 1 and first[0] == "grad":
            m = g.copy()
        else:
            m = beta1 * m + (1.0 if first[0] == "sum" else 1 - beta1) * g
        if t == 1 and first[1] == "grad":
            v = g * g
        else:
            v = beta2 * v + (1.0 if first[1] == "sum" else 1 - beta2) * g * g
    power = (t if count is None else count) + power_shift
    with np.errstate(divide="ignore", invalid="ignore"):
        m_hat = m / (1 - beta1 ** power) if correct[0] else m
        v_hat = v / (1 - beta2 ** power) if correct[1] else v
        size = np.sqrt(v_hat) if root else v_hat
        if eps_at == "inside":
            denominator = np.sqrt(v_hat + eps) if root else v_hat + eps
        elif eps_at == "before":
            denominator = size + eps / np.sqrt(1 - beta2 ** power)
        elif eps_at == "none":
            denominator = size
        else:
            denominator = size + eps
        return -lr * m_hat / denominator


def _adam_hint(message: str, *variants: dict):
    """A hint that fires when the step equals that of one of ``variants`` (keywords of adam_replay)."""
    return _replay_hint(adam_replay, ("lr", "betas", "eps"), message, *variants)


def hint_adam_first_step_not_finite(c: AdamStepContext):
    if c.t == 1 and not np.all(np.isfinite(c.got)):
        return ("the first step is not finite: a bias correction 1 - β^(t-1) is zero there. The "
                "exponent is t, and t = 1 at the first step: count the step before you use it.")


hint_adam_eps_inside = _adam_hint(
    "ε is inside the square root, m̂/√(v̂ + ε) (Optax's eps_root): PyTorch adds it outside, after "
    "the bias correction, m̂/(√v̂ + ε).", {"eps_at": "inside"})
hint_adam_eps_before_correction = _adam_hint(
    "ε was added to √v before the bias correction, √v_t + ε (the ε̂ of Kingma & Ba's efficient form, "
    "and Keras's epsilon): PyTorch adds it after, m̂/(√v̂ + ε) with v̂ = v/(1 - β₂^t).",
    {"eps_at": "before"})
hint_adam_no_eps = _adam_hint("ε is missing: divide by √v̂ + ε.", {"eps_at": "none"})
hint_adam_no_correction = _adam_hint(
    "the moments are not bias-corrected: divide by 1 - β₁^t and 1 - β₂^t (t = 1 at the first step). "
    "Without it the first step is (1 - β₁)/√(1 - β₂) ≈ 3.2 times too long at the default betas.",
    {"correct": (False, False)})
hint_adam_half_correction = _adam_hint(
    "only one moment is bias-corrected: both need it, m̂ = m/(1 - β₁^t) and v̂ = v/(1 - β₂^t).",
    {"correct": (True, False)}, {"correct": (False, True)})
hint_adam_power = _adam_hint(          # (the power t - 1 fails at the first step: the hint above)
    "the bias correction has the wrong power: 1 - β^t with t = 1 at the first step (count the step "
    "once, before correcting).", {"power_shift": 1})
hint_adam_first_moment = _adam_hint(
    "the moving averages are not averages: m_1 should be (1 - β₁)·g_1 and v_1 = (1 - β₂)·g_1². Either "
    "the factor 1 - β is missing (m_t = β₁·m_(t-1) + (1 - β₁)·g_t), or a moment was started at the "
    "first gradient (m_1 = g_1, as PyTorch's momentum buffer starts) instead of at m_0 = v_0 = 0, "
    "the zero start that the bias correction undoes.",
    {"first": ("grad", "grad")}, {"first": ("grad", "zero")}, {"first": ("zero", "grad")},
    {"first": ("sum", "sum")}, {"first": ("sum", "zero")}, {"first": ("zero", "sum")})
hint_adam_no_root = _adam_hint("the square root is missing: divide by √v̂ + ε, not by v̂ + ε.",
                               {"root": False})
hint_adam_swapped = _adam_hint(
    "β₁ and β₂ are swapped: m uses β₁ (0.9 by default), v uses β₂ (0.999).", {"swap_betas": True})
hint_adam_state_lost = _adam_hint(
    "this step is a first step again: the moments and the step count were not carried over. Return "
    "them in the new state and use the state you are given.", {"restart": True})
hint_adam_count_stuck = _adam_hint(
    "the bias correction uses t = 1 at every step: count the steps in the state (t = 1, 2, ...) and "
    "correct with 1 - β^t.", {"count": 1})

#: Hints for an Adam step, tried before the generic ones.
ADAM_HINTS = (hint_adam_first_step_not_finite, hint_adam_eps_inside, hint_adam_eps_before_correction,
              hint_adam_no_eps, hint_adam_no_correction, hint_adam_half_correction, hint_adam_power,
              hint_adam_first_moment, hint_adam_no_root, hint_adam_swapped, hint_adam_state_lost,
              hint_adam_count_stuck) + GENERIC_HINTS


def check_adam_step(adam_step: Callable, lr: float = 0.05, betas=(0.9, 0.999), eps: float = 1e-3, *,
                    steps: int = 12, tolerance: float = 1e-12) -> CheckPassed:
    r"""Check ``adam_step(theta, grad, state, lr, betas, eps) -> (new_theta, new_state)``
    against ``optlib.adam(lr, betas, eps)``, one step of PyTorch's Adam:

    .. math:: m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
              v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
              \theta_t = \theta_{t-1} - \gamma\,\frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon},

    from :math:`m_0 = v_0 = 0`. ``state`` is ``None`` at the first step, then
    whatever the function returned as ``new_state`` the step before (the check
    does not look into it). Each step starts from the reference iterate, on the
    3-D quadratic of :func:`check_step_function`. The default ε is large, so
    that where it sits shows in the iterates. The hints recognise ε inside the
    root, before the bias correction or missing, a missing or one-sided bias
    correction, a bias correction with the wrong power, moments that are not
    averages or start at the first gradient, a missing square root, swapped
    betas, a state that is not carried over, a step count stuck at 1, and the
    mistakes of :data:`GENERIC_HINTS` (among them the learning rate applied twice).

    Example:
        >>> def adam_step(theta, grad, state, lr, betas, eps):
        ...     t, m, v = (0, 0.0, 0.0) if state is None else state
        ...     (beta1, beta2), t = betas, t + 1
        ...     m = beta1 * m + (1 - beta1) * grad
        ...     v = beta2 * v + (1 - beta2) * grad ** 2
        ...     m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        ...     return theta - lr * m_hat / (np.sqrt(v_hat) + eps), (t, m, v)
        >>> check_adam_step(adam_step)
        ✓ Adam: 12 steps agree with optlib.adam(lr=0.05, betas=(0.9, 0.999), eps=0.001) to 1e-12.
        >>> def inside_step(theta, grad, state, lr, betas, eps):
        ...     t, m, v = (0, 0.0, 0.0) if state is None else state
        ...     (beta1, beta2), t = betas, t + 1
        ...     m = beta1 * m + (1 - beta1) * grad
        ...     v = beta2 * v + (1 - beta2) * grad ** 2
        ...     m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
        ...     return theta - lr * m_hat / np.sqrt(v_hat + eps), (t, m, v)
        >>> check_adam_step(inside_step)
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: Adam: step 1 of 12 differs at coordinate (0,).
          expected θ_1[0] = ...
        Hint: ε is inside the square root, m̂/√(v̂ + ε) (Optax's eps_root): PyTorch adds it outside, ...
    """
    from .optimizers import adam

    _compare_moment_steps(adam_step, adam(lr=lr, betas=tuple(betas), eps=eps),
                          {"lr": lr, "betas": tuple(betas), "eps": eps}, name="Adam", moments=("m", "v"),
                          context=AdamStepContext, hints=ADAM_HINTS, steps=steps, tolerance=tolerance)
    return CheckPassed(f"✓ Adam: {steps} steps agree with optlib.adam(lr={lr!r}, "
                       f"betas={tuple(betas)!r}, eps={eps!r}) to {tolerance:g}.")


# ---------------------------------------------------------------------------
# Adadelta (chapter "adadelta"): a step with two moving averages, v and u
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AdadeltaStepContext(StepContext):
    r"""A :class:`StepContext` for an Adadelta step.

    ``grads`` holds the gradients :math:`g_1, \dots, g_t` the check has fed so
    far (shape ``(t, d)``), so that a hint can replay a whole mistaken
    implementation on them with :func:`adadelta_replay`; ``v_before`` and
    ``u_before`` are the reference averages :math:`v_{t-1}, u_{t-1}`."""

    grads: np.ndarray = None
    v_before: np.ndarray = None
    u_before: np.ndarray = None


def adadelta_replay(grads, lr, rho, eps, *, eps_at: str = "inside", v_used: str = "new",
                    v_start: str = "zero", correct_v: bool = False, swap_rho: bool = False,
                    u_of: str = "delta", keep_state: bool = True) -> np.ndarray:
    r"""The step :math:`\theta_t - \theta_{t-1}` of Adadelta after the gradients ``grads``, or of a variant.

    With the defaults it is PyTorch's Adadelta (``optlib.adadelta``):

    .. math:: v_t = \rho v_{t-1} + (1-\rho) g_t^2, \quad
              \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t, \quad
              u_t = \rho u_{t-1} + (1-\rho) \Delta_t^2, \quad
              \theta_t - \theta_{t-1} = -\gamma \Delta_t,

    from :math:`v_0 = u_0 = 0`. The keywords switch on one typical mistake
    each, which is how the hints of :func:`check_adadelta_step` recognise them.

    Args:
        grads: :math:`g_1, \dots, g_t`, shape ``(t, d)``.
        lr, rho, eps: :math:`\gamma, \rho, \epsilon`.
        eps_at: where ε goes: ``"inside"`` both roots (PyTorch, Zeiler), ``"outside"``
            both (:math:`(\sqrt{u} + \epsilon)/(\sqrt{v} + \epsilon)`), ``"outside_denominator"``
            (:math:`\sqrt{u + \epsilon}/(\sqrt{v} + \epsilon)`, RMSprop's habit),
            ``"denominator_only"`` (:math:`\sqrt{u}/\sqrt{v + \epsilon}`) or
            ``"numerator_only"`` (:math:`\sqrt{u + \epsilon}/\sqrt{v}`).
        v_used: ``"new"`` (:math:`v_t`, updated before the step) or ``"old"`` (:math:`v_{t-1}`).
        v_start: ``"zero"`` (:math:`v_0 = 0`) or ``"grad"`` (:math:`v_1 = g_1^2`).
        correct_v: divide :math:`v_t` by :math:`1 - \rho^t` (Adam's bias correction).
        swap_rho: weight the old average by :math:`1 - \rho` and the new term by :math:`\rho`.
        u_of: what ``u`` averages: ``"delta"`` (:math:`\Delta_t^2`), ``"step"``
            (:math:`(\gamma\Delta_t)^2`, the multiplier inside) or ``"grad"`` (:math:`g_t^2`).
        keep_state: ``False`` starts every step from :math:`v = u = 0`.

    Returns:
        the step at the last gradient, shape ``(d,)``.

    Example:
        >>> import numpy as np
        >>> g = np.array([[1.0, -4.0], [0.5, -3.0]])
        >>> adadelta_replay(g[:1], lr=1.0, rho=0.9, eps=1e-6).round(5)   # about ±√(ε/(1-ρ))
        array([-0.00316,  0.00316])
        >>> adadelta_replay(g[:1], lr=1.0, rho=0.9, eps=1e-6, v_used="old")   # v_0 = 0: a gradient step
        array([-1.,  4.])
    """
    grads = np.asarray(grads, dtype=float)
    new, old = (1 - rho, rho) if swap_rho else (rho, 1 - rho)   # weights of the old value, of the new term
    v, u = np.zeros_like(grads[0]), np.zeros_like(grads[0])
    for t, g in enumerate(grads, start=1):
        if not keep_state:
            v, u = np.zeros_like(g), np.zeros_like(g)
        v_before = v
        v = g * g if (v_start == "grad" and t == 1) else new * v + old * g * g
        denominator_v = v_before if v_used == "old" else (v / (1 - rho ** t) if correct_v else v)
        with np.errstate(divide="ignore", invalid="ignore"):
            if eps_at == "inside":
                delta = np.sqrt(u + eps) / np.sqrt(denominator_v + eps) * g
            elif eps_at == "outside":
                delta = (np.sqrt(u) + eps) / (np.sqrt(denominator_v) + eps) * g
            elif eps_at == "outside_denominator":
                delta = np.sqrt(u + eps) / (np.sqrt(denominator_v) + eps) * g
            elif eps_at == "denominator_only":
                delta = np.sqrt(u) / np.sqrt(denominator_v + eps) * g
            else:                                   # "numerator_only"
                delta = np.sqrt(u + eps) / np.sqrt(denominator_v) * g
        term = {"delta": delta, "step": lr * delta, "grad": g}[u_of]
        u = new * u + old * term * term
    return -lr * delta


def _adadelta_hint(message: str, *variants: dict):
    """A hint that fires when the step equals that of one of ``variants`` (keywords of adadelta_replay)."""
    return _replay_hint(adadelta_replay, ("lr", "rho", "eps"), message, *variants)


hint_adadelta_eps_outside = _adadelta_hint(
    "ε sits outside the roots, (√u + ε)/(√v + ε). Adadelta puts it inside both: "
    "Δ_t = √(u_(t-1) + ε) / √(v_t + ε) · g_t. Outside, the first step is ε/√v_1·g_1 instead of "
    "√ε/√(v_1 + ε)·g_1, about √ε times too short.", {"eps_at": "outside"})
hint_adadelta_eps_outside_denominator = _adadelta_hint(
    "the denominator is √v_t + ε, with ε outside the root, as RMSprop and Adam write it in PyTorch. "
    "Adadelta's ε is inside both roots: divide by √(v_t + ε).", {"eps_at": "outside_denominator"})
hint_adadelta_no_eps_numerator = _adadelta_hint(
    "the numerator has no ε: with u_0 = 0 it is √u_0 = 0, so Adadelta never moves. ε inside the "
    "numerator's root, √(u_(t-1) + ε), is what starts it: the first step is about √(ε/(1-ρ)).",
    {"eps_at": "denominator_only"})
hint_adadelta_no_eps_denominator = _adadelta_hint(
    "the denominator has no ε: divide by √(v_t + ε), not √v_t (ε is inside both roots).",
    {"eps_at": "numerator_only"})
hint_adadelta_old_v = _adadelta_hint(
    "the denominator uses v_(t-1), the average before this gradient: update it first, "
    "v_t = ρ·v_(t-1) + (1-ρ)·g_t², then divide by √(v_t + ε). (At the first step v_0 = 0 makes the "
    "step a plain gradient step, lr·g_1.)", {"v_used": "old"})
hint_adadelta_v_start = _adadelta_hint(
    "the first average is v_1 = g_1²: v starts at v_0 = 0, so v_1 = (1-ρ)·g_1², and Adadelta has no "
    "bias correction (do not divide v_t by 1 - ρ^t as Adam does).",
    {"v_start": "grad"}, {"correct_v": True})
hint_adadelta_rho_swapped = _adadelta_hint(
    "ρ and 1 - ρ are swapped: the old average keeps the weight ρ, v_t = ρ·v_(t-1) + (1-ρ)·g_t², "
    "and the same for u_t.", {"swap_rho": True})
hint_adadelta_u_of_step = _adadelta_hint(
    "u averages the squared step after the multiplier, (lr·Δ_t)²: it averages Δ_t² itself, "
    "u_t = ρ·u_(t-1) + (1-ρ)·Δ_t², and lr multiplies Δ_t only when θ is updated, "
    "θ_t = θ_(t-1) - lr·Δ_t.", {"u_of": "step"})
hint_adadelta_u_of_grad = _adadelta_hint(
    "u averages the squared gradients (a second copy of v): it averages the squared steps, "
    "u_t = ρ·u_(t-1) + (1-ρ)·Δ_t², with Δ_t = √(u_(t-1) + ε) / √(v_t + ε) · g_t.", {"u_of": "grad"})


def hint_adadelta_state_lost(c: AdadeltaStepContext):
    p = c.hyperparameters
    if c.t > 1 and _close(c.got_step, adadelta_replay(c.grads, p["lr"], p["rho"], p["eps"], keep_state=False)):
        return ("this step is a first step again: v and u were not carried over. Return them in the "
                "new state and use the state you are given (None only at the first step).")


#: Hints for an Adadelta step, tried before the generic ones.
ADADELTA_HINTS = (hint_adadelta_eps_outside, hint_adadelta_eps_outside_denominator,
                  hint_adadelta_no_eps_numerator, hint_adadelta_no_eps_denominator, hint_adadelta_old_v,
                  hint_adadelta_v_start, hint_adadelta_rho_swapped, hint_adadelta_u_of_step,
                  hint_adadelta_u_of_grad, hint_adadelta_state_lost) + GENERIC_HINTS


def check_adadelta_step(adadelta_step: Callable, lr: float = 0.5, rho: float = 0.9, eps: float = 1e-4,
                        *, steps: int = 12, tolerance: float = 1e-12) -> CheckPassed:
    r"""Check ``adadelta_step(theta, grad, state, lr, rho, eps) -> (new_theta, new_state)``
    against ``optlib.adadelta(lr, rho, eps)``, PyTorch's Adadelta:

    .. math:: v_t = \rho v_{t-1} + (1-\rho) g_t^2, \quad
              \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t, \quad
              u_t = \rho u_{t-1} + (1-\rho) \Delta_t^2, \quad
              \theta_t = \theta_{t-1} - \gamma \Delta_t,

    from :math:`v_0 = u_0 = 0`. ``state`` is ``None`` at the first step, then
    whatever the function returned as ``new_state`` the step before (the check
    does not look into it). Each step starts from the reference iterate, on the
    3-D quadratic of :func:`check_step_function`. The default ``lr`` is not 1, so
    that a multiplier applied twice, missing or inside ``u`` shows, and the
    default ε is large enough for the first steps to move. The hints recognise
    ε outside the roots or missing from one of them, a denominator that uses
    :math:`v_{t-1}`, an average started at :math:`g_1^2` or bias-corrected,
    swapped :math:`\rho` and :math:`1-\rho`, ``u`` averaging :math:`(\gamma\Delta_t)^2` or
    :math:`g_t^2`, a state that is not carried over, and the mistakes of
    :data:`GENERIC_HINTS`.

    Example:
        >>> def adadelta_step(theta, grad, state, lr, rho, eps):
        ...     v, u = (0.0, 0.0) if state is None else state
        ...     v = rho * v + (1 - rho) * grad ** 2
        ...     delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
        ...     u = rho * u + (1 - rho) * delta ** 2
        ...     return theta - lr * delta, (v, u)
        >>> check_adadelta_step(adadelta_step)
        ✓ Adadelta: 12 steps agree with optlib.adadelta(lr=0.5, rho=0.9, eps=0.0001) to 1e-12.
        >>> def rmsprop_eps_step(theta, grad, state, lr, rho, eps):
        ...     v, u = (0.0, 0.0) if state is None else state
        ...     v = rho * v + (1 - rho) * grad ** 2
        ...     delta = np.sqrt(u + eps) / (np.sqrt(v) + eps) * grad
        ...     u = rho * u + (1 - rho) * delta ** 2
        ...     return theta - lr * delta, (v, u)
        >>> check_adadelta_step(rmsprop_eps_step)
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: Adadelta: step 1 of 12 differs at coordinate (0,).
          expected θ_1[0] = ...
        Hint: the denominator is √v_t + ε, with ε outside the root, as RMSprop and Adam write it ...
    """
    from .optimizers import adadelta

    hyperparameters = {"lr": lr, "rho": rho, "eps": eps}
    _compare_moment_steps(adadelta_step, adadelta(lr=lr, rho=rho, eps=eps), hyperparameters,
                          name="Adadelta", moments=("v", "u"), context=AdadeltaStepContext,
                          hints=ADADELTA_HINTS, steps=steps, tolerance=tolerance)
    return CheckPassed(f"✓ Adadelta: {steps} steps agree with optlib.adadelta({_settings(hyperparameters)}) "
                       f"to {tolerance:g}.")


# ---------------------------------------------------------------------------
# RMSprop (chapter "rmsprop"), checked with check_buffered_step_function
# ---------------------------------------------------------------------------


def _rmsprop_parts(c: BufferedStepContext):
    """``(lr, alpha, eps, g_t, v_{t-1})`` of a context whose buffer is RMSprop's average ``v``."""
    h = c.hyperparameters
    return h["lr"], h["alpha"], h["eps"], c.grad, c.b_before


def _rmsprop_matches(c: BufferedStepContext, denominator) -> bool:
    """Whether the student's step is -lr·g_t/denominator (``denominator`` may hold zeros)."""
    lr, _, _, g, _ = _rmsprop_parts(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = -lr * g / denominator
    return bool(np.all(np.isfinite(step))) and _close(c.got_step, step)


def hint_rmsprop_eps_inside(c: BufferedStepContext):
    lr, alpha, eps, g, v = _rmsprop_parts(c)
    if eps and _rmsprop_matches(c, np.sqrt(alpha * v + (1 - alpha) * g * g + eps)):
        return ("ε is inside the square root, √(v_t + ε) (as Optax's and Keras's defaults have it): "
                "PyTorch and optlib add it outside, g_t/(√v_t + ε).")


def hint_rmsprop_no_eps(c: BufferedStepContext):
    lr, alpha, eps, g, v = _rmsprop_parts(c)
    if eps and _rmsprop_matches(c, np.sqrt(alpha * v + (1 - alpha) * g * g)):
        return "ε is missing: divide by √v_t + ε, not by √v_t."


def hint_rmsprop_first_step_of_size_lr(c: BufferedStepContext):
    lr, alpha, eps, g, v = _rmsprop_parts(c)
    if c.t == 1 and _rmsprop_matches(c, np.abs(g) + eps):
        return ("the first step has length lr in every coordinate, as if v_1 = g_1². PyTorch's RMSprop "
                "starts from v_0 = 0 and has no bias correction, so v_1 = (1 - α)·g_1² and the first "
                "step is 1/√(1 - α) times longer. Did you divide v_t by 1 - α^t (Adam's bias "
                "correction), start v at g_1², leave out the factor (1 - α) of the new term, or add "
                "g_t² to a sum (Adagrad)?")


def hint_rmsprop_alpha_swapped(c: BufferedStepContext):
    lr, alpha, eps, g, v = _rmsprop_parts(c)
    if alpha != 0.5 and _rmsprop_matches(c, np.sqrt((1 - alpha) * v + alpha * g * g) + eps):
        return ("α and 1 - α are swapped: the old average keeps the weight α, "
                "v_t = α·v_(t-1) + (1 - α)·g_t².")


def hint_rmsprop_initial_scale_one(c: BufferedStepContext):
    lr, alpha, eps, g, v = _rmsprop_parts(c)
    if c.t == 1 and _rmsprop_matches(c, np.sqrt(alpha + (1 - alpha) * g * g) + eps):
        return ("the average starts at v_0 = 1 (TensorFlow 1's convention; Optax's initial_scale=1): "
                "PyTorch's starts at v_0 = 0.")


def hint_rmsprop_no_root(c: BufferedStepContext):
    lr, alpha, eps, g, v = _rmsprop_parts(c)
    if _rmsprop_matches(c, alpha * v + (1 - alpha) * g * g + eps):
        return ("the square root is missing: divide by the root mean square √v_t + ε, not by "
                "the mean square v_t + ε.")


def hint_rmsprop_old_average(c: BufferedStepContext):
    lr, alpha, eps, g, v = _rmsprop_parts(c)
    if _rmsprop_matches(c, np.sqrt(v) + eps):
        return ("the denominator uses v_(t-1), the average before this gradient: update it first, "
                "v_t = α·v_(t-1) + (1 - α)·g_t², then divide by √v_t + ε "
                "(at the first step v_0 = 0 makes the step lr·g_1/ε, enormous).")


def hint_rmsprop_state_lost(c: BufferedStepContext):
    lr, alpha, eps, g, v = _rmsprop_parts(c)
    if c.t > 1 and _rmsprop_matches(c, np.sqrt((1 - alpha) * g * g) + eps):
        return ("this step is a first step again (v_t = (1 - α)·g_t²): the average was not carried "
                "over. Return v_t as the new state and use the state you are given (None only at "
                "the first step).")


#: Hints for an RMSprop step, tried before the generic ones.
RMSPROP_HINTS = (hint_rmsprop_eps_inside, hint_rmsprop_no_eps, hint_rmsprop_first_step_of_size_lr,
                 hint_rmsprop_alpha_swapped, hint_rmsprop_initial_scale_one, hint_rmsprop_no_root,
                 hint_rmsprop_old_average, hint_rmsprop_state_lost) + GENERIC_HINTS


def check_rmsprop_step(rmsprop_step: Callable, lr: float = 0.01, alpha: float = 0.9,
                       eps: float = 1e-3) -> CheckPassed:
    r"""Check ``rmsprop_step(theta, grad, state, lr, alpha, eps) -> (new_theta, new_state)``
    against ``optlib.rmsprop(lr, alpha, eps)``, one step of RMSprop as PyTorch takes it:

    .. math::
        v_t = \alpha v_{t-1} + (1 - \alpha) g_t^2, \qquad
        \theta_t = \theta_{t-1} - \gamma\, \frac{g_t}{\sqrt{v_t} + \epsilon}, \qquad v_0 = 0,

    with no bias correction. ``state`` is ``None`` at the first step, then whatever
    the function returned as ``new_state`` the step before (the average
    :math:`v_t`, typically). Each step starts from the reference iterate, on the
    3-D quadratic of :func:`check_step_function`. The default ε is large, so that
    where it sits shows. The hints recognise ε inside the root or missing, a first
    step of length ``lr`` (a bias correction, an average started at
    :math:`g_1^2`, a missing factor :math:`1-\alpha`, or Adagrad's sum), swapped
    :math:`\alpha` and :math:`1-\alpha`, an average started at 1, a missing root, a
    denominator that uses :math:`v_{t-1}`, an average that is not carried over,
    and the mistakes of :data:`GENERIC_HINTS`.

    Example:
        >>> def rmsprop_step(theta, grad, state, lr, alpha, eps):
        ...     v = np.zeros_like(theta) if state is None else state
        ...     v = alpha * v + (1 - alpha) * grad ** 2
        ...     return theta - lr * grad / (np.sqrt(v) + eps), v
        >>> check_rmsprop_step(rmsprop_step)
        ✓ RMSprop: 12 steps agree with optlib.rmsprop(lr=0.01, alpha=0.9, eps=0.001) to 1e-12.
        >>> def eps_inside_step(theta, grad, state, lr, alpha, eps):
        ...     v = np.zeros_like(theta) if state is None else state
        ...     v = alpha * v + (1 - alpha) * grad ** 2
        ...     return theta - lr * grad / np.sqrt(v + eps), v
        >>> check_rmsprop_step(eps_inside_step)
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: RMSprop: step 1 of 12 differs at coordinate (0,).
          expected θ_1[0] = ...
        Hint: ε is inside the square root, √(v_t + ε) (as Optax's and Keras's defaults have it): ...
    """
    import re

    from .optimizers import rmsprop

    try:
        return check_buffered_step_function(
            rmsprop_step, rmsprop, {"lr": lr, "alpha": alpha, "eps": eps}, name="RMSprop",
            buffer=lambda state: state[1].v, hints=RMSPROP_HINTS)
    except CheckFailed as failure:       # RMSprop's buffer is the average v, not a momentum b
        message = re.sub(r", b_(\d+) = ", r", v_\1 = ", str(failure), count=1)
        raise CheckFailed(message) from failure.__cause__


# ---------------------------------------------------------------------------
# Adagrad (chapter "adagrad"), checked with check_buffered_step_function
# ---------------------------------------------------------------------------


def _adagrad_parts(c: BufferedStepContext):
    """``(lr, s_0, eps, g_t, s_{t-1}, s_t)`` of a context whose buffer is Adagrad's sum ``s``
    (the context's buffer before the first step is zeros; Adagrad's is :math:`s_0`)."""
    h = c.hyperparameters
    s0 = h["initial_accumulator_value"]
    s_old = np.full_like(c.b_after, s0) if c.t == 1 else c.b_before
    return h["lr"], s0, h["eps"], c.grad, s_old, c.b_after


def _adagrad_matches(c: BufferedStepContext, denominator) -> bool:
    """Whether the student's step is -lr·g_t/denominator (``denominator`` may hold zeros)."""
    lr, _, _, g, _, _ = _adagrad_parts(c)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = -lr * g / denominator
    return bool(np.all(np.isfinite(step))) and _close(c.got_step, step)


def hint_adagrad_eps_inside(c: BufferedStepContext):
    lr, s0, eps, g, s_old, s = _adagrad_parts(c)
    if eps and _adagrad_matches(c, np.sqrt(s + eps)):
        return ("ε is inside the square root, √(s_t + ε) (as Keras, Optax and the blog draft have it): "
                "PyTorch, optlib and Duchi et al. add it outside, g_t/(√s_t + ε).")


def hint_adagrad_no_eps(c: BufferedStepContext):
    lr, s0, eps, g, s_old, s = _adagrad_parts(c)
    if eps and _adagrad_matches(c, np.sqrt(s)):
        return "ε is missing: divide by √s_t + ε, not by √s_t."


def hint_adagrad_started_at_zero(c: BufferedStepContext):
    lr, s0, eps, g, s_old, s = _adagrad_parts(c)
    if s0 and _adagrad_matches(c, np.sqrt(s - s0) + eps):
        return (f"the sum of squares started at 0: start it at initial_accumulator_value "
                f"(s_0 = {s0:g}), so that s_t = s_0 + g_1² + ... + g_t².")


def hint_adagrad_started_at_keras_default(c: BufferedStepContext):
    lr, s0, eps, g, s_old, s = _adagrad_parts(c)
    if s0 != 0.1 and _adagrad_matches(c, np.sqrt(s - s0 + 0.1) + eps):
        return (f"the sum of squares started at 0.1 (Keras's and Optax's default): start it at "
                f"initial_accumulator_value, s_0 = {s0:g} here (PyTorch's default is 0).")


def hint_adagrad_old_sum(c: BufferedStepContext):
    lr, s0, eps, g, s_old, s = _adagrad_parts(c)
    if _adagrad_matches(c, np.sqrt(s_old) + eps):
        return ("the denominator uses s_(t-1), the sum before this gradient: add g_t² first, "
                "s_t = s_(t-1) + g_t², then divide by √s_t + ε (with s_0 = 0 the first step would "
                "be lr·g_1/ε, enormous).")


def hint_adagrad_no_root(c: BufferedStepContext):
    lr, s0, eps, g, s_old, s = _adagrad_parts(c)
    if _adagrad_matches(c, s + eps):
        return "the square root is missing: divide by √s_t + ε, not by the sum s_t + ε."


def hint_adagrad_average(c: BufferedStepContext):
    lr, s0, eps, g, s_old, s = _adagrad_parts(c)
    if c.t > 1 and (_adagrad_matches(c, np.sqrt(s / c.t) + eps)
                    or _adagrad_matches(c, np.sqrt(s0 + (s - s0) / c.t) + eps)):
        return ("the squared gradients are averaged (divided by t): Adagrad sums them, "
                "s_t = s_(t-1) + g_t², which is what makes its step shrink like 1/√t.")


def hint_adagrad_state_lost(c: BufferedStepContext):
    lr, s0, eps, g, s_old, s = _adagrad_parts(c)
    if c.t > 1 and _adagrad_matches(c, np.sqrt(s0 + g * g) + eps):
        return ("this step is a first step again (s_t = s_0 + g_t²): the sum was not carried over. "
                "Return s_t as the new state and use the state you are given (None only at the "
                "first step).")


#: Hints for an Adagrad step, tried before the generic ones.
ADAGRAD_HINTS = (hint_adagrad_eps_inside, hint_adagrad_no_eps, hint_adagrad_started_at_zero,
                 hint_adagrad_started_at_keras_default, hint_adagrad_old_sum, hint_adagrad_no_root,
                 hint_adagrad_average, hint_adagrad_state_lost) + GENERIC_HINTS


def check_adagrad_step(adagrad_step: Callable, lr: float = 0.1, initial_accumulator_value: float = 0.1,
                       eps: float = 1e-3) -> CheckPassed:
    r"""Check ``adagrad_step(theta, grad, state, lr, initial_accumulator_value, eps)
    -> (new_theta, new_state)`` against ``optlib.adagrad``, one step of Adagrad as
    PyTorch takes it:

    .. math::
        s_t = s_{t-1} + g_t^2, \qquad
        \theta_t = \theta_{t-1} - \gamma\, \frac{g_t}{\sqrt{s_t} + \epsilon}, \qquad
        s_0 = \text{initial\_accumulator\_value}.

    ``state`` is ``None`` at the first step, then whatever the function returned
    as ``new_state`` the step before (the sum :math:`s_t`, typically). Each step
    starts from the reference iterate, on the 3-D quadratic of
    :func:`check_step_function`. The defaults make ε and :math:`s_0` large enough
    that where they sit shows. The hints recognise ε inside the root or missing,
    a sum started at 0 or at Keras's 0.1 instead of :math:`s_0`, a denominator
    that uses :math:`s_{t-1}`, a missing root, an average in place of the sum, a
    sum that is not carried over, and the mistakes of :data:`GENERIC_HINTS`.

    Example:
        >>> def adagrad_step(theta, grad, state, lr, initial_accumulator_value, eps):
        ...     s = np.full_like(theta, initial_accumulator_value) if state is None else state
        ...     s = s + grad ** 2
        ...     return theta - lr * grad / (np.sqrt(s) + eps), s
        >>> check_adagrad_step(adagrad_step)
        ✓ Adagrad: 12 steps agree with optlib.adagrad(lr=0.1, initial_accumulator_value=0.1, eps=0.001) to 1e-12.
        >>> def eps_inside_step(theta, grad, state, lr, initial_accumulator_value, eps):
        ...     s = np.full_like(theta, initial_accumulator_value) if state is None else state
        ...     s = s + grad ** 2
        ...     return theta - lr * grad / np.sqrt(s + eps), s
        >>> check_adagrad_step(eps_inside_step)
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: Adagrad: step 1 of 12 differs at coordinate (0,).
          expected θ_1[0] = ...
        Hint: ε is inside the square root, √(s_t + ε) (as Keras, Optax and the blog draft have it): ...
    """
    import re

    from .optimizers import adagrad

    try:
        return check_buffered_step_function(
            adagrad_step, adagrad,
            {"lr": lr, "initial_accumulator_value": initial_accumulator_value, "eps": eps},
            name="Adagrad", buffer=lambda state: state[1].s, hints=ADAGRAD_HINTS)
    except CheckFailed as failure:       # Adagrad's buffer is the sum of squares s, not a momentum b,
        message = str(failure)           # and before the first step it is s_0, not zeros
        first = _format(np.full(3, float(initial_accumulator_value)))
        message = re.sub(r", b_0 = \[[^\]]*\]", lambda _: f", s_0 = {first}", message, count=1)
        message = re.sub(r", b_(\d+) = ", r", s_\1 = ", message, count=1)
        raise CheckFailed(message) from failure.__cause__


# ---------------------------------------------------------------------------
# torch.optim.SGD read from its documentation (chapter "pytorch"): every option,
# under a learning rate that changes during the run
# ---------------------------------------------------------------------------


def torch_sgd_replay(thetas, grads, lrs, momentum, dampening, weight_decay, nesterov, *,
                     mistake: str | None = None) -> np.ndarray:
    r"""θ_t of ``torch.optim.SGD``, or of a typical mistake, replayed over the steps so far.

    The algorithm box of ``torch.optim.SGD`` (γ_t the learning rate of step t):

    .. math::
        g \leftarrow g_t + \lambda\theta_{t-1}; \quad
        b_1 = g, \ b_t = \mu b_{t-1} + (1-\tau) g; \quad
        \theta_t = \theta_{t-1} - \gamma_t\,(g + \mu b_t \text{ if nesterov else } b_t),

    with no buffer at all where :math:`\mu = 0`. A check feeds the student the
    reference iterates, so the student's buffer is built from the reference
    :math:`\theta_0, \dots, \theta_{t-1}` and :math:`g_1, \dots, g_t`; replaying
    those with a mistake switched on gives what the mistaken step returns.

    Args:
        thetas: :math:`\theta_0, \dots, \theta_{t-1}`, shape ``(t, d)``.
        grads: :math:`g_1, \dots, g_t`, shape ``(t, d)``.
        lrs: :math:`\gamma_1, \dots, \gamma_t`.
        momentum, dampening, weight_decay, nesterov: as ``torch.optim.SGD``.
        mistake: ``None`` (torch's rule) or one of ``"first_dampened"`` (b_1 =
            (1 - τ) g_1), ``"decay_after_momentum"`` (λθ added to the direction,
            not to the gradient), ``"no_decay"``, ``"lr_in_buffer"`` (Sutskever et
            al.'s b ← μb + γg, θ ← θ - b), ``"nesterov_buffer"`` (stepping along
            b_t alone), ``"buffer_without_momentum"`` (a dampened buffer kept at
            μ = 0), ``"average"`` (1 - μ in place of 1 - τ), ``"state_lost"`` (the
            buffer restarted at every step).

    Returns:
        θ_t, shape ``(d,)``.

    Example:
        >>> thetas, grads = np.array([[1.0], [0.5]]), np.array([[2.0], [1.0]])
        >>> torch_sgd_replay(thetas, grads, [0.1, 0.1], 0.9, 0.0, 0.0, False)   # 0.5 - 0.1 (0.9·2 + 1)
        array([0.22])
    """
    mu, tau, lam = float(momentum), float(dampening), float(weight_decay)
    b = None
    for theta, g, lr in zip(np.asarray(thetas, dtype=float), np.asarray(grads, dtype=float), lrs):
        d = g if mistake in ("decay_after_momentum", "no_decay") else g + lam * theta
        if mu == 0 and mistake != "buffer_without_momentum":
            direction = lr * d
        else:
            scale = lr if mistake == "lr_in_buffer" else 1.0
            if b is None or mistake == "state_lost":
                b = scale * (1 - tau) * d if mistake == "first_dampened" else scale * d
            else:
                b = mu * b + ((1 - mu) if mistake == "average" else (1 - tau)) * scale * d
            inner = scale * d + mu * b if nesterov and mistake != "nesterov_buffer" else b
            direction = inner if mistake == "lr_in_buffer" else lr * inner
        if mistake == "decay_after_momentum":
            direction = direction + lr * lam * theta
        new_theta = theta - direction
    return new_theta


_TORCH_SGD_HINTS = {
    "first_dampened": "the first buffer was dampened: torch.optim.SGD starts with b_1 = g_1 (the "
                      "gradient, weight decay included), without the factor (1 - τ); dampening "
                      "applies from the second step on.",
    "decay_after_momentum": "the weight decay was added after the momentum: torch adds λ·θ_(t-1) to "
                            "the gradient first (g ← g + λθ), so the decay goes through the buffer.",
    "no_decay": "the weight decay is missing: add λ·θ_(t-1) to the gradient, before the momentum "
                "buffer.",
    "lr_in_buffer": "the learning rate is inside the buffer (b ← μb + γg, θ ← θ - b, Sutskever et "
                    "al.'s form): it equals torch while the learning rate is constant and differs "
                    "once it changes (here it halves every 4 steps). torch keeps it outside: "
                    "b ← μb + (1 - τ)g, θ ← θ - γ·b.",
    "nesterov_buffer": "with nesterov=True the step is along g + μ·b_t, the gradient plus μ times the "
                       "updated buffer, not along b_t alone (nor along g + μ·b_(t-1), which is the "
                       "same thing when τ = 0).",
    "buffer_without_momentum": "with momentum = 0 torch.optim.SGD keeps no buffer: the step is "
                               "-γ·(g + λθ), and the dampening has no effect.",
    "average": "the buffer is averaged with (1 - μ): the factor of the new gradient is (1 - τ), "
               "b_t = μ·b_(t-1) + (1 - τ)·g_t.",
    "state_lost": "the buffer was not carried over: return it in the new state and use the state "
                  "you are given (b_1 = g_1 only at the first step).",
}


def _torch_sgd_hint(taken, got, config: dict) -> str:
    """The hint of :func:`check_torch_sgd_step` for a wrong θ_t: the typical mistake whose replay
    gives ``got`` (and not torch's θ_t), else a generic hint."""
    step = taken[-1]
    thetas, grads, lrs = [s.theta for s in taken], [s.grad for s in taken], [s.args[0] for s in taken]
    with np.errstate(all="ignore"):
        for mistake, message in _TORCH_SGD_HINTS.items():
            variant = torch_sgd_replay(thetas, grads, lrs, mistake=mistake, **config)
            if not np.allclose(variant, step.expected, rtol=1e-9, atol=1e-12) and _close(got, variant):
                return message
    return _first_hint(GENERIC_HINTS, step.context(StepContext, {"lr": step.args[0], **config}, got))


def check_torch_sgd_step(sgd_step: Callable, lr: float = 0.05, momentum: float = 0.9,
                         dampening: float = 0.5, weight_decay: float = 0.1, steps: int = 12,
                         lr_step_size: int = 4) -> CheckPassed:
    r"""Check ``sgd_step(theta, grad, state, lr, momentum, dampening, weight_decay, nesterov)
    -> (new_theta, new_state)`` against ``torch.optim.SGD``'s algorithm box, with every option.

    Three configurations are run, each for ``steps`` steps from ``state=None``:
    momentum with dampening and weight decay; Nesterov momentum (τ = 0) with
    weight decay; and ``momentum=0`` with a dampening given, which torch
    ignores. The learning rate passed at step t halves every ``lr_step_size``
    steps (``StepLR(step_size, gamma=0.5)`` stepped after every update), which
    tells torch's buffer (learning rate outside) from Sutskever et al.'s
    (inside). The reference is ``optlib.sgd`` with the matching schedule, which
    equals ``torch.optim.SGD`` in float64 (``tests/test_against_torch.py``).
    Each step starts from the reference iterate, on the 3-D quadratic of
    :func:`check_step_function`.

    The hints recognise a dampened first buffer, weight decay added after the
    momentum or missing, the learning rate inside the buffer, a Nesterov step
    along the buffer alone, a buffer kept at ``momentum=0``, an average with
    (1 - μ), a buffer not carried over, and the mistakes of :data:`GENERIC_HINTS`.

    Example:
        >>> def sgd_step(theta, grad, state, lr, momentum, dampening, weight_decay, nesterov):
        ...     g = grad + weight_decay * theta
        ...     b = state
        ...     if momentum != 0:
        ...         b = g if b is None else momentum * b + (1 - dampening) * g
        ...         g = g + momentum * b if nesterov else b
        ...     return theta - lr * g, b
        >>> check_torch_sgd_step(sgd_step)
        ✓ torch.optim.SGD: 3 configurations × 12 steps agree with optlib.sgd under StepLR(step_size=4, gamma=0.5) to 1e-12.
        >>> def sutskever_step(theta, grad, state, lr, momentum, dampening, weight_decay, nesterov):
        ...     g = grad + weight_decay * theta
        ...     v = lr * g if state is None else momentum * state + (1 - dampening) * lr * g
        ...     return theta - v, v
        >>> check_torch_sgd_step(sutskever_step)
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: torch.optim.SGD (momentum=0.9, dampening=0.5, weight_decay=0.1, nesterov=False): step 5 of 12 differs at coordinate (0,).
          ...
        Hint: the learning rate is inside the buffer (b ← μb + γg, θ ← θ - b, Sutskever et al.'s form): ...
    """
    from .optimizers import sgd
    from .schedules import step as step_schedule

    objective, x0 = _quadratic_3d()
    configurations = [
        dict(momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=False),
        dict(momentum=momentum, dampening=0.0, weight_decay=weight_decay, nesterov=True),
        dict(momentum=0.0, dampening=dampening, weight_decay=weight_decay, nesterov=False),
    ]
    schedule = step_schedule(lr, step_size=lr_step_size, gamma=0.5)
    tolerance = 1e-12
    for config in configurations:
        reference_steps = (replace(step, args=(float(schedule(step.t - 1)),))      # the student's lr_t
                           for step in _optimizer_steps(sgd(lr=schedule, **config), objective, x0, steps))
        _compare_steps(sgd_step, reference_steps, name=f"torch.optim.SGD ({_settings(config)})", steps=steps,
                       tolerance=tolerance, stateful=True, keywords=config,
                       hint=functools.partial(_torch_sgd_hint, config=config),
                       describe=lambda step: f"g = {_format(step.grad)}, lr = {step.args[0]:g}")
    return CheckPassed(f"✓ torch.optim.SGD: {len(configurations)} configurations × {steps} steps agree "
                       f"with optlib.sgd under StepLR(step_size={lr_step_size}, gamma=0.5) "
                       f"to {tolerance:g}.")


# ---------------------------------------------------------------------------
# Learning-rate schedules (chapter "schedules")
# ---------------------------------------------------------------------------

#: The reference settings of :func:`check_schedule`, by schedule of :mod:`optlib.schedules`:
#: the keywords the student's function receives, and how many steps are compared.
SCHEDULE_CHECKS = {
    "warmup_cosine": ({"lr": 0.1, "warmup_steps": 10, "total_steps": 50, "start_factor": 0.1,
                       "eta_min": 0.001}, 50),
    "step": ({"lr": 0.1, "step_size": 10, "gamma": 0.5}, 50),
    "exponential": ({"lr": 0.1, "gamma": 0.9}, 30),
    "cosine": ({"lr": 0.1, "T_max": 40, "eta_min": 0.001}, 40),
    "linear": ({"lr": 0.1, "start_factor": 0.1, "end_factor": 1.0, "total_iters": 10}, 30),
}

_SCHEDULE_NAMES = {"warmup_cosine": "warm-up then cosine", "step": "step decay",
                   "exponential": "exponential decay", "cosine": "cosine annealing",
                   "linear": "linear warm-up"}


def _schedule_variants(reference: str, p: dict) -> dict:
    """Typical wrong versions of a schedule, each a function of the count, with its hint."""
    from . import schedules

    make = getattr(schedules, reference)
    right = make(**p)
    variants = {
        "ahead": (lambda k: right(k + 1),
                  "your schedule is one step ahead: the first update uses count = 0 (PyTorch's "
                  "scheduler starts at last_epoch = 0 and is stepped after each optimizer.step()), "
                  "so the rate of update t is the formula at t - 1."),
        "behind": (lambda k: right(max(k - 1, 0)),
                   "your schedule is one step behind: the formula is evaluated at count = t - 1 for "
                   "update t, and the first update already uses count = 0."),
    }
    lr = p["lr"]
    if reference == "warmup_cosine":
        w, total, s, eta_min = p["warmup_steps"], p["total_steps"], p["start_factor"], p["eta_min"]
        anneal = lambda k, T, low: low + 0.5 * (lr - low) * (1 + np.cos(np.pi * k / T))
        ramp = lambda k: lr * (s + (1 - s) * k / w)
        variants.update({
            "ramp from zero": (lambda k: lr * k / w if k < w else anneal(k - w, total - w, eta_min),
                               "the warm-up starts at 0; it starts at start_factor·lr (as PyTorch's "
                               "LinearLR), so the first update is not wasted."),
            "ramp too short": (lambda k: lr * (s + (1 - s) * k / (w - 1)) if k < w
                               else anneal(k - w, total - w, eta_min),
                               "the warm-up reaches lr one step early: divide by warmup_steps, not "
                               "warmup_steps - 1 (the peak is reached at count = warmup_steps)."),
            "ends at zero": (lambda k: ramp(k) if k < w else anneal(k - w, total - w, 0.0),
                             "the cosine ends at 0 instead of eta_min: "
                             "eta_min + (lr - eta_min)(1 + cos(π k/T))/2."),
            "cosine over total": (lambda k: ramp(k) if k < w else anneal(k - w, total, eta_min),
                                  "the cosine lasts total_steps; after a warm-up it lasts "
                                  "total_steps - warmup_steps."),
            "cosine not shifted": (lambda k: ramp(k) if k < w else anneal(k, total - w, eta_min),
                                   "the cosine starts from count = 0 again: evaluate it at "
                                   "count - warmup_steps, so that it starts at its peak."),
        })
    elif reference == "cosine":
        variants["ends at zero"] = (lambda k: 0.5 * lr * (1 + np.cos(np.pi * k / p["T_max"])),
                                    "the cosine ends at 0 instead of eta_min: "
                                    "eta_min + (lr - eta_min)(1 + cos(π k/T_max))/2.")
    elif reference == "step":
        variants["every step"] = (lambda k: lr * p["gamma"] ** k,
                                  "the decay is applied at every step; it is applied once every "
                                  "step_size steps: lr·gamma^⌊count/step_size⌋.")
        variants["not floored"] = (lambda k: lr * p["gamma"] ** (k / p["step_size"]),
                                   "the exponent is count/step_size; round it down, "
                                   "⌊count/step_size⌋, so that the rate stays constant between decays.")
    elif reference == "linear":
        s, e, n = p["start_factor"], p["end_factor"], p["total_iters"]
        variants["ramp from zero"] = (lambda k: lr * e * min(k, n) / n,
                                      "the warm-up starts at 0; it starts at start_factor·lr.")
        variants["not held"] = (lambda k: lr * (s + (e - s) * k / n),
                                "the ramp does not stop: use min(count, total_iters), so that the "
                                "rate stays at end_factor·lr afterwards.")
    return variants


def check_schedule(schedule_fn: Callable, reference: str = "warmup_cosine", **parameters) -> CheckPassed:
    r"""Check ``schedule_fn(count, **parameters) -> learning rate`` against :mod:`optlib.schedules`.

    ``count`` is the number of updates made so far: 0 for the first update
    (step :math:`t = 1`), as Optax counts and as PyTorch's scheduler stands
    before its first ``scheduler.step()``. The function is compared with
    ``getattr(optlib.schedules, reference)(**parameters)`` at every count of
    the horizon; the first step that differs is reported with the expected and
    obtained rates. The hints recognise a schedule one step ahead or behind
    (t for t − 1), a warm-up that starts at 0 instead of ``start_factor·lr`` or
    reaches the peak a step early, a cosine that ends at 0 instead of
    ``eta_min``, lasts ``total_steps`` instead of ``total_steps −
    warmup_steps`` or is not shifted by the warm-up, a step decay applied at
    every step or without the floor, and a linear ramp that does not stop.

    Args:
        schedule_fn: the function under test, called as ``schedule_fn(count, **parameters)``.
        reference: ``"warmup_cosine"``, ``"step"``, ``"exponential"``, ``"cosine"`` or ``"linear"``.
        **parameters: the schedule's keywords (default: :data:`SCHEDULE_CHECKS`).

    Returns:
        a :class:`CheckPassed` that prints a one-line confirmation.

    Raises:
        CheckFailed: naming the step, the expected and the obtained rate, and a hint.

    Example:
        >>> def warmup_cosine(count, lr, warmup_steps, total_steps, start_factor, eta_min):
        ...     if count < warmup_steps:
        ...         return lr * (start_factor + (1 - start_factor) * count / warmup_steps)
        ...     k, T = count - warmup_steps, total_steps - warmup_steps
        ...     return eta_min + 0.5 * (lr - eta_min) * (1 + np.cos(np.pi * k / T))
        >>> check_schedule(warmup_cosine)
        ✓ warm-up then cosine: 50 steps agree with optlib.schedules.warmup_cosine(lr=0.1, warmup_steps=10, total_steps=50, start_factor=0.1, eta_min=0.001) to 1e-12.
        >>> check_schedule(lambda count, lr, step_size, gamma: lr * gamma ** count, "step")
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: step decay: step 2 of 50 (count = 1) differs at coordinate (), the learning rate.
          expected γ_2 = 0.1
          got      γ_2 = 0.05
          with lr=0.1, step_size=10, gamma=0.5
        Hint: the decay is applied at every step; it is applied once every step_size steps: lr·gamma^⌊count/step_size⌋.
    """
    from . import schedules

    if reference not in SCHEDULE_CHECKS:
        raise ValueError(f"reference must be one of {sorted(SCHEDULE_CHECKS)}; got {reference!r}")
    defaults, steps = SCHEDULE_CHECKS[reference]
    p = {**defaults, **parameters}
    right = getattr(schedules, reference)(**p)
    name = _SCHEDULE_NAMES[reference]
    settings = ", ".join(f"{k}={v!r}" for k, v in p.items())
    expected = np.array([float(right(k)) for k in range(steps)])
    got = np.full(steps, np.nan)
    for k in range(steps):
        t = k + 1
        try:
            value = schedule_fn(k, **p)
        except Exception as error:
            raise CheckFailed(f"{name}: step {t} (count = {k}) raised {type(error).__name__}: "
                              f"{error}") from error
        try:
            value = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise CheckFailed(f"{name}: step {t} (count = {k}) returned {value!r}, not a number") from None
        if value.shape != ():
            raise CheckFailed(f"{name}: step {t} (count = {k}) returned an array of shape {value.shape}; "
                              "return one number, the learning rate of that step")
        got[k] = float(value)
    if np.isnan(got).any() and not np.isnan(expected).any():
        k = int(np.argmax(np.isnan(got)))
        raise CheckFailed(f"{name}: step {k + 1} of {steps} (count = {k}) returned {got[k]!r}, "
                          "not a number: return the learning rate (did you forget `return`?)")
    wrong = ~np.isclose(got, expected, rtol=1e-12, atol=1e-12)
    if wrong.any():
        k = int(np.argmax(wrong))
        t = k + 1
        hint = None
        with np.errstate(all="ignore"):
            for variant, message in _schedule_variants(reference, p).values():
                values = np.array([float(variant(j)) for j in range(steps)])
                if np.allclose(values, got, rtol=1e-9, atol=1e-12):
                    hint = message
                    break
        if hint is None:
            hint = (f"compare your formula with the chapter's equation for {name}, term by term, at "
                    f"count = {k}; the rates before this step were right.")
        raise CheckFailed(
            f"{name}: step {t} of {steps} (count = {k}) differs at coordinate (), the learning rate.\n"
            f"  expected γ_{t} = {expected[k]:.10g}\n"
            f"  got      γ_{t} = {got[k]:.10g}\n"
            f"  with {settings}\n"
            f"Hint: {hint}")
    return CheckPassed(f"✓ {name}: {steps} steps agree with optlib.schedules.{reference}({settings}) "
                       f"to 1e-12.")


# ---------------------------------------------------------------------------
# Gradient clipping by the global norm (chapter "troubleshooting")
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ClipContext:
    """What a clipping hint sees: the step t, the gradient g_t, the threshold, and
    the expected and obtained clipped gradients."""

    t: int
    grad: np.ndarray
    max_norm: float
    expected: np.ndarray
    got: np.ndarray

    @property
    def norm(self) -> float:
        return float(np.linalg.norm(self.grad))


def _clip_matches(c: ClipContext, candidate) -> bool:
    return _close(c.got, candidate, rtol=1e-12)


def hint_clip_per_coordinate(c: ClipContext):
    if _clip_matches(c, np.clip(c.grad, -c.max_norm, c.max_norm)):
        return ("each coordinate was clipped to [-max_norm, max_norm] on its own (np.clip), which "
                "changes the direction of g. Global-norm clipping rescales the whole vector: "
                "g · min(1, max_norm / (‖g‖ + 1e-6)).")


def hint_clip_below_threshold(c: ClipContext):
    if c.norm < c.max_norm and (_clip_matches(c, c.grad * c.max_norm / (c.norm + 1e-6))
                                or _clip_matches(c, c.grad * c.max_norm / c.norm)):
        return (f"the gradient was rescaled although its norm ‖g‖ = {c.norm:.6g} is below "
                f"max_norm = {c.max_norm:g}: clipping only ever shrinks, the factor is "
                "min(1, max_norm / (‖g‖ + 1e-6)), so a small gradient passes unchanged.")


def hint_clip_missing_eps(c: ClipContext):
    if _clip_matches(c, c.grad * min(1.0, c.max_norm / c.norm)):
        return ("the 1e-6 is missing: PyTorch's clip_grad_norm_ (and optlib) use "
                "clip_coef = max_norm / (‖g‖ + 1e-6), clamped at 1, so the clipped norm is a "
                "hair below max_norm.")


def hint_clip_squared_norm(c: ClipContext):
    if _clip_matches(c, c.grad * min(1.0, c.max_norm / (c.norm ** 2 + 1e-6))):
        return ("the norm is squared: use ‖g‖ = √(Σ g_i²) (np.linalg.norm), not Σ g_i².")


def hint_clip_other_norm(c: ClipContext):
    for name, norm in (("the sum of |g_i| (the 1-norm)", np.sum(np.abs(c.grad))),
                       ("the largest |g_i| (the max-norm)", np.max(np.abs(c.grad)))):
        if _clip_matches(c, c.grad * min(1.0, c.max_norm / (norm + 1e-6))):
            return (f"the norm used is {name}: clip_by_global_norm uses the Euclidean norm "
                    "‖g‖ = √(Σ g_i²).")


def hint_clip_not_clipped(c: ClipContext):
    if c.norm + 1e-6 > c.max_norm and _clip_matches(c, c.grad):
        return (f"the gradient passed unchanged although its norm ‖g‖ = {c.norm:.6g} exceeds "
                f"max_norm = {c.max_norm:g}: multiply it by max_norm / (‖g‖ + 1e-6).")


def hint_clip_inverted(c: ClipContext):
    if _clip_matches(c, c.grad * (c.norm + 1e-6) / c.max_norm):
        return "the ratio is upside down: the factor is max_norm / (‖g‖ + 1e-6), not ‖g‖ / max_norm."


#: Hints for global-norm clipping, tried in order.
CLIP_HINTS = (hint_clip_per_coordinate, hint_clip_below_threshold, hint_clip_not_clipped,
              hint_clip_missing_eps, hint_clip_squared_norm, hint_clip_other_norm, hint_clip_inverted)


def check_clip_by_global_norm(clip_gradient: Callable, max_norm: float = 2.0, lr: float = 0.3,
                              steps: int = 12) -> CheckPassed:
    r"""Check ``clip_gradient(grad, max_norm) -> clipped grad`` against
    :func:`optlib.transforms.clip_by_global_norm` (``torch.nn.utils.clip_grad_norm_``):

    .. math::
        g \leftarrow g \cdot \min\Bigl(1, \frac{\text{max\_norm}}{\lVert g\rVert + 10^{-6}}\Bigr).

    The gradients are those of a run of clipped gradient descent,
    ``chain(clip_by_global_norm(max_norm), sgd(lr))``, on the 3-D quadratic of
    :func:`check_step_function`: with the defaults the first four are longer than
    ``max_norm`` (they must be shortened) and the last eight shorter (they must
    pass unchanged). Each is compared to 1e-12 (relative). The hints recognise
    per-coordinate clipping (``np.clip``), rescaling a gradient already below the
    threshold, the missing 1e-6, a squared norm, the 1-norm or the max-norm in
    place of the Euclidean norm, and an upside-down ratio.

    Args:
        clip_gradient: the function under test; it must not modify ``grad``.
        max_norm: the threshold c > 0.
        lr: the learning rate of the run that produces the gradients.
        steps: how many gradients to compare.

    Returns:
        a :class:`CheckPassed` that prints a one-line confirmation.

    Raises:
        CheckFailed: naming the step, the coordinate, the expected and obtained
            values, and a hint.

    Example:
        >>> def clip_gradient(grad, max_norm):
        ...     return grad * min(1.0, max_norm / (np.linalg.norm(grad) + 1e-6))
        >>> check_clip_by_global_norm(clip_gradient)
        ✓ global-norm clipping: 12 gradients (4 of them clipped) agree with optlib.transforms.clip_by_global_norm(max_norm=2.0) to 1e-12.
        >>> check_clip_by_global_norm(lambda grad, max_norm: np.clip(grad, -max_norm, max_norm))
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: global-norm clipping: step 1 of 12 differs at coordinate (0,).
          expected clipped g_1[0] = 0.3922321934
          got      clipped g_1[0] = 1
          from g_1 = [ 1.,  3., -4.], ‖g_1‖ = 5.09902, max_norm=2.0
        Hint: each coordinate was clipped to [-max_norm, max_norm] on its own (np.clip), ...
    """
    from .base import chain
    from .transforms import clip_by_global_norm

    objective, x0 = _quadratic_3d()
    reference_run = run(chain(clip_by_global_norm(max_norm), sgd(lr=lr)), objective, x0, steps)
    clip = clip_by_global_norm(max_norm)
    name = "global-norm clipping"
    clipped = 0
    for t in range(1, steps + 1):
        grad = objective.grad(reference_run.params[t - 1])
        expected, _ = clip.update(grad, clip.init(grad))
        clipped += int(np.linalg.norm(grad) + 1e-6 > max_norm)
        given = grad.copy()
        try:
            got = clip_gradient(given, max_norm)
        except Exception as error:
            raise CheckFailed(f"{name}: step {t} raised {type(error).__name__}: {error}") from error
        if not np.array_equal(given, grad):
            raise CheckFailed(f"{name}: step {t} modified the gradient in place; return a new array "
                              "(grad * factor rather than grad *= factor).")
        if got is None:
            raise CheckFailed(f"{name}: step {t} returned None; return the clipped gradient")
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            raise CheckFailed(f"{name}: step {t} returned {got!r}, not an array of numbers") from None
        if got.shape != expected.shape:
            raise CheckFailed(f"{name}: step {t} returned shape {got.shape}; expected {expected.shape} "
                              "(the shape of the gradient: return the clipped gradient, not its norm "
                              "or the factor)")
        wrong = ~np.isclose(got, expected, rtol=1e-12, atol=1e-15)
        if wrong.any():
            i = tuple(int(k) for k in np.argwhere(wrong)[0])
            context = ClipContext(t, grad, float(max_norm), expected, got)
            found = [h(context) for h in CLIP_HINTS]
            hint = next((h for h in found if h), "compare with g · min(1, max_norm / (‖g‖ + 1e-6)), "
                        "factor by factor, at this step.")
            raise CheckFailed(
                f"{name}: step {t} of {steps} differs at coordinate {i}.\n"
                f"  expected clipped g_{t}{list(i)} = {float(expected[i]):.10g}\n"
                f"  got      clipped g_{t}{list(i)} = {float(got[i]):.10g}\n"
                f"  from g_{t} = {_format(grad)}, ‖g_{t}‖ = {context.norm:.6g}, max_norm={max_norm!r}\n"
                f"Hint: {hint}")
    return CheckPassed(f"✓ {name}: {steps} gradients ({clipped} of them clipped) agree with "
                       f"optlib.transforms.clip_by_global_norm(max_norm={max_norm!r}) to 1e-12.")


# --- the tuning rule of a learning-rate sweep (chapter "choosing") --------------------------------

#: The sweeps :func:`check_tuning_rule` presents, each built to expose one typical mistake:
#: (title, lrs, losses). Losses are validation losses, one row per learning rate, one column per seed.
TUNING_CASES = (
    ("a clear winner in the middle of the grid",
     [1e-3, 1e-2, 1e-1, 1.0],
     [[0.61, 0.60, 0.62, 0.61, 0.60], [0.40, 0.42, 0.41, 0.39, 0.40],
      [0.30, 0.31, 0.29, 0.30, 0.31], [0.52, 0.55, 0.50, 0.58, 0.51]]),
    ("one lucky seed at a noisy learning rate",
     [1e-2, 1e-1, 1.0],
     [[0.50, 0.51, 0.49, 0.50, 0.50], [0.35, 0.36, 0.34, 0.35, 0.36],
      [0.10, 0.90, 0.60, 0.70, 0.45]]),
    ("a seed that diverged (NaN) at the otherwise best learning rate",
     [1e-2, 1e-1, 1.0],
     [[0.50, 0.52, 0.51, 0.50, 0.49], [0.30, 0.31, 0.29, 0.30, 0.30],
      [0.20, 0.21, float("nan"), 0.19, 0.20]]),
    ("an infinite loss and a learning rate where every seed diverged",
     [1e-3, 1e-2, 1e-1, 1.0, 10.0],
     [[0.70, 0.69, 0.70, 0.71, 0.70], [0.45, 0.44, 0.46, 0.45, 0.45],
      [0.25, 0.26, 0.24, 0.25, 0.25], [0.05, float("inf"), 0.06, 0.05, 0.04],
      [float("nan")] * 5]),
    ("an exact tie between two learning rates",
     [0.01, 0.03, 0.1, 0.3],
     [[0.50, 0.50, 0.50, 0.50], [0.25, 0.5, 0.25, 0.5], [0.5, 0.25, 0.5, 0.25], [0.75, 0.75, 0.75, 0.75]]),
    ("an exact tie, with the learning rates in decreasing order",
     [1.0, 0.3, 0.1, 0.03],
     [[0.2, 0.9, 1.15], [0.25, 0.5, 0.75], [0.75, 0.5, 0.25], [0.625, 0.625, 0.625]]),
)


def _tuning_variants(lrs: np.ndarray, losses: np.ndarray) -> list:
    """(hint, lr) for the typical mistakes on one sweep without diverged rows chosen, in order."""
    eligible = np.isfinite(losses).all(axis=1)
    with np.errstate(invalid="ignore"):
        means = np.where(eligible, np.where(eligible[:, None], losses, 0.0).mean(axis=1), np.inf)
        best_seed = np.where(eligible, np.where(eligible[:, None], losses, np.inf).min(axis=1), np.inf)
    ties = np.flatnonzero(means == means.min())
    return [
        ("this is the learning rate of the single best run (the least loss over all seeds). One lucky "
         "seed is not evidence: compare the mean over seeds, losses.mean(axis=1).",
         lrs[int(np.argmin(best_seed))]),
        ("this learning rate has the largest mean loss: use the least (argmin, not argmax).",
         lrs[int(np.argmax(np.where(eligible, means, -np.inf)))]),
        ("two learning rates tie on the mean; ties go to the smaller learning rate, and the lrs may "
         "come in any order (take the minimum of lrs[means == means.min()]).", lrs[ties].max()),
        ("two learning rates tie on the mean; np.argmin returns the first in the order given, which "
         "here is not the smaller one. Take the minimum of lrs[means == means.min()].", lrs[ties[0]]),
    ]


#: The hint when the chosen learning rate has a diverged seed.
HINT_TUNING_DIVERGED = (
    "a seed diverged at this learning rate (its loss is NaN or infinite). Either the diverged runs "
    "were not ruled out (the mean of a row with a NaN is NaN, and np.argmin returns the position of a "
    "NaN when there is one), or only the seeds that did not diverge were averaged (np.nanmean), which "
    "rewards a learning rate that fails one time in five. Rule out every learning rate at which any "
    "seed's loss is not finite: np.isfinite(losses).all(axis=1).")


def check_tuning_rule(pick_learning_rate: Callable) -> CheckPassed:
    r"""Check ``pick_learning_rate(lrs, losses) -> lr``, the tuning rule of a sweep, against
    :func:`optlib.running.best_learning_rate`:

    .. math::
        \gamma^\star = \min\Bigl\{\gamma_i :\ \bar L_i = \min_{j \in E} \bar L_j\Bigr\}, \qquad
        \bar L_i = \frac1S \sum_{s=1}^{S} L_{is}, \qquad
        E = \{i : L_{is} \text{ finite for every } s\}.

    It presents the six sweeps of :data:`TUNING_CASES` in turn (the "steps"
    of the check), each built to expose one typical mistake, and compares the
    returned learning rate exactly. The hints recognise diverged runs kept
    (NaN means and ``np.argmin``), an average over the surviving seeds only
    (``np.nanmean``), the best single seed instead of the mean, ``argmax``
    for ``argmin``, ties broken towards the larger learning rate or by the
    order of ``lrs``, and the index returned instead of the learning rate.

    Args:
        pick_learning_rate: the function under test, ``(lrs, losses) -> float``;
            ``lrs`` has shape ``(n_lrs,)``, ``losses`` shape ``(n_lrs, n_seeds)``.
            It must not modify its arguments.

    Returns:
        a :class:`CheckPassed` that prints a one-line confirmation.

    Raises:
        CheckFailed: naming the sweep, the expected and obtained learning rates
            (and their coordinates in ``lrs``), the losses, and a hint.

    Example:
        >>> from optlib.running import best_learning_rate
        >>> check_tuning_rule(best_learning_rate)
        ✓ tuning rule: 6 sweeps agree with optlib.running.best_learning_rate (diverged runs ruled out, means over seeds, ties to the smaller learning rate).
        >>> check_tuning_rule(lambda lrs, losses: lrs[np.argmin(losses.mean(axis=1))])
        Traceback (most recent call last):
        ...
        optlib.checks.CheckFailed: tuning rule: step 3 of 6 (a seed that diverged (NaN) at the otherwise best learning rate) differs.
          expected lr = 0.1 (coordinate 1 of lrs)
          got      lr = 1 (coordinate 2 of lrs)
          lrs = [0.01, 0.1 , 1.  ]
          mean losses = [0.504, 0.3  ,   nan]
        Hint: a seed diverged at this learning rate ...
    """
    from .running import best_learning_rate

    name, total = "tuning rule", len(TUNING_CASES)
    for k, (title, lrs_list, losses_list) in enumerate(TUNING_CASES, start=1):
        lrs, losses = np.array(lrs_list, dtype=float), np.array(losses_list, dtype=float)
        expected = best_learning_rate(lrs, losses)
        where = f"step {k} of {total} ({title})"
        given_lrs, given_losses = lrs.copy(), losses.copy()
        try:
            got = pick_learning_rate(given_lrs, given_losses)
        except Exception as error:
            raise CheckFailed(f"{name}: {where} raised {type(error).__name__}: {error}") from error
        if not (np.array_equal(given_lrs, lrs) and np.array_equal(given_losses, losses, equal_nan=True)):
            raise CheckFailed(f"{name}: {where} modified lrs or losses in place; work on copies "
                              "(np.where(...) rather than losses[...] = ...).")
        if got is None:
            raise CheckFailed(f"{name}: {where} returned None; return the chosen learning rate")
        try:
            got_array = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            raise CheckFailed(f"{name}: {where} returned {got!r}, not a number; return the chosen "
                              "learning rate") from None
        i_expected = int(np.flatnonzero(lrs == expected)[0])
        with np.errstate(invalid="ignore"):
            means = losses.mean(axis=1)
        shown = (f"  lrs = {_format(lrs)}\n"
                 f"  mean losses = {np.array2string(means, precision=3, separator=', ')}\n")
        if got_array.shape != ():
            raise CheckFailed(
                f"{name}: {where} differs: got an array of shape {got_array.shape}, at coordinate (0,) "
                f"{_format(got_array.ravel()[:1])}.\n"
                f"  expected lr = {expected:.10g} (coordinate {i_expected} of lrs), one number\n"
                f"  got      an array of shape {got_array.shape}\n{shown}"
                "Hint: return one learning rate, lrs[i] for the chosen row i, not an array.")
        value = float(got_array)
        if value == expected:
            continue
        matches = np.flatnonzero(lrs == value)
        at = f" (coordinate {int(matches[0])} of lrs)" if matches.size else " (not one of lrs)"
        hint = None
        if matches.size and not np.isfinite(losses[matches]).all():
            hint = HINT_TUNING_DIVERGED
        if hint is None:
            hint = next((h for h, lr in _tuning_variants(lrs, losses) if lr != expected and lr == value), None)
        if hint is None and value == i_expected:
            hint = ("this is the position of the chosen learning rate in lrs; return the learning rate "
                    "itself, lrs[i].")
        if hint is None:
            hint = ("compute the mean loss of every learning rate over its seeds, rule out the learning "
                    "rates with a diverged seed, and return the smallest learning rate with the least mean.")
        raise CheckFailed(
            f"{name}: {where} differs.\n"
            f"  expected lr = {expected:.10g} (coordinate {i_expected} of lrs)\n"
            f"  got      lr = {value:.10g}{at}\n{shown}"
            f"Hint: {hint}")
    return CheckPassed(f"✓ {name}: {total} sweeps agree with optlib.running.best_learning_rate "
                       "(diverged runs ruled out, means over seeds, ties to the smaller learning rate).")
