"""Support for the Adagrad chapter: the exercise check, and the sparse-feature problem."""

import numpy as np
import pytest

import optlib
from optlib import problems
from optlib.checks import CheckFailed, CheckPassed, check_adagrad_step


# --- check_adagrad_step: correct implementations pass ------------------------------------------

def correct(theta, grad, state, lr, initial_accumulator_value, eps):
    s = np.full_like(theta, initial_accumulator_value) if state is None else state
    s = s + grad * grad
    return theta - lr * grad / (np.sqrt(s) + eps), s


def root_as_state(theta, grad, state, lr, initial_accumulator_value, eps):
    # keeps √s_t instead of s_t: the same steps
    root = np.sqrt(np.full_like(theta, initial_accumulator_value)) if state is None else state
    root = np.sqrt(root ** 2 + grad ** 2)
    return theta - lr * grad / (root + eps), root


def history_as_state(theta, grad, state, lr, initial_accumulator_value, eps):
    # keeps every gradient and sums the squares each time: slow, but correct
    history = [] if state is None else state
    history = history + [grad.copy()]
    s = initial_accumulator_value + np.sum(np.square(history), axis=0)
    return theta - lr * (grad / (np.sqrt(s) + eps)), history


def dict_state(theta, grad, state, lr, initial_accumulator_value, eps):
    state = {"sum": np.full_like(theta, initial_accumulator_value)} if state is None else state
    total = state["sum"] + grad ** 2
    return theta - lr * grad / (np.sqrt(total) + eps), {"sum": total}


@pytest.mark.parametrize("step", [correct, root_as_state, history_as_state, dict_state],
                         ids=lambda f: f.__name__)
def test_accepts_correct_implementations(step):
    result = check_adagrad_step(step)
    assert isinstance(result, CheckPassed)
    assert "12 steps agree with optlib.adagrad(lr=0.1, initial_accumulator_value=0.1, eps=0.001)" in repr(result)


@pytest.mark.parametrize("settings", [dict(lr=0.5), dict(initial_accumulator_value=0.0, eps=1e-10),
                                      dict(initial_accumulator_value=2.0, eps=0.1)])
def test_accepts_other_hyperparameters(settings):
    assert isinstance(check_adagrad_step(correct, **settings), CheckPassed)


# --- typical mistakes, each with its own hint --------------------------------------------------

def _start(theta, state, s0):
    return np.full_like(theta, s0) if state is None else state


def eps_inside(theta, grad, state, lr, initial_accumulator_value, eps):
    s = _start(theta, state, initial_accumulator_value) + grad ** 2
    return theta - lr * grad / np.sqrt(s + eps), s


def no_eps(theta, grad, state, lr, initial_accumulator_value, eps):
    s = _start(theta, state, initial_accumulator_value) + grad ** 2
    return theta - lr * grad / np.sqrt(s), s


def started_at_zero(theta, grad, state, lr, initial_accumulator_value, eps):
    s = _start(theta, state, 0.0) + grad ** 2
    return theta - lr * grad / (np.sqrt(s) + eps), s


def started_at_keras_default(theta, grad, state, lr, initial_accumulator_value, eps):
    s = _start(theta, state, 0.1) + grad ** 2
    return theta - lr * grad / (np.sqrt(s) + eps), s


def old_sum(theta, grad, state, lr, initial_accumulator_value, eps):
    s = _start(theta, state, initial_accumulator_value)
    return theta - lr * grad / (np.sqrt(s) + eps), s + grad ** 2


def no_root(theta, grad, state, lr, initial_accumulator_value, eps):
    s = _start(theta, state, initial_accumulator_value) + grad ** 2
    return theta - lr * grad / (s + eps), s


def averaged(theta, grad, state, lr, initial_accumulator_value, eps):
    # keeps (count, sum) and divides the sum by the count: RMSprop-like, not Adagrad
    count, s = (0, np.full_like(theta, initial_accumulator_value)) if state is None else state
    count, s = count + 1, s + grad ** 2
    return theta - lr * grad / (np.sqrt(s / count) + eps), (count, s)


