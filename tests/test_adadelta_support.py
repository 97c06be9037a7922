"""Support for the chapter "adadelta": the exercise check (it accepts every correct form of the
step and names each typical mistake with its own hint), the replay of mistaken variants, and
``landscapes.rescaled`` (the same landscape in other units)."""

import numpy as np
import pytest

import optlib
from optlib import landscapes
from optlib.analysis import numerical_gradient
from optlib.checks import (ADADELTA_HINTS, CheckFailed, CheckPassed, adadelta_replay,
                           check_adadelta_step)


# ------------------------------------------------------------------ the exercise check


def step_with(*, eps_at="inside", v_used="new", v_start="zero", correct_v=False, swap_rho=False,
              u_of="delta", keep_state=True, sign=1.0, lr_factor="once", returns="theta"):
    """An Adadelta step, correct by default, with one typical mistake switched on."""
    def step(theta, grad, state, lr, rho, eps):
        fresh = state is None or not keep_state
        t, v, u = (0, np.zeros_like(theta), np.zeros_like(theta)) if fresh else state
        t += 1
        old_weight, new_weight = (1 - rho, rho) if swap_rho else (rho, 1 - rho)
        v_previous = v
        v = grad ** 2 if (v_start == "grad" and t == 1) else old_weight * v + new_weight * grad ** 2
        v_used_now = v_previous if v_used == "old" else (v / (1 - rho ** t) if correct_v else v)
        with np.errstate(divide="ignore", invalid="ignore"):
            numerator = {"inside": np.sqrt(u + eps), "outside": np.sqrt(u) + eps,
                         "outside_denominator": np.sqrt(u + eps), "denominator_only": np.sqrt(u),
                         "numerator_only": np.sqrt(u + eps)}[eps_at]
            denominator = {"inside": np.sqrt(v_used_now + eps), "outside": np.sqrt(v_used_now) + eps,
                           "outside_denominator": np.sqrt(v_used_now) + eps,
                           "denominator_only": np.sqrt(v_used_now + eps),
                           "numerator_only": np.sqrt(v_used_now)}[eps_at]
            delta = numerator / denominator * grad
        term = {"delta": delta, "step": lr * delta, "grad": grad}[u_of]
        u = old_weight * u + new_weight * term ** 2
        factor = {"once": lr, "twice": lr * lr, "none": 1.0}[lr_factor]
        change = -sign * factor * delta
        return (change if returns == "step" else theta + change), (t, v, u)
    return step


def lagged_accumulator(theta, grad, state, lr, rho, eps):
    """A correct form: keep the previous Δ and fold it into u at the start of the next step."""
    v, u, previous = (np.zeros_like(theta),) * 3 if state is None else state
    u = rho * u + (1 - rho) * previous ** 2              # u_(t-1), one step late
    v = rho * v + (1 - rho) * grad ** 2
    delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
    return theta - lr * delta, (v, u, delta)


def one_root_dict_state(theta, grad, state, lr, rho, eps):
    """A correct form: one square root of the ratio, the state as a dictionary."""
    s = state or {"v": 0.0, "u": 0.0}
    v = rho * s["v"] + (1 - rho) * grad * grad
    delta = np.sqrt((s["u"] + eps) / (v + eps)) * grad
    return theta - lr * delta, {"v": v, "u": rho * s["u"] + (1 - rho) * delta * delta}


def optlib_chain(theta, grad, state, lr, rho, eps):
    """optlib's own Adadelta as the student's step (the state is optlib's)."""
    opt = optlib.adadelta(lr=lr, rho=rho, eps=eps)
    state = opt.init(theta) if state is None else state
    updates, state = opt.update(grad, state, theta)
    return optlib.apply_updates(theta, updates), state


@pytest.mark.parametrize("step", [step_with(), lagged_accumulator, one_root_dict_state, optlib_chain])
def test_accepts_every_equivalent_form(step):
    result = check_adadelta_step(step)
    assert isinstance(result, CheckPassed)
    assert "12 steps agree with optlib.adadelta(lr=0.5, rho=0.9, eps=0.0001)" in repr(result)


@pytest.mark.parametrize("lr, rho, eps", [(1.0, 0.95, 1e-6), (0.1, 0.5, 1e-2)])
def test_accepts_other_hyperparameters(lr, rho, eps):
    assert isinstance(check_adadelta_step(step_with(), lr=lr, rho=rho, eps=eps), CheckPassed)


