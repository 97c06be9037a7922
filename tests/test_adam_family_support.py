"""Support for the Adam-family chapter: the Adamax exercise check and the identities the chapter uses."""

import numpy as np
import pytest

import optlib
from optlib.checks import (AdamaxStepContext, CheckFailed, CheckPassed, adamax_replay,
                           check_adamax_step)
from optlib.transforms import nadam_momentum, radam_rho


# ------------------------------------------------------------------ correct implementations pass

def tuple_state(theta, grad, state, lr, beta1, beta2, eps):
    t, m, u = (0, 0.0, 0.0) if state is None else state
    t, m = t + 1, beta1 * m + (1 - beta1) * grad
    u = np.maximum(beta2 * u, np.abs(grad) + eps)
    return theta - lr * m / ((1 - beta1 ** t) * u), (t, m, u)


def dict_state_torch_order(theta, grad, state, lr, beta1, beta2, eps):
    # PyTorch's order of operations: clr = lr / (1 - β₁^t), then θ - clr·m/u
    state = state or {"step": 0, "exp_avg": np.zeros_like(theta), "exp_inf": np.zeros_like(theta)}
    step = state["step"] + 1
    exp_avg = state["exp_avg"] + (1 - beta1) * (grad - state["exp_avg"])        # lerp
    exp_inf = np.fmax(state["exp_inf"] * beta2, np.abs(grad) + eps)
    clr = lr / (1 - beta1 ** step)
    return theta - clr * exp_avg / exp_inf, {"step": step, "exp_avg": exp_avg, "exp_inf": exp_inf}


def list_of_gradients(theta, grad, state, lr, beta1, beta2, eps):
    # keeps every gradient and recomputes the moments from scratch: slow but correct
    grads = [grad] if state is None else state + [grad]
    return theta + adamax_replay(np.array(grads), lr, beta1, beta2, eps), grads


def via_optlib(theta, grad, state, lr, beta1, beta2, eps):
    opt = optlib.adamax(lr=lr, betas=(beta1, beta2), eps=eps)
    state = opt.init(theta) if state is None else state
    updates, state = opt.update(grad, state, theta)
    return optlib.apply_updates(theta, updates), state


@pytest.mark.parametrize("step", [tuple_state, dict_state_torch_order, list_of_gradients, via_optlib],
                         ids=lambda f: f.__name__)
def test_accepts_correct_implementations(step):
    result = check_adamax_step(step)
    assert isinstance(result, CheckPassed)
    assert "12 steps agree with optlib.adamax(lr=0.05, betas=(0.9, 0.999), eps=0.001)" in repr(result)


@pytest.mark.parametrize("settings", [dict(lr=0.3), dict(beta1=0.5, beta2=0.9), dict(eps=1e-8),
                                      dict(eps=0.0, lr=0.01)])
def test_accepts_other_hyperparameters(settings):
    assert isinstance(check_adamax_step(tuple_state, **settings), CheckPassed)


