"""Support for the chapter on choosing an optimizer: the seeded split, the gradient oracle, the
tuning rule and its exercise check, and the frame player."""

import numpy as np
import pytest

import optlib
from optlib import problems
from optlib.checks import TUNING_CASES, CheckFailed, check_tuning_rule
from optlib.running import best_learning_rate


# --- problems.split -----------------------------------------------------------------------------

def test_split_is_disjoint_complete_seeded_and_keeps_the_problem_kind():
    cancer = problems.breast_cancer_classification(l2=1e-3)
    train, validation, test = problems.split(cancer, seed=3)
    assert (train.n, validation.n, test.n) == (341, 114, 114)
    assert type(train) is type(cancer) and train.l2 == cancer.l2
    rows = np.concatenate([train.X, validation.X, test.X])
    # every example exactly once: the same multiset of rows as the original
    np.testing.assert_array_equal(np.sort(rows, axis=0), np.sort(cancer.X, axis=0))
    again = problems.split(cancer, seed=3)
    np.testing.assert_array_equal(again[0].X, train.X)
    assert not np.array_equal(problems.split(cancer, seed=4)[0].X, train.X)


def test_split_subsamples_and_works_on_the_perceptron():
    mlp = problems.digits_mlp(hidden=4)
    train, validation, test = problems.split(mlp, (0.5, 0.25, 0.25), seed=0, size=400)
    assert (train.n, validation.n, test.n) == (200, 100, 100)
    assert train.hidden == 4 and train.dim == mlp.dim
    theta = train.initial_params(seed=0)
    assert train.grad(theta).shape == (mlp.dim,) and 0 <= test.accuracy(theta) <= 1


@pytest.mark.parametrize("kwargs", [dict(fractions=(0.5, 0.5)), dict(fractions=(0.6, 0.3, 0.3)),
                                    dict(fractions=(1.0, 0.0, 0.0)), dict(size=2), dict(size=10_000)])
def test_split_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        problems.split(problems.breast_cancer_classification(), **kwargs)


# --- problems.GradientOracle --------------------------------------------------------------------

def test_gradient_oracle_runs_the_same_iterates_without_the_loss():
    train = problems.split(problems.breast_cancer_classification(l2=1e-3), seed=0)[0]
    x0 = np.zeros((3, train.dim))
    lr = np.array([[0.01], [0.1], [1.0]])
    full = optlib.run(optlib.adam(lr=lr), train, x0, 40, batch_size=16, seed=5)
    oracle = optlib.run(optlib.adam(lr=lr), problems.GradientOracle(train), x0, 40, batch_size=16, seed=5)
    np.testing.assert_array_equal(oracle.params, full.params)
    assert np.all(oracle.values == 0)
    np.testing.assert_allclose(train.value(oracle.params), full.values, rtol=1e-14)
    oracle_problem = problems.GradientOracle(train)
    assert oracle_problem.n == train.n and oracle_problem.dim == train.dim
    np.testing.assert_array_equal(oracle_problem.grad(x0), train.grad(x0))


def test_gradient_oracle_still_records_divergence():
    train = problems.digits_mlp(hidden=4)
    x0 = np.full(train.dim, 1e307)
    traj = optlib.run(optlib.sgd(lr=1e10), problems.GradientOracle(train), x0, 3, on_divergence="record")
    assert traj.diverged


# --- running.best_learning_rate and its check ---------------------------------------------------

def test_best_learning_rate_rules():
    assert best_learning_rate([0.1, 1.0], [[0.2, 0.4], [0.1, 0.2]]) == 1.0
    assert best_learning_rate([0.1, 1.0], [[0.2, 0.4], [0.1, np.inf]]) == 0.1       # diverged: out
    assert best_learning_rate([1.0, 0.1], [[0.25, 0.25], [0.5, 0.0]]) == 0.1         # tie: smaller
    assert best_learning_rate([0.1, 1.0], [[0.3, 0.9], [0.5, 0.5]]) == 1.0          # mean, not best seed
    with pytest.raises(ValueError, match="every learning rate"):
        best_learning_rate([0.1, 1.0], [[np.nan, 0.1], [0.2, np.inf]])
    with pytest.raises(ValueError, match="shape"):
        best_learning_rate([0.1, 1.0], [0.1, 0.2])


