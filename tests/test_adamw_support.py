"""The AdamW exercise check (chapter "adamw"): it accepts every correct form of the step
and names each typical mistake with its own hint."""

import numpy as np
import pytest

import optlib
from optcases import side_by_side
from optlib.checks import ADAMW_HINTS, CheckFailed, CheckPassed, check_adamw_step


def step_with(*, l2=False, decay="lr", eps_place="after", bias_correction=True, exponent_shift=0,
              first_from_gradient=False, keep_state=True, count_stuck=False, decay_after=False,
              adam_sign=1.0):
    """An AdamW step, correct by default, with one typical mistake switched on."""
    def step(theta, grad, state, lr, betas, eps, weight_decay):
        beta1, beta2 = betas
        t, m, v = (0, np.zeros_like(theta), np.zeros_like(theta)) if state is None else state
        t += 1
        g = grad + weight_decay * theta if l2 else grad
        if first_from_gradient and t == 1:
            m, v = g.copy(), g * g
        else:
            m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g * g
        k = 1 if count_stuck else t + exponent_shift
        with np.errstate(divide="ignore", invalid="ignore"):
            m_hat, v_hat = (m / (1 - beta1 ** k), v / (1 - beta2 ** k)) if bias_correction else (m, v)
            if eps_place == "after":
                direction = m_hat / (np.sqrt(v_hat) + eps)
            elif eps_place == "inside":
                direction = m_hat / np.sqrt(v_hat + eps)
            else:                                   # Keras's ε̂, before the bias correction
                direction = m_hat * np.sqrt(1 - beta2 ** k) / (np.sqrt(v) + eps)
        wd = 0.0 if l2 else weight_decay
        factor = {"lr": lr, "none": 0.0, "without lr": 1.0, "lr twice": lr * lr}[decay]
        if decay_after:
            new = (theta - lr * direction) * (1 - lr * wd)
        else:
            new = theta - adam_sign * lr * direction - factor * wd * theta
        return new, ((t, m, v) if keep_state else None)
    return step


def pytorch_order(theta, grad, state, lr, betas, eps, weight_decay):
    """PyTorch's order: decay the parameters first, then take Adam's step."""
    beta1, beta2 = betas
    t, m, v = (0, 0.0, 0.0) if state is None else state
    t += 1
    theta = theta * (1 - lr * weight_decay)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    bias1, bias2 = 1 - beta1 ** t, 1 - beta2 ** t
    return theta - lr / bias1 * m / (np.sqrt(v) / np.sqrt(bias2) + eps), (t, m, v)


