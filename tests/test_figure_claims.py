"""The claims the canonical figures make hold for the numbers they draw.

Each test calls the same functions of :mod:`optlib.figures` that the figure
functions call (the runs, the effective step sizes, the learning-rate sweeps,
the limits), with the figures' default parameters, and checks what the
figure's docstring and alt text say about them.
"""

import inspect

import numpy as np
import pytest

import optlib
from optlib import analysis, figures, landscapes


def defaults(function) -> dict:
    """The default arguments of a figure function, so that the tests check the drawn figure."""
    return {name: p.default for name, p in inspect.signature(function).parameters.items()
            if p.default is not inspect.Parameter.empty}


# --- sgd_noise ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def noise():
    problem, by_label = figures.sgd_noise_runs()
    small, large, decaying = (figures.mean_gap(problem, traj) for traj in by_label.values())
    distances = [np.linalg.norm(traj.params - problem.solution, axis=-1).mean(axis=-1)
                 for traj in by_label.values()]
    return problem, by_label, (small, large, decaying), distances


def test_sgd_noise_runs_match_the_figure_parameters(noise):
    problem, by_label, gaps, _ = noise
    kw = defaults(figures.sgd_noise)
    assert kw == defaults(figures.sgd_noise_runs)
    assert len(by_label) == 3
    steps = kw["epochs"] * (problem.n // kw["batch_size"])
    for traj in by_label.values():
        assert traj.params.shape == (steps + 1, kw["runs"], 2)
        assert not traj.diverged.any()


def test_the_constant_step_noise_ball_grows_with_the_step(noise):
    _, _, (small, large, _), (d_small, d_large, _) = noise
    half = len(small) // 2
    assert large[half:].mean() > 5 * small[half:].mean()           # loss: about 13 times
    assert d_large[half:].mean() > 2 * d_small[half:].mean()       # distance: about 3.5 times


def test_constant_steps_level_off(noise):
    _, _, (small, large, _), _ = noise
    n = len(small)
    for gap in (small, large):
        third, fourth = gap[n // 2:3 * n // 4].mean(), gap[3 * n // 4:].mean()
        assert 0.8 < fourth / third < 1.25


def test_the_decaying_step_ends_closer_and_keeps_falling_like_one_over_t(noise):
    _, _, (small, large, decaying), (d_small, _, d_decaying) = noise
    n = len(small)
    assert decaying[-1] < 0.2 * small[n // 2:].mean()              # below the small noise ball
    assert d_decaying[-1] < 0.5 * d_small[n // 2:].mean()
    assert decaying[3 * n // 4:].mean() < 0.85 * decaying[n // 2:3 * n // 4].mean()
    t = np.arange(100, n)
    slope = np.polyfit(np.log(t), np.log(decaying[100:]), 1)[0]
    assert abs(slope + 1) < 0.25                                   # the dashed 1/t line


# --- momentum_gutter ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gutter_runs():
    kw = defaults(figures.momentum_gutter)
    tolerance = kw.pop("tolerance")
    return kw, tolerance, *figures.momentum_gutter_runs(**kw)


def test_momentum_reaches_the_tolerance_in_far_fewer_steps(gutter_runs):
    _, tolerance, f, runs = gutter_runs
    gd = figures.first_step_below(runs["gd"], f.min_value, tolerance)
    momentum = figures.first_step_below(runs["momentum"], f.min_value, tolerance)
    assert gd > 0 and momentum > 0
    assert (gd, momentum) == (144, 44)                              # the numbers in the figure
    assert 3 * momentum < gd


def test_first_step_below_is_the_first_crossing(gutter_runs):
    _, tolerance, f, runs = gutter_runs
    gap = runs["gd"].values - f.min_value
    k = figures.first_step_below(runs["gd"], f.min_value, tolerance)
    assert gap[k] <= tolerance * gap[0] < gap[k - 1]


def test_gradient_descent_zigzags_and_momentum_damps_it(gutter_runs):
    kw, _, f, runs = gutter_runs
    across = {key: traj.params[:, 1] for key, traj in runs.items()}   # the steep direction
    signs = np.sign(across["gd"][:60])
    assert np.all(signs[1:] == -signs[:-1])                        # a zig-zag at every step
    assert np.abs(across["momentum"][20:41]).max() < 0.05 * np.abs(across["gd"][20:41]).max()
    # across the valley: |1 - ηL| for gradient descent, a smaller spectral radius for momentum
    steep = float(analysis.momentum_rate(kw["lr"], kw["momentum"], [f.L]))
    assert steep < 0.85 * abs(1 - kw["lr"] * f.L)


def test_the_legend_rates_are_the_measured_ones(gutter_runs):
    kw, _, f, runs = gutter_runs
    predicted = {"gd": analysis.gd_rate(kw["lr"], f.eigenvalues),
                 "momentum": analysis.momentum_rate(kw["lr"], kw["momentum"], f.eigenvalues)}
    for key, traj in runs.items():
        measured = analysis.measured_rate(f.distance_to_minimum(traj.params))
        assert abs(measured - predicted[key]) < 0.005
    assert kw["lr"] < 2 / f.L                                       # gradient descent converges


# --- adagrad_steps ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def adagrad_runs():
    kw = defaults(figures.adagrad_steps)
    f = figures.scaled_bowl(kw["curvatures"], kw["start"])
    runs = {"gd": optlib.run(optlib.sgd(lr=kw["gd_lr"]), f, f.start, kw["steps"]),
            "adagrad": optlib.run(optlib.adagrad(lr=kw["lr"]), f, f.start, kw["steps"])}
    return kw, f, runs, figures.adagrad_effective_steps(f, runs["adagrad"], kw["lr"])


def test_adagrad_effective_steps_are_the_steps_it_takes(adagrad_runs):
    _, f, runs, effective = adagrad_runs
    params = runs["adagrad"].params
    assert np.allclose(np.diff(params, axis=0), -effective * f.grad(params[:-1]), rtol=1e-12, atol=1e-15)


def test_adagrad_effective_steps_decrease_monotonically(adagrad_runs):
    _, _, _, effective = adagrad_runs
    assert np.all(np.diff(effective, axis=0) <= 0)
    t = np.arange(1, len(effective) + 1)[:, None]
    # never below the 1/sqrt(t) line (the gradients here only shrink), frozen at the end
    assert np.all(effective >= effective[0] / np.sqrt(t) * (1 - 1e-12))
    assert np.all(effective[-1] / effective[-50] > 0.999)


def test_adagrad_gives_the_steep_coordinate_a_smaller_step(adagrad_runs):
    kw, _, _, effective = adagrad_runs
    ratio = effective[:, 0] / effective[:, 1]
    assert np.all((60 < ratio) & (ratio < 90))                      # "70 to 80 times"
    assert kw["gd_lr"] == pytest.approx(1 / max(kw["curvatures"]))  # gradient descent at 1/L


def test_adagrad_equalises_progress_and_gradient_descent_does_not(adagrad_runs):
    _, f, runs, _ = adagrad_runs
    relative = {key: np.abs(traj.final - f.minima[0]) / np.abs(f.start - f.minima[0])
                for key, traj in runs.items()}
    assert relative["gd"][1] < 1e-12 and relative["gd"][0] > 0.2     # steep done, flat crawling
    assert np.all(relative["adagrad"] < 1e-3)                        # both coordinates far along


# --- rmsprop_vs_adagrad -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def rosenbrock_runs():
    kw = defaults(figures.rmsprop_vs_adagrad)
    f, runs = figures.rmsprop_vs_adagrad_runs(**kw)
    effective = {"adagrad": figures.adagrad_effective_steps(f, runs["adagrad"], kw["lr"]),
                 "rmsprop": figures.rmsprop_effective_steps(f, runs["rmsprop"], kw["lr"], kw["alpha"])}
    return kw, f, runs, effective


def test_effective_steps_reproduce_both_runs(rosenbrock_runs):
    _, f, runs, effective = rosenbrock_runs
    for key, traj in runs.items():
        step = np.diff(traj.params, axis=0)
        assert np.allclose(step, -effective[key] * f.grad(traj.params[:-1]), rtol=1e-9, atol=1e-15)


def test_rmsprop_ends_far_lower_than_adagrad(rosenbrock_runs):
    _, f, runs, _ = rosenbrock_runs
    adagrad_gap = runs["adagrad"].values[-1] - f.min_value
    rmsprop_gap = runs["rmsprop"].values[-1] - f.min_value
    assert rmsprop_gap < 0.01 * adagrad_gap
    assert adagrad_gap > 5 and rmsprop_gap < 0.03                  # the numbers in the alt text
    assert np.linalg.norm(runs["adagrad"].final - f.start) < 0.5   # Adagrad barely moves
    assert np.linalg.norm(runs["rmsprop"].final - f.minima[0]) < 0.1


def test_adagrad_steps_cannot_grow_and_rmsprop_steps_do(rosenbrock_runs):
    _, _, _, effective = rosenbrock_runs
    assert np.all(np.diff(effective["adagrad"], axis=0) <= 0)
    assert np.all(effective["rmsprop"].max(axis=0) > 5 * effective["rmsprop"][0])
    assert np.all(effective["rmsprop"][-1] > 20 * effective["adagrad"][-1])


# --- learning-rate sweeps: adam_family and optimizer_race --------------------------------------

def test_the_sweep_row_is_the_run_at_that_learning_rate():
    f = landscapes.rosenbrock()
    lrs = np.geomspace(1e-4, 1e-1, 7)
    index, lr, scores, traj = figures.best_lr(lambda lr: optlib.adam(lr=lr), f, f.start, 200, lrs)
    single = optlib.run(optlib.adam(lr=lr), f, f.start, 200)
    assert np.array_equal(traj.params, single.params)
    assert index == int(np.argmin(scores)) and scores[index] == pytest.approx(
        np.max(single.values[-20:] - f.min_value))


def test_a_diverged_run_never_wins_a_sweep():
    f = landscapes.rosenbrock()
    scores, traj = figures.lr_sweep(lambda lr: optlib.sgd(lr=lr), f, f.start, 50, [1e-4, 1e-3, 1.0])
    assert traj.diverged[-1] and scores[-1] == np.inf and np.isfinite(scores[:2]).all()


@pytest.fixture(scope="module")
def family():
    kw = defaults(figures.adam_family)
    f = getattr(landscapes, kw["landscape"])()
    tuned = figures.tuned_runs(figures.family_optimizers(kw["momentum"]), f, kw["steps"],
                               kw["lr_range"], kw["grid_points"])
    return kw, f, tuned


@pytest.fixture(scope="module")
def race():
    kw = defaults(figures.optimizer_race)
    f = getattr(landscapes, kw["landscape"])()
    tuned = figures.tuned_runs(figures.race_optimizers(), f, kw["steps"], kw["lr_range"], kw["grid_points"])
    return kw, f, tuned


@pytest.mark.parametrize("which", ["family", "race"])
def test_every_tuned_learning_rate_is_inside_its_grid(which, request):
    kw, _, tuned = request.getfixturevalue(which)
    for key, (index, lr, scores, traj) in tuned.items():
        assert 0 < index < kw["grid_points"] - 1, f"{key}: lr {lr:g} at the edge of the grid"
        assert np.isfinite(scores[index]) and not traj.diverged


def test_the_race_has_every_optimizer_of_the_book(race):
    _, _, tuned = race
    assert set(tuned) == {"gd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam",
                          "adamw", "nadam", "radam", "adamax"}
    assert set(tuned) <= set(optlib.plotting.OPTIMIZER_COLORS)


def test_the_race_ends_as_the_alt_text_says(race):
    _, f, tuned = race
    final = {key: entry[3].values[-1] - f.min_value for key, entry in tuned.items()}
    ranking = sorted(final, key=final.get)
    assert ranking[:3] == ["adam", "momentum", "nesterov"] and ranking[-1] == "radam"
    assert final["adam"] < 1e-13 and set(ranking[3:6]) == {"adamax", "adamw", "nadam"}
    assert all(0.002 < final[key] < 0.01 for key in ("adamax", "adamw", "nadam"))
    assert all(0.04 < final[key] < 0.3 for key in ("adagrad", "rmsprop", "gd", "adadelta"))


def test_the_adam_family_run_shows_a_lead_change(family):
    _, f, tuned = family
    gap = {key: entry[3].values - f.min_value for key, entry in tuned.items()}
    assert gap["momentum"][500] < gap["adam"][500]                 # momentum leads early ...
    assert gap["adam"][-1] < gap["momentum"][-1]                   # ... Adam ends lower
    assert gap["rmsprop"][-1] > 1e3 * max(gap["adam"][-1], gap["momentum"][-1])
    assert 1e-3 < gap["rmsprop"][-1] < 0.03


# --- adamw_vs_l2 ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def decay():
    kw = defaults(figures.adamw_vs_l2)
    return kw, *figures.adamw_vs_l2_runs(**kw)


def test_each_limit_satisfies_its_own_stationarity_condition(decay):
    kw, f, _ = decay
    lam = kw["weight_decay"]
    l2 = figures.l2_limit(kw["curvatures"], kw["minimum"], lam)
    decoupled = figures.decoupled_limit(kw["curvatures"], kw["minimum"], lam)
    # L2: the penalised gradient vanishes
    assert np.allclose(f.grad(l2) + lam * l2, 0, atol=1e-12)
    # AdamW: with m = g and v = g² at a fixed point, Adam's direction g/(|g| + ε) balances -λθ
    g = f.grad(decoupled)
    assert np.allclose(g / (np.abs(g) + 1e-8), -lam * decoupled, atol=1e-6)
    assert np.all(np.abs(decoupled) <= 1 / lam + 1e-15)
    assert np.linalg.norm(l2 - decoupled) > 0.1                    # visibly different points
    assert l2[1] < 0.4 * kw["minimum"][1] and l2[0] > 0.95 * kw["minimum"][0]


def test_the_runs_end_at_their_limits(decay):
    kw, f, runs = decay
    lam = kw["weight_decay"]
    l2_end, decoupled_end = runs["l2"].final, runs["decoupled"].final
    assert np.allclose(l2_end, figures.l2_limit(kw["curvatures"], kw["minimum"], lam), atol=1e-9)
    assert np.allclose(f.grad(l2_end) + lam * l2_end, 0, atol=1e-7)
    assert np.allclose(decoupled_end, figures.decoupled_limit(kw["curvatures"], kw["minimum"], lam),
                       atol=1e-2)
    # AdamW ignores the curvatures: its two coordinates move together at every step
    assert np.allclose(runs["decoupled"].params[:, 0], runs["decoupled"].params[:, 1], atol=1e-6)


def test_adamw_converges_where_decoupled_decay_balances_the_adam_step(decay):
    kw, f, _ = decay
    lam, lr = kw["weight_decay"], kw["lr"]
    traj = optlib.run(optlib.adamw(lr=lr, weight_decay=lam), f, f.start, 12000)
    limit = figures.decoupled_limit(kw["curvatures"], kw["minimum"], lam)
    assert np.allclose(traj.final, limit, atol=1e-3)
    # Adam's direction, recomputed independently from the gradients along the run
    direction = figures.adam_direction(f.grad(traj.params[:-1]))
    previous = traj.params[-2]
    assert np.allclose(traj.final - previous, -lr * (direction + lam * previous), atol=1e-12)
    assert np.all(np.abs(direction + lam * previous) < 1e-3 * np.abs(lam * previous))
    # not the L2 point, nor the unregularised minimum
    assert np.linalg.norm(traj.final - figures.l2_limit(kw["curvatures"], kw["minimum"], lam)) > 0.1
    assert np.linalg.norm(traj.final - f.minima[0]) > 0.5


def test_with_the_decay_inactive_adamw_goes_to_the_unregularised_minimum():
    # the box |θ| <= 1/λ contains θ*: full-batch AdamW ends at θ* itself, L2 does not
    f = figures.regularized_quadratic()
    assert np.allclose(figures.decoupled_limit((100.0, 1.0), (1.0, 1.0), 0.5), f.minima[0])
    traj = optlib.run(optlib.adamw(lr=0.01, weight_decay=0.5), f, f.start, 12000)
    assert np.linalg.norm(traj.final - f.minima[0]) < 0.01
    assert np.linalg.norm(figures.l2_limit((100.0, 1.0), (1.0, 1.0), 0.5) - f.minima[0]) > 0.3