def reference(lrs, losses):
    eligible = np.isfinite(losses).all(axis=1)
    means = np.where(eligible, np.where(eligible[:, None], losses, 0).mean(axis=1), np.inf)
    return lrs[means == means.min()].min()


def test_the_check_accepts_correct_rules():
    assert "6 sweeps agree" in repr(check_tuning_rule(best_learning_rate))
    assert "6 sweeps agree" in repr(check_tuning_rule(reference))


MISTAKES = {
    "a seed diverged at this learning rate": lambda lrs, losses: lrs[np.argmin(losses.mean(axis=1))],
    "surviving": None,
    "single best run": lambda lrs, losses: lrs[np.argmin(np.where(np.isfinite(losses).all(axis=1),
                                                                 losses.min(axis=1), np.inf))],
    "largest mean loss": lambda lrs, losses: lrs[np.argmax(np.where(np.isfinite(losses).all(axis=1),
                                                                    losses.mean(axis=1), -np.inf))],
    "tie on the mean; ties go to the smaller": lambda lrs, losses: (lambda m: lrs[m == m.min()].max())(
        np.where(np.isfinite(losses).all(axis=1), losses.mean(axis=1), np.inf)),
    "tie on the mean": lambda lrs, losses: lrs[np.argmin(
        np.where(np.isfinite(losses).all(axis=1), losses.mean(axis=1), np.inf))],
    "position of the chosen": lambda lrs, losses: float(np.flatnonzero(lrs == reference(lrs, losses))[0]),
}


def survivors(lrs, losses):
    with np.errstate(invalid="ignore"):
        means = np.nanmean(np.where(np.isfinite(losses), losses, np.nan), axis=1)
    return lrs[np.nanargmin(means)]


MISTAKES["(np.nanmean)"] = survivors
del MISTAKES["surviving"]


@pytest.mark.parametrize("hint", list(MISTAKES))
def test_the_check_rejects_each_typical_mistake_with_its_hint(hint):
    with pytest.raises(CheckFailed) as failure:
        check_tuning_rule(MISTAKES[hint])
    message = str(failure.value)
    assert hint in message, message
    for part in ("step", "coordinate", "expected", "got", "Hint:"):
        assert part in message


def test_the_check_rejects_none_arrays_and_in_place_edits():
    with pytest.raises(CheckFailed, match="step 1 of 6.*returned None"):
        check_tuning_rule(lambda lrs, losses: None)
    with pytest.raises(CheckFailed, match="array of shape"):
        check_tuning_rule(lambda lrs, losses: 2 * lrs - reference(lrs, losses))

    def in_place(lrs, losses):
        losses[~np.isfinite(losses)] = np.inf
        return reference(lrs, losses)
    with pytest.raises(CheckFailed, match="modified"):
        check_tuning_rule(in_place)


def test_every_case_has_a_unique_answer_among_finite_rows():
    for _, lrs, losses in TUNING_CASES:
        assert best_learning_rate(lrs, losses) in lrs


# --- widgets.frame_player ------------------------------------------------------------------------

def test_frame_player_has_one_frame_per_figure_and_checks_labels():
    from optlib.plotting import new_figure
    from optlib.widgets import frame_player

    figures = []
    for k in range(3):
        fig, ax = new_figure()
        ax.plot([0, 1], [0, k])
        figures.append(fig)
    player = frame_player(figures, ["a", "b", "c"], name="k", alt="lines", player_id="test")
    assert player.data.count("data:image/png;base64,") == 4      # the first frame is shown twice
    assert 'id="player-test"' in player.data and '"c"' in player.data
    with pytest.raises(ValueError):
        frame_player([], [])


def test_frame_player_draws_a_redrawn_figure_once_per_frame():
    from optlib.plotting import new_figure
    from optlib.widgets import frame_player

    fig, ax = new_figure()
    (line,) = ax.plot([0, 1], [0, 0])

    def frames():
        for k in range(3):
            line.set_ydata([0, k])
            yield fig
    player = frame_player(frames(), ["0", "1", "2"], player_id="redrawn")
    start = player.data.index("var frames = ") + len("var frames = ")
    import json
    decoded = json.JSONDecoder().raw_decode(player.data[start:])[0]
    assert len(decoded) == 3 and len(set(decoded)) == 3        # three different pictures