def optlib_chain(theta, grad, state, lr, betas, eps, weight_decay):
    """optlib's own AdamW as the student's step (the state is optlib's)."""
    opt = optlib.adamw(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
    state = opt.init(theta) if state is None else state
    updates, state = opt.update(grad, state, theta)
    return optlib.apply_updates(theta, updates), state


def dict_state(theta, grad, state, lr, betas, eps, weight_decay):
    """The state as a dictionary, the step count derived from the betas' powers."""
    beta1, beta2 = betas
    s = state or {"m": np.zeros_like(theta), "v": np.zeros_like(theta), "p1": 1.0, "p2": 1.0}
    s = {"m": beta1 * s["m"] + (1 - beta1) * grad, "v": beta2 * s["v"] + (1 - beta2) * grad * grad,
         "p1": s["p1"] * beta1, "p2": s["p2"] * beta2}
    m_hat, v_hat = s["m"] / (1 - s["p1"]), s["v"] / (1 - s["p2"])
    return theta - lr * (m_hat / (np.sqrt(v_hat) + eps) + weight_decay * theta), s


@pytest.mark.parametrize("step", [step_with(), pytorch_order, optlib_chain, dict_state])
def test_accepts_every_equivalent_form(step):
    result = check_adamw_step(step)
    assert isinstance(result, CheckPassed)
    assert "12 steps agree with optlib.adamw(lr=0.05, betas=(0.9, 0.999), eps=0.001, weight_decay=0.1)" \
        in repr(result)


def test_accepts_other_hyperparameters():
    assert isinstance(check_adamw_step(step_with(), lr=0.2, betas=(0.8, 0.99), eps=1e-8,
                                       weight_decay=0.5), CheckPassed)


def lr_twice(theta, grad, state, lr, betas, eps, weight_decay):
    new, state = step_with()(theta, grad, state, lr, betas, eps, weight_decay)
    return theta + lr * (new - theta), state


def in_place(theta, grad, state, lr, betas, eps, weight_decay):
    new, state = step_with()(theta, grad, state, lr, betas, eps, weight_decay)
    theta -= theta - new
    return theta, state


MISTAKES = {
    "L2 instead of decoupled": (step_with(l2=True), "step 1 of 12", "added to the gradient"),
    "the draft's decay": (step_with(decay="without lr"), "step 1 of 12", "the draft's formula"),
    "decay times lr twice": (step_with(decay="lr twice"), "step 1 of 12", "multiplies the decay twice"),
    "decay after the step": (step_with(decay_after=True), "step 1 of 12", "after the Adam step"),
    "no decay": (step_with(decay="none"), "step 1 of 12", "Adam's step without the decay"),
    "Adam step uphill": (step_with(adam_sign=-1.0), "step 1 of 12", "Adam step has the wrong sign"),
    "eps inside the root": (step_with(eps_place="inside"), "step 1 of 12", "ε is inside the square root"),
    "eps before the correction": (step_with(eps_place="before"), "step 1 of 12", "Keras's ε̂"),
    "no bias correction": (step_with(bias_correction=False), "step 1 of 12", "not bias-corrected"),
    "exponent t + 1": (step_with(exponent_shift=1), "step 1 of 12", "exponent t + 1"),
    "exponent t - 1": (step_with(exponent_shift=-1), "step 1 of 12", "not finite at the first step"),
    "moments from the first gradient": (step_with(first_from_gradient=True), "step 1 of 12",
                                        "moments start at m_1 = g_1"),
    "state lost": (step_with(keep_state=False), "step 2 of 12", "a first step again"),
    "count stuck at 1": (step_with(count_stuck=True), "step 2 of 12", "t = 1 at every step"),
    "lr twice": (lr_twice, "step 1 of 12", "applied twice"),
    "in place": (in_place, "step 1", "modified theta or grad in place"),
    "only theta": (lambda theta, grad, state, lr, betas, eps, weight_decay: theta, "step 1",
                   "return a pair"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_rejects_each_typical_mistake_with_its_hint(mistake):
    step, where, hint = MISTAKES[mistake]
    with pytest.raises(CheckFailed) as failure:
        check_adamw_step(step)
    assert where in str(failure.value)
    assert hint in str(failure.value)


def test_each_mistake_gets_its_own_hint():
    hints = {}
    for name, (step, _, _) in MISTAKES.items():
        with pytest.raises(CheckFailed) as failure:
            check_adamw_step(step)
        hints[name] = str(failure.value).split("Hint: ")[-1]
    hinted = [h for name, h in hints.items() if name not in ("in place", "only theta")]
    assert len(set(hinted)) == len(hinted)


def test_the_message_names_the_moments_not_a_buffer():
    with pytest.raises(CheckFailed) as failure:
        check_adamw_step(step_with(keep_state=False))
    message = str(failure.value)
    assert "[m_1, v_1] = " in message and "b_1" not in message


def test_the_hints_come_before_the_generic_ones():
    assert ADAMW_HINTS[-5:] == optlib.checks.GENERIC_HINTS


@pytest.mark.parametrize("kwargs", [dict(weight_decay=0.1), dict(weight_decay=0.3, amsgrad=True)])
def test_adamw_with_a_schedule_equals_torch_with_lambda_lr(kwargs):
    """Under a schedule the decay follows the learning rate, θ ← θ(1 − γ_t λ), as in torch."""
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    steps = 300
    schedule = lambda k: 0.05 * 0.5 * (1 + np.cos(np.pi * k / steps))      # cosine to 0
    A = np.diag([0.5, 2.0, 4.0])
    grad = lambda theta, t: A @ theta + np.sin(np.arange(1, 4) * (t + 1))
    ours, theirs = side_by_side(optlib.adamw(lr=schedule, **kwargs),
                                lambda params: torch.optim.AdamW(params, lr=1.0, **kwargs),
                                np.array([1.0, -2.0, 0.5]), grad, steps,
                                lambda reference: torch.optim.lr_scheduler.LambdaLR(reference, schedule))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