MISTAKES = {
    "eps outside both roots": (step_with(eps_at="outside"), 1, "ε sits outside the roots"),
    "eps outside the denominator's root": (step_with(eps_at="outside_denominator"), 1,
                                           "as RMSprop and Adam write it"),
    "no eps in the numerator": (step_with(eps_at="denominator_only"), 1, "the numerator has no ε"),
    "no eps in the denominator": (step_with(eps_at="numerator_only"), 1, "the denominator has no ε"),
    "v updated after the step": (step_with(v_used="old"), 1, "the denominator uses v_(t-1)"),
    "v started at g²": (step_with(v_start="grad"), 1, "the first average is v_1 = g_1²"),
    "v bias-corrected": (step_with(correct_v=True), 1, "the first average is v_1 = g_1²"),
    "rho swapped": (step_with(swap_rho=True), 1, "ρ and 1 - ρ are swapped"),
    "lr inside u": (step_with(u_of="step"), 2, "u averages the squared step after the multiplier"),
    "u of gradients": (step_with(u_of="grad"), 2, "u averages the squared gradients"),
    "state not carried": (step_with(keep_state=False), 2, "this step is a first step again"),
    "lr twice": (step_with(lr_factor="twice"), 1, "the learning rate is applied twice"),
    "lr missing": (step_with(lr_factor="none"), 1, "the learning rate is missing"),
    "wrong sign": (step_with(sign=-1.0), 1, "the step has the wrong sign"),
    "returned the step": (step_with(returns="step"), 1, "you returned the step"),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_each_mistake_gets_its_own_hint(name):
    step, at, phrase = MISTAKES[name]
    with pytest.raises(CheckFailed) as failure:
        check_adadelta_step(step)
    message = str(failure.value)
    assert f"step {at} of 12 differs" in message
    assert "expected θ" in message and "got      θ" in message
    assert f"v_{at - 1} = " in message and f"u_{at - 1} = " in message
    assert phrase in message.split("Hint: ")[1], message
    if name == "v bias-corrected":
        assert "no bias correction" in message
    others = [p for n, (_, _, p) in MISTAKES.items() if n != name and p != phrase]
    assert not any(p in message for p in others), message


def test_hints_are_tried_before_the_generic_ones():
    from optlib.checks import hint_adadelta_no_eps_numerator, hint_unchanged
    hints = list(ADADELTA_HINTS)
    assert hints.index(hint_adadelta_no_eps_numerator) < hints.index(hint_unchanged)


def test_reports_crashes_in_place_changes_and_bad_returns():
    def crashes(theta, grad, state, lr, rho, eps):
        raise ZeroDivisionError("oops")

    def in_place(theta, grad, state, lr, rho, eps):
        theta -= lr * grad
        return theta, state

    def no_pair(theta, grad, state, lr, rho, eps):
        return theta

    for step, phrase in ((crashes, "raised ZeroDivisionError"), (in_place, "modified theta or grad"),
                         (no_pair, "return a pair")):
        with pytest.raises(CheckFailed, match=phrase):
            check_adadelta_step(step)


def test_replay_is_optlib_by_default():
    grads = np.random.default_rng(0).normal(size=(7, 4))
    opt = optlib.adadelta(lr=0.3, rho=0.8, eps=1e-3)
    theta = np.zeros(4)
    state = opt.init(theta)
    for g in grads:
        updates, state = opt.update(g, state, theta)
    assert np.allclose(adadelta_replay(grads, 0.3, 0.8, 1e-3), updates, rtol=1e-13, atol=0)


# ------------------------------------------------------------------ landscapes.rescaled


@pytest.mark.parametrize("make", [landscapes.gutter, landscapes.rosenbrock, landscapes.himmelblau])
@pytest.mark.parametrize("scale, loss_scale", [(10.0, 1.0), (0.25, 3.0)])
def test_rescaled_is_the_same_function_in_other_units(make, scale, loss_scale):
    f = make()
    g = landscapes.rescaled(f, scale=scale, loss_scale=loss_scale)
    x = np.random.default_rng(1).uniform(-2, 2, size=(5, 2))
    assert np.allclose(g.value(scale * x), loss_scale * f.value(x), rtol=1e-12)
    assert np.allclose(g.grad(scale * x), loss_scale / scale * f.grad(x), rtol=1e-12)
    assert np.allclose(g.hessian(scale * x), loss_scale / scale ** 2 * f.hessian(x), rtol=1e-12)
    assert np.allclose(g.grad(scale * x), numerical_gradient(g.value, scale * x, h=1e-6 * scale),
                       rtol=1e-5, atol=1e-8 * loss_scale / scale)
    assert np.allclose(g.minima, scale * f.minima) and np.allclose(g.start, scale * f.start)
    assert np.allclose(np.array(g.window), scale * np.array(f.window))
    assert np.isclose(g.min_value, loss_scale * f.min_value, atol=1e-12)


def test_rescaled_quadratic_keeps_its_eigenvalues():
    f = landscapes.gutter(condition_number=20)
    g = landscapes.rescaled(f, scale=10.0, loss_scale=2.0)
    assert isinstance(g, landscapes.Quadratic)
    assert np.allclose(g.eigenvalues, 2.0 / 100 * f.eigenvalues)
    assert np.isclose(g.condition_number, f.condition_number)


def test_rescaled_rejects_bad_scales():
    for bad in (0.0, -1.0, np.inf, np.nan):
        with pytest.raises(ValueError, match="positive"):
            landscapes.rescaled(landscapes.bowl(), scale=bad)
        with pytest.raises(ValueError, match="positive"):
            landscapes.rescaled(landscapes.bowl(), loss_scale=bad)


def test_sgd_on_a_rescaled_landscape_needs_a_rescaled_learning_rate():
    """The property the chapter builds on: with lr -> c² lr / a, gradient descent's iterates
    on a f(φ/c) from c θ_0 are c θ_t."""
    f, c, a = landscapes.rosenbrock(), 4.0, 0.5
    g = landscapes.rescaled(f, scale=c, loss_scale=a)
    base = optlib.run(optlib.sgd(lr=1e-3), f, f.start, 50).params
    other = optlib.run(optlib.sgd(lr=1e-3 * c ** 2 / a), g, g.start, 50).params
    assert np.allclose(other, c * base, rtol=1e-12, atol=0)