def test_the_check_rejects_a_value_that_is_not_a_number():
    with pytest.raises(CheckFailed, match="not a number"):
        check_tuning_rule(lambda lrs, losses: "the best one")


# --- problems.digits_onehot_classification and BinaryLogisticRegression ---------------------------

def test_digits_onehot_is_binary_sparse_and_deterministic():
    problem = problems.digits_onehot_classification()
    X = problem.X
    assert isinstance(problem, problems.BinaryLogisticRegression)
    assert X.shape == (1797, 888) and problem.dim == 888
    assert set(np.unique(X).tolist()) == {0.0, 1.0}
    np.testing.assert_array_equal(X[:, -1], 1.0)                       # the intercept
    features = X[:, :-1]
    np.testing.assert_array_equal(features.sum(axis=1), 61.0)          # one indicator per informative pixel
    assert np.isclose(features.mean(), 61 / 887)                       # about 6.9% of the entries are ones
    frequency = features.mean(axis=0)
    assert np.all((frequency > 0) & (frequency < 1))                   # no constant column kept
    assert np.sum(features.sum(axis=0) < 10) == 106                    # many rare features
    from sklearn.datasets import load_digits
    digit = load_digits().target
    np.testing.assert_array_equal(problem.y, (digit % 2 == 0).astype(float))
    np.testing.assert_array_equal(problems.digits_onehot_classification(target="high").y,
                                  (digit >= 5).astype(float))
    again = problems.digits_onehot_classification()
    np.testing.assert_array_equal(again.X, X)
    with pytest.raises(ValueError):
        problems.digits_onehot_classification(target="odd")


def test_digits_onehot_gradient_matches_finite_differences():
    problem = problems.digits_onehot_classification(l2=1e-2)
    small = problems.split(problem, seed=0, size=60)[0]
    theta = np.random.default_rng(0).normal(scale=0.3, size=small.dim)
    numeric = optlib.analysis.numerical_gradient(small.value, theta, h=1e-6)
    np.testing.assert_allclose(small.grad(theta), numeric, rtol=0, atol=1e-8)


def test_binary_logistic_minibatch_grad_equals_the_dense_one():
    problem = problems.digits_onehot_classification(l2=1e-3)
    dense = problems.LogisticRegression(problem.X, problem.y, l2=problem.l2)
    rng = np.random.default_rng(1)
    theta = rng.normal(size=(4, problem.dim))
    indices = rng.integers(0, problem.n, size=(4, 16))
    np.testing.assert_allclose(problem.minibatch_grad(theta, indices),
                               dense.minibatch_grad(theta, indices), rtol=0, atol=1e-13)
    np.testing.assert_allclose(problem.minibatch_grad(theta[0], indices[0]),   # unbatched
                               dense.minibatch_grad(theta[0], indices[0]), rtol=0, atol=1e-13)
    np.testing.assert_allclose(problem.minibatch_grad(theta[0], indices),      # broadcast theta
                               dense.minibatch_grad(theta[0], indices), rtol=0, atol=1e-13)
    full = np.arange(problem.n)                                                 # all examples = grad
    np.testing.assert_allclose(problem.minibatch_grad(theta[0], full), problem.grad(theta[0]),
                               rtol=0, atol=1e-12)
    train = problems.split(problem, seed=0)[0]                                  # split keeps it fast
    assert isinstance(train, problems.BinaryLogisticRegression) and train.active.shape == (train.n, 62)


def test_binary_logistic_falls_back_on_rows_that_do_not_qualify():
    X = np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0], [0.5, 0.0, 1.0]])
    y = np.array([1.0, 0.0, 1.0])
    problem = problems.BinaryLogisticRegression(X, y, l2=0.1)
    assert problem.active is None
    theta = np.array([0.3, -0.2, 0.1])
    np.testing.assert_allclose(problem.minibatch_grad(theta, np.array([0, 2])),
                               problems.LogisticRegression(X, y, l2=0.1).minibatch_grad(theta, np.array([0, 2])))