def test_replay_default_is_optlib_adamax():
    f = optlib.landscapes.rosenbrock()
    traj = optlib.run(optlib.adamax(lr=0.02, eps=1e-4), f, f.start, 40)
    grads = f.grad(traj.params[:-1])
    for t in (1, 2, 17, 40):
        step = adamax_replay(grads[:t], 0.02, 0.9, 0.999, 1e-4)
        assert np.allclose(step, traj.params[t] - traj.params[t - 1], rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------ each typical mistake, its own hint

def replayed(**mistake):
    def step(theta, grad, state, lr, beta1, beta2, eps):
        grads = [grad] if state is None else state + [grad]
        return theta + adamax_replay(np.array(grads), lr, beta1, beta2, eps, **mistake), grads
    return step


def keras_form(theta, grad, state, lr, beta1, beta2, eps):
    t, m, u = (0, 0.0, 0.0) if state is None else state
    t, m = t + 1, beta1 * m + (1 - beta1) * grad
    u = np.maximum(beta2 * u, np.abs(grad))
    return theta - lr * m / ((1 - beta1 ** t) * (u + eps)), (t, m, u)


def count_after_use(theta, grad, state, lr, beta1, beta2, eps):
    # the counter is incremented after the correction: 1 - β₁^0 = 0 at the first step
    t, m, u = (0, 0.0, 0.0) if state is None else state
    m = beta1 * m + (1 - beta1) * grad
    u = np.maximum(beta2 * u, np.abs(grad) + eps)
    with np.errstate(divide="ignore"):
        new = theta - lr * m / ((1 - beta1 ** t) * u)
    return new, (t + 1, m, u)


def lr_twice(theta, grad, state, lr, beta1, beta2, eps):
    new, state = tuple_state(theta, grad, state, lr, beta1, beta2, eps)
    return theta + lr * (new - theta), state


def wrong_sign(theta, grad, state, lr, beta1, beta2, eps):
    new, state = tuple_state(theta, grad, state, lr, beta1, beta2, eps)
    return theta - (new - theta), state


MISTAKES = [
    (keras_form, "ε sits outside the max"),
    (replayed(eps_at="stored"), "ε sits outside the max"),
    (replayed(eps_at="none"), "ε is missing"),
    (replayed(correct_u=True), "u_t was divided by 1 - β₂^t"),
    (replayed(norm="adam"), "this is Adam's denominator"),
    (replayed(norm="signed"), "the max takes g_t instead of |g_t|"),
    (replayed(norm="undecayed"), "the old u is not decayed"),
    (replayed(swap_betas=True), "β₁ and β₂ are swapped"),
    (count_after_use, "the bias correction has the wrong power"),
    (replayed(correct_m="t+1"), "the bias correction has the wrong power"),
    (replayed(correct_m="none"), "m_t is not bias-corrected"),
    (replayed(m_start="grad"), "the first moment starts at m_1 = g_1"),
    (replayed(m_start="grad", correct_m="none"), "the first moment starts at m_1 = g_1"),
    (lr_twice, "the learning rate is applied twice"),
    (wrong_sign, "the step has the wrong sign"),
]


@pytest.mark.parametrize("step, hint", MISTAKES, ids=[f"{i}" for i in range(len(MISTAKES))])
def test_rejects_each_mistake_with_its_hint(step, hint):
    with pytest.raises(CheckFailed) as failure:
        check_adamax_step(step)
    message = str(failure.value)
    assert f"Hint: {hint}" in message
    assert "expected θ_" in message and "m_" in message and "u_" in message


def test_modifying_inputs_and_bad_returns_are_reported():
    def in_place(theta, grad, state, lr, beta1, beta2, eps):
        new, state = tuple_state(theta, grad, state, lr, beta1, beta2, eps)
        theta -= theta - new
        return theta, state

    with pytest.raises(CheckFailed, match="modified theta or grad in place"):
        check_adamax_step(in_place)
    with pytest.raises(CheckFailed, match="return a pair"):
        check_adamax_step(lambda theta, grad, state, lr, beta1, beta2, eps: theta)


def test_context_carries_the_gradient_history():
    c = AdamaxStepContext(2, np.zeros(2), np.ones(2), {"lr": 0.1}, np.zeros(2), np.zeros(2),
                          grads=np.ones((2, 2)), m_before=np.zeros(2), u_before=np.zeros(2))
    assert c.grads.shape == (2, 2)


# ------------------------------------------------------------------ identities the chapter states

def test_adamax_needs_no_bias_correction_for_a_constant_gradient():
    opt = optlib.transforms.scale_by_adamax(eps=0.0)
    state = opt.init(np.zeros(1))
    for _ in range(50):
        out, state = opt.update(np.array([-3.0]), state)
        assert state.u[0] == 3.0 and np.isclose(out[0], -1.0, rtol=1e-14)


def test_radam_switches_at_step_six_for_usual_beta2():
    for beta2 in (0.99, 0.999, 0.9999):
        rho = np.array([radam_rho(beta2, t)[0] for t in range(1, 20)])
        assert np.isclose(rho[0], 1.0, rtol=1e-9)
        assert int(np.argmax(rho > 5)) + 1 == 6 and int(np.argmax(rho > 4)) + 1 == 5


def test_nadam_schedule_limits():
    assert np.isclose(nadam_momentum(0.9, 4e-3, 1), 0.9 * (1 - 0.5 * 0.96 ** 0.004))
    assert np.isclose(nadam_momentum(0.9, 1e4, 1), 0.9, rtol=0, atol=1e-15)   # ψ → ∞: μ_t = β₁
