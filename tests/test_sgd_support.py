"""Support for the chapter "sgd": the minibatch-step exercise check, which names each typical
mistake, and ``show_lines``, which quotes part of optlib's source."""

import numpy as np
import pytest

import optlib
from optlib import problems
from optlib.checks import CheckFailed, CheckPassed, check_sgd_minibatch_step
from optlib.notebook import show_lines


def correct(theta, X_batch, y_batch, lr):
    return theta - lr * X_batch.T @ (X_batch @ theta - y_batch) / X_batch.shape[0]


DIABETES2 = problems.diabetes_two_features()

MISTAKES = {
    "summed": (lambda theta, X, y, lr: theta - lr * X.T @ (X @ theta - y),
               "times too large: the per-example gradients were summed"),
    "divided by d": (lambda theta, X, y, lr: theta - lr * X.T @ (X @ theta - y) / X.shape[1],
                     "number of features d"),
    "divided by n": (lambda theta, X, y, lr: theta - lr * X.T @ (X @ theta - y) / DIABETES2.n,
                     "size of the whole data set"),
    "full gradient": (lambda theta, X, y, lr: theta - lr * DIABETES2.grad(theta),
                      "full gradient descent"),
    "sign": (lambda theta, X, y, lr: theta + lr * X.T @ (X @ theta - y) / len(y), "wrong sign"),
    "residual sign": (lambda theta, X, y, lr: theta - lr * X.T @ (y - X @ theta) / len(y), "wrong sign"),
    "lr missing": (lambda theta, X, y, lr: theta - X.T @ (X @ theta - y) / len(y), "learning rate is missing"),
    "returned the step": (lambda theta, X, y, lr: -lr * X.T @ (X @ theta - y) / len(y), "returned the step"),
}


def test_a_correct_step_passes_in_several_forms():
    def loop_form(theta, X_batch, y_batch, lr):
        grad = np.zeros_like(theta)
        for x, y in zip(X_batch, y_batch):
            grad = grad + x * (x @ theta - y)
        return theta - lr * grad / len(y_batch)

    for step in (correct, loop_form):
        result = check_sgd_minibatch_step(step)
        assert isinstance(result, CheckPassed)
        assert "12 steps agree" in repr(result)


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_each_typical_mistake_is_rejected_with_its_hint(mistake):
    step, hint = MISTAKES[mistake]
    with pytest.raises(CheckFailed) as failure:
        check_sgd_minibatch_step(step)
    message = str(failure.value)
    assert "step 1 of 12" in message
    assert hint in message.split("Hint:")[1], message


def test_the_hints_are_specific():
    """Each mistake's hint is the only minibatch hint that fires for it."""
    specific = {"summed": "summed", "divided by d": "number of features", "divided by n": "size of the whole data set",
                "full gradient": "full gradient descent"}
    for mistake, word in specific.items():
        with pytest.raises(CheckFailed) as failure:
            check_sgd_minibatch_step(MISTAKES[mistake][0])
        hint = str(failure.value).split("Hint:")[1]
        assert word in hint
        assert all(other not in hint for other in specific.values() if other != word)


def test_modifying_the_inputs_and_a_wrong_shape_are_reported():
    def in_place(theta, X_batch, y_batch, lr):
        theta -= lr * X_batch.T @ (X_batch @ theta - y_batch) / len(y_batch)
        return theta

    with pytest.raises(CheckFailed, match="modified its inputs"):
        check_sgd_minibatch_step(in_place)
    with pytest.raises(CheckFailed, match="returned shape"):
        check_sgd_minibatch_step(lambda theta, X, y, lr: correct(theta, X, y, lr)[None, :])
    with pytest.raises(CheckFailed, match="raised ZeroDivisionError"):
        check_sgd_minibatch_step(lambda theta, X, y, lr: 1 / 0)


def test_the_check_uses_the_reference_runs_minibatches():
    """The replayed minibatches are those of optlib.run with the same seed: a student step that
    draws its own minibatch would fail, and the correct step reproduces the run exactly."""
    run = optlib.run(optlib.sgd(lr=0.1), DIABETES2, DIABETES2.start, 12, batch_size=5, seed=0)
    batches = optlib.Minibatches(DIABETES2.n, 5, seed=0)
    theta = DIABETES2.start
    for t in range(1, 13):
        indices = batches.next()
        theta = correct(theta, DIABETES2.X[indices], DIABETES2.y[indices], 0.1)
        np.testing.assert_allclose(theta, run.params[t], rtol=1e-13, atol=1e-15)


def test_other_settings_and_problems():
    diabetes = problems.diabetes_regression()
    assert isinstance(check_sgd_minibatch_step(correct, lr=1e-3, batch_size=1, problem=diabetes, seed=3),
                      CheckPassed)
    with pytest.raises(CheckFailed, match="times too large"):
        check_sgd_minibatch_step(MISTAKES["summed"][0], batch_size=32, problem=diabetes)


def test_show_lines_quotes_spans_by_their_text():
    md = show_lines(optlib.run, ("if batch_size is None", "gradient = lambda"),
                    ("for t in range", "theta = apply_updates"))
    text = md.data
    assert text.startswith("```python\nif batch_size is None:")
    assert "\n...\n" in text
    assert "minibatches.next()" in text and text.rstrip().endswith("theta = apply_updates(theta, updates)\n```")
    assert "    updates, state = opt.update(gradient(theta), state, theta)" in text   # relative indent kept


def test_show_lines_fails_loudly_when_the_code_is_gone():
    with pytest.raises(ValueError, match="is not in the source"):
        show_lines(optlib.run, ("no such line", "theta"))
    with pytest.raises(ValueError, match="does not follow"):
        show_lines(optlib.run, ("for t in range", "no such line"))
