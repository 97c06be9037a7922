"""Support for the Adam chapter: the exercise check (check_adam_step), its hints and adam_replay."""

import numpy as np
import pytest

import optlib
from optlib.checks import (ADAM_HINTS, AdamStepContext, CheckFailed, CheckPassed, adam_replay,
                           check_adam_step)


def make_step(*, eps_at="after", power_shift=0, correct=(True, True), root=True, first=("zero", "zero"),
              swap=False, restart=False, stuck=False, lr_factor=1.0, sign=1.0):
    """An Adam step written out by hand, with one mistake switched on."""
    def adam_step(theta, grad, state, lr, betas, eps):
        t, m, v = (0, np.zeros_like(theta), np.zeros_like(theta)) if (state is None or restart) else state
        beta1, beta2 = betas[::-1] if swap else betas
        t += 1
        m = grad.copy() if (t == 1 and first[0] == "grad") else \
            beta1 * m + (1.0 if first[0] == "sum" else 1 - beta1) * grad
        v = grad * grad if (t == 1 and first[1] == "grad") else \
            beta2 * v + (1.0 if first[1] == "sum" else 1 - beta2) * grad * grad
        power = (1 if stuck else t) + power_shift
        with np.errstate(divide="ignore", invalid="ignore"):
            m_hat = m / (1 - beta1 ** power) if correct[0] else m
            v_hat = v / (1 - beta2 ** power) if correct[1] else v
            size = np.sqrt(v_hat) if root else v_hat
            if eps_at == "inside":
                denominator = np.sqrt(v_hat + eps)
            elif eps_at == "before":
                denominator = np.sqrt(v) / np.sqrt(1 - beta2 ** power) + eps / np.sqrt(1 - beta2 ** power)
            elif eps_at == "none":
                denominator = size
            else:
                denominator = size + eps
            step = lr_factor * lr * m_hat / denominator
        return theta - sign * step, (t, m, v)
    return adam_step


def reference(theta, grad, state, lr, betas, eps):
    t, m, v = (0, 0.0, 0.0) if state is None else state
    (beta1, beta2), t = betas, t + 1
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), (t, m, v)


def efficient_form(theta, grad, state, lr, betas, eps):
    # Kingma & Ba's efficient form with ε̂ = ε·√(1 - β₂^t): algebraically the same step
    state = state or {"t": 0, "m": np.zeros_like(theta), "v": np.zeros_like(theta)}
    beta1, beta2 = betas
    t = state["t"] + 1
    m = state["m"] + (1 - beta1) * (grad - state["m"])          # Keras's lerp form of the average
    v = state["v"] + (1 - beta2) * (grad * grad - state["v"])
    alpha_t = lr * np.sqrt(1 - np.power(beta2, t)) / (1 - np.power(beta1, t))
    eps_hat = eps * np.sqrt(1 - np.power(beta2, t))
    return theta - alpha_t * m / (np.sqrt(v) + eps_hat), {"t": t, "m": m, "v": v}


def via_optlib(theta, grad, state, lr, betas, eps):
    opt = optlib.adam(lr=lr, betas=betas, eps=eps)
    state = opt.init(theta) if state is None else state
    updates, state = opt.update(grad, state, theta)
    return optlib.apply_updates(theta, updates), state


@pytest.mark.parametrize("step", [reference, make_step(), efficient_form, via_optlib],
                         ids=["reference", "replayed", "efficient_form", "via_optlib"])
def test_accepts_correct_implementations(step):
    result = check_adam_step(step)
    assert isinstance(result, CheckPassed)
    assert "12 steps agree with optlib.adam(lr=0.05, betas=(0.9, 0.999), eps=0.001)" in repr(result)


def test_accepts_other_hyperparameters():
    assert isinstance(check_adam_step(reference, lr=0.3, betas=(0.5, 0.99), eps=1e-8), CheckPassed)
    assert isinstance(check_adam_step(efficient_form, lr=0.01, betas=(0.0, 0.9), eps=0.1), CheckPassed)