def state_lost(theta, grad, state, lr, initial_accumulator_value, eps):
    s = np.full_like(theta, initial_accumulator_value) + grad ** 2
    return theta - lr * grad / (np.sqrt(s) + eps), None


def uphill(theta, grad, state, lr, initial_accumulator_value, eps):
    new, s = correct(theta, grad, state, lr, initial_accumulator_value, eps)
    return 2 * theta - new, s


def lr_twice(theta, grad, state, lr, initial_accumulator_value, eps):
    s = _start(theta, state, initial_accumulator_value) + grad ** 2
    return theta - lr * lr * grad / (np.sqrt(s) + eps), s


def lr_missing(theta, grad, state, lr, initial_accumulator_value, eps):
    s = _start(theta, state, initial_accumulator_value) + grad ** 2
    return theta - grad / (np.sqrt(s) + eps), s


def in_place(theta, grad, state, lr, initial_accumulator_value, eps):
    s = _start(theta, state, initial_accumulator_value) + grad ** 2
    theta -= lr * grad / (np.sqrt(s) + eps)
    return theta, s


MISTAKES = {
    "eps inside": (eps_inside, r"ε is inside the square root"),
    "no eps": (no_eps, "ε is missing"),
    "started at zero": (started_at_zero, "started at 0: start it at initial_accumulator_value"),
    "old sum": (old_sum, r"uses s_\(t-1\)"),
    "no root": (no_root, "square root is missing"),
    "averaged": (averaged, "averaged"),
    "state lost": (state_lost, "not carried over"),
    "uphill": (uphill, "wrong sign"),
    "lr twice": (lr_twice, "step is lr times too small"),
    "lr missing": (lr_missing, "learning rate is missing"),
    "in place": (in_place, "modified theta or grad in place"),
    "not a pair": (lambda theta, grad, state, lr, initial_accumulator_value, eps: theta, "return a pair"),
    "wrong shape": (lambda theta, grad, state, lr, initial_accumulator_value, eps: (theta[:2], None),
                    r"shape \(2,\)"),
    "raises": (lambda theta, grad, state, lr, initial_accumulator_value, eps: (theta - grad["x"], None),
               "raised IndexError"),
    "unrecognised": (lambda theta, grad, state, lr, initial_accumulator_value, eps:
                     (correct(theta, grad, state, lr, initial_accumulator_value, eps)[0] * 1.01, None),
                     "compare your formula"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_rejects_typical_mistakes_with_the_right_hint(mistake):
    step, message = MISTAKES[mistake]
    with pytest.raises(CheckFailed, match=message):
        check_adagrad_step(step)


def test_keras_start_is_named_when_s0_differs():
    with pytest.raises(CheckFailed, match=r"started at 0.1 \(Keras's and Optax's default\)"):
        check_adagrad_step(started_at_keras_default, initial_accumulator_value=0.0, eps=1e-3)


def test_state_lost_is_caught_at_step_two_with_the_sum_shown():
    with pytest.raises(CheckFailed) as failure:
        check_adagrad_step(state_lost)
    text = str(failure.value)
    assert "step 2 of 12" in text and "s_1 = [ 1.1,  9.1, 16.1]" in text and "b_1" not in text


def test_first_step_shows_the_initial_sum_not_zeros():
    with pytest.raises(CheckFailed) as failure:
        check_adagrad_step(eps_inside)
    text = str(failure.value)
    assert "step 1 of 12" in text and "s_0 = [0.1, 0.1, 0.1]" in text


def test_hints_are_distinct():
    hints = {}
    for name, (step, _) in MISTAKES.items():
        with pytest.raises(CheckFailed) as failure:
            check_adagrad_step(step)
        hints[name] = str(failure.value).split("Hint: ")[-1]
    adagrad_specific = ["eps inside", "no eps", "started at zero", "old sum", "no root", "averaged",
                        "state lost"]
    assert len({hints[name] for name in adagrad_specific}) == len(adagrad_specific)


# --- the sparse-feature problem ----------------------------------------------------------------

def test_zipf_frequencies():
    assert np.allclose(problems.zipf_frequencies(4), [0.5, 0.25, 0.5 / 3, 0.125])
    assert np.allclose(problems.zipf_frequencies(3, max_frequency=0.2, exponent=0.0), 0.2)
    assert np.allclose(problems.zipf_frequencies(3, exponent=2.0), 0.5 / np.array([1, 4, 9]))
    for bad in (dict(d=0), dict(d=3, max_frequency=0.0), dict(d=3, max_frequency=1.5),
                dict(d=3, exponent=-1.0), dict(d=2.5)):
        with pytest.raises(ValueError):
            problems.zipf_frequencies(**bad)


def test_sparse_classification_data():
    problem = problems.sparse_classification(n=4000, d=20, seed=3)
    assert problem.X.shape == (4000, 21) and problem.dim == 21
    assert set(np.unique(problem.X)) == {0.0, 1.0} and np.all(problem.X[:, -1] == 1.0)
    assert set(np.unique(problem.y)) == {0.0, 1.0}
    frequency = problem.X[:, :-1].mean(axis=0)
    expected = problems.zipf_frequencies(20)
    standard_error = np.sqrt(expected * (1 - expected) / 4000)
    assert np.all(np.abs(frequency - expected) < 5 * standard_error)
    assert problem.l2 == 1e-3 and "sparse" in problem.name


def test_sparse_classification_is_seeded_and_dense_variant():
    a = problems.sparse_classification(n=300, d=10, seed=1)
    b = problems.sparse_classification(n=300, d=10, seed=1)
    c = problems.sparse_classification(n=300, d=10, seed=2)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)
    dense = problems.sparse_classification(n=2000, d=10, exponent=0.0, seed=0)
    assert "dense" in dense.name
    assert np.all(np.abs(dense.X[:, :-1].mean(axis=0) - 0.5) < 0.05)


def test_sparse_classification_labels_follow_the_logistic_model():
    # with many examples, the fitted weights approach the true ones for frequent features
    problem = problems.sparse_classification(n=20_000, d=5, max_frequency=0.5, exponent=0.5,
                                             weight_scale=1.0, l2=1e-6, seed=0)
    rng = np.random.default_rng(0)
    rng.random((20_000, 5))                                   # the features were drawn first
    true_w = rng.normal(scale=1.0, size=5)
    assert np.allclose(problem.solution[:-1], true_w, atol=0.15)


def test_curvature_of_a_feature_is_at_most_its_frequency_over_four():
    problem = problems.sparse_classification(n=500, d=30, seed=0)
    frequency = problem.X[:, :-1].mean(axis=0)
    for theta in (np.zeros(problem.dim), problem.solution,
                  np.random.default_rng(0).normal(size=problem.dim)):
        assert np.all(np.diag(problem.hessian(theta))[:-1] <= frequency / 4 + problem.l2 + 1e-15)


def test_adagrad_beats_sgd_per_coordinate_on_sparse_full_batch():
    # full batch, each at a reasonable step: Adagrad's rare-feature weights get much further
    problem = problems.sparse_classification(seed=0)
    frequency = problem.X[:, :-1].mean(axis=0)
    theta_star = problem.solution
    gd = optlib.run(optlib.sgd(lr=1 / problem.L), problem, np.zeros(problem.dim), 100)
    ada = optlib.run(optlib.adagrad(lr=0.3), problem, np.zeros(problem.dim), 100)
    rare = frequency < 0.02
    left = lambda run: np.median((np.abs(run.final - theta_star) / np.abs(theta_star))[:-1][rare])
    assert left(ada) < 0.2 * left(gd)
