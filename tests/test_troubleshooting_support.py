"""Support for the troubleshooting chapter: the clipping exercise's check."""

import numpy as np
import pytest

import optlib
from optlib.checks import CheckFailed, CheckPassed, check_clip_by_global_norm
from optlib.transforms import clip_by_global_norm


# --- correct implementations pass -----------------------------------------------------------

def correct(grad, max_norm):
    return grad * min(1.0, max_norm / (np.linalg.norm(grad) + 1e-6))


def with_branch(grad, max_norm):
    norm = np.sqrt(np.sum(grad ** 2))
    if norm + 1e-6 > max_norm:
        return grad * (max_norm / (norm + 1e-6))
    return grad.copy()


def torch_style(grad, max_norm):
    # clip_coef = max_norm / (total_norm + 1e-6), clamped to 1.0, then multiplied
    clip_coef = max_norm / (np.linalg.norm(grad) + 1e-6)
    return grad * np.clip(clip_coef, None, 1.0)


def via_optlib(grad, max_norm):
    t = clip_by_global_norm(max_norm)
    return t.update(grad, t.init(grad))[0]


@pytest.mark.parametrize("clip", [correct, with_branch, torch_style, via_optlib], ids=lambda f: f.__name__)
def test_accepts_correct_implementations(clip):
    result = check_clip_by_global_norm(clip)
    assert isinstance(result, CheckPassed)
    assert "12 gradients (4 of them clipped) agree" in repr(result)


@pytest.mark.parametrize("max_norm", [0.5, 1.0, 3.0, 10.0])
def test_accepts_other_thresholds(max_norm):
    assert isinstance(check_clip_by_global_norm(correct, max_norm=max_norm), CheckPassed)


def test_default_run_has_clipped_and_unclipped_gradients():
    f = optlib.landscapes.quadratic(np.diag([0.5, 1.0, 2.0]), minimum=np.array([1.0, -2.0, 0.5]))
    traj = optlib.run(optlib.chain(clip_by_global_norm(2.0), optlib.sgd(lr=0.3)), f,
                      np.array([3.0, 1.0, -1.5]), 12)
    norms = np.linalg.norm(f.grad(traj.params[:-1]), axis=-1)
    assert np.sum(norms > 2.0) == 4 and np.all(norms[:4] > 2.0) and np.all(norms[4:] < 2.0)


# --- typical mistakes, each with its own hint -----------------------------------------------

MISTAKES = {
    "per_coordinate": (lambda g, c: np.clip(g, -c, c), 1, "on its own (np.clip)"),
    "always_rescaled": (lambda g, c: g * c / (np.linalg.norm(g) + 1e-6), 5, "below max_norm"),
    "always_rescaled_no_eps": (lambda g, c: g * c / np.linalg.norm(g), 1, "1e-6 is missing"),
    "missing_eps": (lambda g, c: g * min(1.0, c / np.linalg.norm(g)), 1, "1e-6 is missing"),
    "not_clipped": (lambda g, c: g.copy(), 1, "passed unchanged"),
    "squared_norm": (lambda g, c: g * min(1.0, c / (g @ g + 1e-6)), 1, "norm is squared"),
    "one_norm": (lambda g, c: g * min(1.0, c / (np.abs(g).sum() + 1e-6)), 1, "(the 1-norm)"),
    "max_norm": (lambda g, c: g * min(1.0, c / (np.abs(g).max() + 1e-6)), 1, "(the max-norm)"),
    "inverted": (lambda g, c: g * (np.linalg.norm(g) + 1e-6) / c, 1, "upside down"),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_each_mistake_is_named(name):
    clip, step, hint = MISTAKES[name]
    with pytest.raises(CheckFailed) as failure:
        check_clip_by_global_norm(clip)
    message = str(failure.value)
    assert f"step {step} of 12" in message
    for part in ("coordinate", "expected", "got", "max_norm=2.0", "Hint:", hint):
        assert part in message, message


def test_in_place_modification_is_refused():
    def in_place(grad, max_norm):
        grad *= min(1.0, max_norm / (np.linalg.norm(grad) + 1e-6))
        return grad

    with pytest.raises(CheckFailed, match="step 1 modified the gradient in place"):
        check_clip_by_global_norm(in_place)


def test_scaffold_and_wrong_shapes_fail_at_step_1():
    with pytest.raises(CheckFailed, match="step 1 returned None"):
        check_clip_by_global_norm(lambda grad, max_norm: None)
    with pytest.raises(CheckFailed, match="step 1 returned shape"):
        check_clip_by_global_norm(lambda grad, max_norm: np.linalg.norm(grad))
    with pytest.raises(CheckFailed, match="step 1 raised ZeroDivisionError"):
        check_clip_by_global_norm(lambda grad, max_norm: 1 / 0)


def test_unknown_mistake_gets_the_generic_hint():
    with pytest.raises(CheckFailed, match="Hint: compare with g · min"):
        check_clip_by_global_norm(lambda g, c: 2 * g - correct(g, c))