MISTAKES = {
    "eps inside the root": (make_step(eps_at="inside"), "ε is inside the square root"),
    "eps before the correction": (make_step(eps_at="before"), "before the bias correction"),
    "no eps": (make_step(eps_at="none"), "ε is missing"),
    "no bias correction": (make_step(correct=(False, False)), "not bias-corrected"),
    "only m corrected": (make_step(correct=(True, False)), "only one moment is bias-corrected"),
    "only v corrected": (make_step(correct=(False, True)), "only one moment is bias-corrected"),
    "power t - 1": (make_step(power_shift=-1), "the first step is not finite"),
    "power t + 1": (make_step(power_shift=1), "the wrong power"),
    "m started at g": (make_step(first=("grad", "zero")), "the moving averages are not averages"),
    "both started at g": (make_step(first=("grad", "grad")), "the moving averages are not averages"),
    "sum instead of average": (make_step(first=("sum", "sum")), "the moving averages are not averages"),
    "no square root": (make_step(root=False), "the square root is missing"),
    "betas swapped": (make_step(swap=True), "β₁ and β₂ are swapped"),
    "state lost": (make_step(restart=True), "a first step again"),
    "count stuck at 1": (make_step(stuck=True), "t = 1 at every step"),
    "lr twice": (make_step(lr_factor=0.05), "the learning rate is applied twice"),
    "uphill": (make_step(sign=-1.0), "the wrong sign"),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_each_typical_mistake_gets_its_own_hint(name):
    step, hint = MISTAKES[name]
    with pytest.raises(CheckFailed) as failure:
        check_adam_step(step)
    message = str(failure.value)
    assert "Hint: " in message and hint in message, message
    others = [h for n, (_, h) in MISTAKES.items() if h != hint]
    assert not any(other in message for other in others), message


def test_message_names_step_coordinate_and_moments():
    with pytest.raises(CheckFailed) as failure:
        check_adam_step(make_step(swap=True))
    message = str(failure.value)
    assert message.startswith("Adam: step 2 of 12 differs at coordinate (0,).")
    assert "m_1 = " in message and "v_1 = " in message and "g_2 = " in message


def test_rejects_in_place_and_malformed_results():
    def in_place(theta, grad, state, lr, betas, eps):
        new, state = reference(theta, grad, state, lr, betas, eps)
        theta -= theta - new
        return theta, state

    with pytest.raises(CheckFailed, match="modified theta or grad in place"):
        check_adam_step(in_place)
    with pytest.raises(CheckFailed, match="return a pair"):
        check_adam_step(lambda theta, grad, state, lr, betas, eps: theta)


def test_replay_is_optlib_adam():
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(30, 4)) * np.array([1e-3, 1.0, 10.0, 1e3])
    opt = optlib.adam(lr=0.1, betas=(0.8, 0.99), eps=1e-4)
    theta, state = np.zeros(4), None
    state = opt.init(theta)
    for t in range(1, 31):
        updates, state = opt.update(grads[t - 1], state, theta)
        assert np.allclose(adam_replay(grads[:t], 0.1, (0.8, 0.99), 1e-4), updates, rtol=1e-12, atol=0)


def test_replay_variants_match_their_formulas():
    g = np.array([[2.0, -0.5]])
    b1, b2, eps, lr = 0.9, 0.999, 1e-3, 0.1
    m, v = (1 - b1) * g[0], (1 - b2) * g[0] ** 2
    m_hat, v_hat = m / (1 - b1), v / (1 - b2)
    cases = {
        "inside": -lr * m_hat / np.sqrt(v_hat + eps),
        "before": -lr * m_hat / (np.sqrt(v_hat) + eps / np.sqrt(1 - b2)),
        "none": -lr * m_hat / np.sqrt(v_hat),
    }
    for eps_at, expected in cases.items():
        assert np.allclose(adam_replay(g, lr, (b1, b2), eps, eps_at=eps_at), expected, rtol=1e-14)
    assert np.allclose(adam_replay(g, lr, (b1, b2), 0.0, correct=(False, False)),
                       -lr * (1 - b1) / np.sqrt(1 - b2) * np.sign(g[0]), rtol=1e-14)


def test_hints_stay_silent_on_the_reference_step():
    rng = np.random.default_rng(1)
    grads = rng.normal(size=(5, 3))
    h = {"lr": 0.05, "betas": (0.9, 0.999), "eps": 1e-3}
    theta = rng.normal(size=3)
    step = adam_replay(grads, **h)
    context = AdamStepContext(5, theta, grads[-1], h, theta + step, theta + step, grads=grads,
                              m_before=np.zeros(3), v_before=np.zeros(3))
    # the step counts as correct, so no hint may claim a mistake (the generic ones compare steps too)
    assert [hint(context) for hint in ADAM_HINTS[:12]] == [None] * 12
