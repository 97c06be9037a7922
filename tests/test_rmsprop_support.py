"""The RMSprop exercise check (chapter "rmsprop"): it accepts every correct form of the
step and names each typical mistake with its own hint."""

import numpy as np
import pytest

from optlib.checks import CheckFailed, CheckPassed, check_rmsprop_step


def reference(theta, grad, state, lr, alpha, eps):
    v = np.zeros_like(theta) if state is None else state
    v = alpha * v + (1 - alpha) * grad ** 2
    return theta - lr * grad / (np.sqrt(v) + eps), v


def lerp_form(theta, grad, state, lr, alpha, eps):           # v ← v + (1 - α)(g² - v), as torch.lerp
    v = np.zeros_like(theta) if state is None else state
    v = v + (1 - alpha) * (grad * grad - v)
    return theta - lr * grad / (np.sqrt(v) + eps), v


def dict_state(theta, grad, state, lr, alpha, eps):
    state = {"square_avg": np.zeros_like(theta), "step": 0} if state is None else dict(state)
    state["square_avg"] = alpha * state["square_avg"] + (1 - alpha) * grad * grad
    state["step"] += 1
    return theta - lr * grad / (np.sqrt(state["square_avg"]) + eps), state


def rms_state(theta, grad, state, lr, alpha, eps):           # keeps the root mean square √v
    rms = np.zeros_like(theta) if state is None else state
    rms = np.sqrt(alpha * rms ** 2 + (1 - alpha) * grad ** 2)
    return theta - lr * grad / (rms + eps), rms


def effective_step_form(theta, grad, state, lr, alpha, eps):  # θ - (γ/(√v + ε))·g
    v = np.zeros_like(theta) if state is None else state
    v = alpha * v + (1 - alpha) * np.square(grad)
    step_size = lr / (np.sqrt(v) + eps)
    return theta - step_size * grad, v


@pytest.mark.parametrize("step", [reference, lerp_form, dict_state, rms_state, effective_step_form])
def test_accepts_every_equivalent_form(step):
    result = check_rmsprop_step(step)
    assert isinstance(result, CheckPassed)
    assert "12 steps agree with optlib.rmsprop(lr=0.01, alpha=0.9, eps=0.001)" in repr(result)


@pytest.mark.parametrize("settings", [dict(lr=0.1, alpha=0.99, eps=1e-8), dict(lr=0.003, alpha=0.5, eps=1e-2)])
def test_accepts_other_hyperparameters(settings):
    assert isinstance(check_rmsprop_step(reference, **settings), CheckPassed)


def variant(*, update=None, denominator=None, start=None, keep=True):
    """A step with one mistake: ``update(v, g, alpha, t)``, ``denominator(v_t, v_before, eps, alpha, t)``,
    the starting average ``start(g)``, or an average that is not carried over."""
    def step(theta, grad, state, lr, alpha, eps):
        if state is None:
            v, t = (np.zeros_like(theta) if start is None else start(grad)), 1
        else:
            v, t = state
            t += 1
            if not keep:
                v = np.zeros_like(theta)
        before = v
        v = update(v, grad, alpha, t) if update else alpha * v + (1 - alpha) * grad ** 2
        d = denominator(v, before, eps, alpha, t) if denominator else np.sqrt(v) + eps
        return theta - lr * grad / d, (v, t)
    return step


FIRST_STEP = "the first step has length lr in every coordinate"
MISTAKES = {
    "eps inside the root": (variant(denominator=lambda v, vb, eps, a, t: np.sqrt(v + eps)),
                            "ε is inside the square root", 1),
    "eps missing": (variant(denominator=lambda v, vb, eps, a, t: np.sqrt(v)), "ε is missing", 1),
    "bias correction": (variant(denominator=lambda v, vb, eps, a, t: np.sqrt(v / (1 - a ** t)) + eps),
                        FIRST_STEP, 1),
    "average started at g²": (variant(update=lambda v, g, a, t: g ** 2 if t == 1 else a * v + (1 - a) * g ** 2),
                              FIRST_STEP, 1),
    "factor 1 - alpha missing": (variant(update=lambda v, g, a, t: a * v + g ** 2), FIRST_STEP, 1),
    "Adagrad's sum": (variant(update=lambda v, g, a, t: v + g ** 2), FIRST_STEP, 1),
    "alpha swapped": (variant(update=lambda v, g, a, t: (1 - a) * v + a * g ** 2), "α and 1 - α are swapped", 1),
    "average started at one": (variant(start=np.ones_like), "the average starts at v_0 = 1", 1),
    "no root": (variant(denominator=lambda v, vb, eps, a, t: v + eps), "the square root is missing", 1),
    "old average": (variant(denominator=lambda v, vb, eps, a, t: np.sqrt(vb) + eps),
                    "the denominator uses v_(t-1)", 1),
    "state lost": (variant(keep=False), "this step is a first step again", 2),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_each_mistake_gets_its_own_hint(name):
    step, hint, at = MISTAKES[name]
    with pytest.raises(CheckFailed) as failure:
        check_rmsprop_step(step)
    message = str(failure.value)
    assert f"RMSprop: step {at} of 12 differs" in message
    assert "Hint: " + hint in message, message
    others = [h for _, h, _ in MISTAKES.values() if h != hint]
    assert not any(other in message for other in others)


def test_messages_name_the_average_v_not_a_momentum_buffer():
    with pytest.raises(CheckFailed) as failure:
        check_rmsprop_step(MISTAKES["eps inside the root"][0])
    message = str(failure.value)
    assert "v_0 = [0., 0., 0.]" in message and "b_0" not in message
    assert "expected θ_1[0] = " in message and "got      θ_1[0] = " in message


def lr_twice(theta, grad, state, lr, alpha, eps):
    new_theta, v = reference(theta, grad, state, lr, alpha, eps)
    return theta + lr * (new_theta - theta), v


def wrong_sign(theta, grad, state, lr, alpha, eps):
    new_theta, v = reference(theta, grad, state, lr, alpha, eps)
    return 2 * theta - new_theta, v


def in_place(theta, grad, state, lr, alpha, eps):
    new_theta, v = reference(theta, grad, state, lr, alpha, eps)
    theta -= theta - new_theta
    return theta, v


@pytest.mark.parametrize("step, hint", [(lr_twice, "the learning rate is applied twice"),
                                        (wrong_sign, "the step has the wrong sign"),
                                        (in_place, "modified theta or grad in place")])
def test_generic_mistakes(step, hint):
    with pytest.raises(CheckFailed, match=hint):
        check_rmsprop_step(step)


def test_an_error_in_the_student_code_is_reported_with_its_step():
    def broken(theta, grad, state, lr, alpha, eps):
        raise ZeroDivisionError("oops")
    with pytest.raises(CheckFailed, match="step 1 raised ZeroDivisionError: oops"):
        check_rmsprop_step(broken)
