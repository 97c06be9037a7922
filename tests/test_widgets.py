"""Explorers redraw what the controls say, report divergence, and the static player is self-contained."""

import numpy as np
import pytest

import optlib
from optlib import landscapes, widgets


@pytest.fixture
def explorer():
    return widgets.explorer(optlib.sgd, lr=widgets.LogSlider(1e-3, 3.0, 0.1))


def test_first_picture_is_drawn_before_any_interaction(explorer):
    assert explorer.image.value[:4] == b"\x89PNG"


def test_moving_a_control_redraws_the_trajectory_it_names(explorer):
    before = explorer.image.value
    explorer.controls["lr"].value = 0.5
    assert explorer.image.value != before
    expected = optlib.run(optlib.sgd(lr=0.5), explorer.canvas.landscape,
                          np.array([explorer.start_x.value, explorer.start_y.value]), explorer.steps)
    np.testing.assert_array_equal(explorer.canvas.path_line.get_xydata(), expected.params)


def test_divergence_is_reported_not_hidden(explorer):
    explorer.menu.value = "rosenbrock"
    explorer.controls["lr"].value = 0.05         # overflows within a few steps here
    diverged_at = int(explorer.compute().diverged_at)
    assert diverged_at > 0
    assert f"Diverged at step {diverged_at}" in explorer.status.value
    explorer.controls["lr"].value = 1e-3
    assert explorer.status.value == ""


def test_switching_landscape_moves_the_start_into_its_window(explorer):
    explorer.menu.value = "rosenbrock"
    rosenbrock = landscapes.rosenbrock()
    assert (explorer.start_x.value, explorer.start_y.value) == tuple(rosenbrock.start)
    assert (explorer.start_x.min, explorer.start_x.max) == rosenbrock.window[0]


def test_invalid_settings_give_a_message_not_a_crash():
    ex = widgets.explorer(optlib.sgd, lr=widgets.Slider(-1.0, 1.0, 0.1))
    ex.controls["lr"].value = -0.5
    assert "Invalid learning rate" in ex.status.value


def test_sweep_player_is_deterministic_and_needs_no_network():
    f = landscapes.gutter(10)
    make = lambda: widgets.sweep_player(optlib.sgd, f, "lr", [0.5, 1.0, 2.1], steps=10, alt="a test").data
    first = make()
    assert first == make()                      # nbval can compare it
    assert "http" not in first                  # no CDN
    assert first.count("data:image/png;base64,") == 3 + 1    # three frames, the first also in <img>
    assert 'alt="a test"' in first


def test_explorer_runs_minibatches_on_a_two_parameter_learning_problem():
    problem = optlib.problems.diabetes_two_features()
    ex = widgets.explorer(optlib.sgd, landscapes=[problem], lr=widgets.LogSlider(1e-3, 2.0, 0.1),
                          run_controls={"batch_size": widgets.IntSlider(1, problem.n, 8)},
                          run_options={"seed": 0}, steps=30)
    ex.run_controls["batch_size"].value = 4
    expected = optlib.run(optlib.sgd(lr=0.1), problem, problem.start, 30, batch_size=4, seed=0)
    np.testing.assert_array_equal(ex.canvas.path_line.get_xydata(), expected.params)
    ex.run_controls["batch_size"].value = problem.n          # the full batch: gradient descent
    full = optlib.run(optlib.sgd(lr=0.1), problem, problem.start, 30)
    np.testing.assert_allclose(ex.canvas.path_line.get_xydata(), full.params, atol=1e-12)


def test_sweep_player_passes_run_options():
    problem = optlib.problems.diabetes_two_features()
    noisy = widgets.sweep_player(optlib.sgd, problem, "lr", [0.1, 0.3], steps=20,
                                 run_options={"batch_size": 2, "seed": 0}).data
    exact = widgets.sweep_player(optlib.sgd, problem, "lr", [0.1, 0.3], steps=20).data
    assert noisy != exact
