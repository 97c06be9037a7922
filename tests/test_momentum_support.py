"""The heavy-ball exercise check (chapter "momentum"): it accepts every correct form of the
step and names each typical mistake."""

import numpy as np
import pytest

import optlib
from optlib.checks import CheckFailed, CheckPassed, check_momentum_step


def velocity_form(theta, grad, state, lr, momentum):
    velocity = np.zeros_like(theta) if state is None else state
    velocity = momentum * velocity - lr * grad
    return theta + velocity, velocity


def buffer_form(theta, grad, state, lr, momentum):
    buffer = grad.copy() if state is None else momentum * state + grad
    return theta - lr * buffer, buffer


def sutskever_form(theta, grad, state, lr, momentum):
    v = lr * grad if state is None else momentum * state + lr * grad
    return theta - v, v


def two_point_form(theta, grad, state, lr, momentum):
    previous = theta if state is None else state          # θ_{t-2}, at rest at the start
    return theta - lr * grad + momentum * (theta - previous), theta.copy()


@pytest.mark.parametrize("step", [velocity_form, buffer_form, sutskever_form, two_point_form])
def test_accepts_every_equivalent_form(step):
    result = check_momentum_step(step)
    assert isinstance(result, CheckPassed)
    assert "12 steps agree with optlib.sgd(lr=0.1, momentum=0.8)" in repr(result)


def test_accepts_other_hyperparameters():
    assert isinstance(check_momentum_step(velocity_form, lr=0.3, momentum=0.5), CheckPassed)


def draft(theta, grad, state, lr, momentum):                 # + μ θ_{t-2}, θ_{-1} = θ_0
    previous = theta if state is None else state
    return theta - lr * grad + momentum * previous, theta.copy()


def draft_from_zero(theta, grad, state, lr, momentum):       # + μ θ_{t-2}, θ_{-1} = 0
    previous = np.zeros_like(theta) if state is None else state
    return theta - lr * grad + momentum * previous, theta.copy()


def first_gradient_twice(theta, grad, state, lr, momentum):
    buffer = grad.copy() if state is None else state
    buffer = momentum * buffer + grad
    return theta - lr * buffer, buffer


def moving_average(theta, grad, state, lr, momentum):
    buffer = np.zeros_like(theta) if state is None else state
    buffer = momentum * buffer + (1 - momentum) * grad
    return theta - lr * buffer, buffer


def momentum_sign(theta, grad, state, lr, momentum):
    velocity = np.zeros_like(theta) if state is None else state
    velocity = -momentum * velocity - lr * grad
    return theta + velocity, velocity


def state_lost(theta, grad, state, lr, momentum):
    velocity = np.zeros_like(theta) if state is None else state
    velocity = momentum * velocity - lr * grad
    return theta + velocity, None


def lr_twice(theta, grad, state, lr, momentum):
    buffer = lr * grad if state is None else momentum * state + lr * grad
    return theta - lr * buffer, buffer


def uphill(theta, grad, state, lr, momentum):
    velocity = np.zeros_like(theta) if state is None else state
    velocity = momentum * velocity + lr * grad
    return theta + velocity, velocity


def in_place(theta, grad, state, lr, momentum):
    velocity = np.zeros_like(theta) if state is None else state
    velocity = momentum * velocity - lr * grad
    theta += velocity
    return theta, velocity


MISTAKES = {
    "draft formula": (draft, "step 1 of 12", "draft's formula"),
    "draft formula from zero": (draft_from_zero, "step 2 of 12", "draft's formula"),
    "first gradient twice": (first_gradient_twice, "step 1 of 12", "counted twice"),
    "moving average": (moving_average, "step 1 of 12", "exponential moving average"),
    "momentum sign": (momentum_sign, "step 2 of 12", "wrong sign: the previous step is added"),
    "state lost": (state_lost, "step 2 of 12", "plain gradient descent"),
    "lr twice": (lr_twice, "step 1 of 12", "applied twice"),
    "uphill": (uphill, "step 1 of 12", "move against the gradient"),
    "in place": (in_place, "step 1", "modified theta or grad in place"),
    "only theta": (lambda theta, grad, state, lr, momentum: theta - lr * grad, "step 1",
                   "return a pair"),
}


@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_rejects_each_typical_mistake_with_its_hint(mistake):
    step, where, hint = MISTAKES[mistake]
    with pytest.raises(CheckFailed) as failure:
        check_momentum_step(step)
    assert where in str(failure.value)
    assert hint in str(failure.value)


def test_each_mistake_gets_its_own_hint():
    hints = {}
    for name, (step, _, _) in MISTAKES.items():
        with pytest.raises(CheckFailed) as failure:
            check_momentum_step(step)
        text = str(failure.value)
        hints[name] = text.split("Hint: ")[1] if "Hint: " in text else text
    specific = ["draft formula", "first gradient twice", "moving average", "momentum sign",
                "state lost", "lr twice", "uphill"]
    assert len({hints[name] for name in specific}) == len(specific)


def test_failure_names_the_step_coordinate_and_both_values():
    def wrong_at_step_five(theta, grad, state, lr, momentum, calls=[0]):
        calls[0] += 1
        new_theta, velocity = velocity_form(theta, grad, state, lr, momentum)
        if calls[0] == 5:
            new_theta = new_theta.copy()
            new_theta[1] += 0.5
        return new_theta, velocity

    with pytest.raises(CheckFailed) as failure:
        check_momentum_step(wrong_at_step_five)
    text = str(failure.value)
    assert "step 5 of 12 differs at coordinate (1,)" in text
    expected = float(text.split("expected θ_5[1] = ")[1].split()[0])
    got = float(text.split("got      θ_5[1] = ")[1].split()[0])
    assert np.isclose(got - expected, 0.5)


def test_reference_is_the_heavy_ball_in_every_library_form():
    """The check compares with optlib.sgd; heavy_ball gives the same iterates at constant lr."""
    f = optlib.landscapes.quadratic(np.diag([0.5, 1.0, 2.0]), minimum=np.array([1.0, -2.0, 0.5]))
    x0 = np.array([3.0, 1.0, -1.5])
    a = optlib.run(optlib.sgd(lr=0.1, momentum=0.8), f, x0, 12).params
    b = optlib.run(optlib.heavy_ball(lr=0.1, momentum=0.8), f, x0, 12).params
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-14)


# ---------------------------------------------------------------- optlib.widgets.momentum_eigen_explorer
from optlib import analysis, landscapes, widgets  # noqa: E402


@pytest.fixture
def eigen_explorer():
    return widgets.momentum_eigen_explorer(lr=1.0, momentum=0.5)


def test_eigen_explorer_draws_its_first_picture_at_once(eigen_explorer):
    assert eigen_explorer.image.value[:4] == b"\x89PNG"
    assert "0.885 per step" in eigen_explorer.description.value


def test_eigen_explorer_path_and_eigenvalues_follow_the_sliders(eigen_explorer):
    before = eigen_explorer.image.value
    eigen_explorer.lr.value, eigen_explorer.momentum.value = 1.8, 0.3
    assert eigen_explorer.image.value != before
    f = eigen_explorer.landscape
    expected = optlib.run(optlib.sgd(lr=1.8, momentum=0.3), f, f.start, eigen_explorer.steps).params
    np.testing.assert_allclose(eigen_explorer._path.get_xydata(), expected, rtol=1e-15)
    sigma = np.linalg.eigvals(analysis.momentum_matrix(1.8, 0.3, f.eigenvalues[-1]))
    np.testing.assert_allclose(np.sort_complex(eigen_explorer._high.get_xydata() @ [1, 1j]),
                               np.sort_complex(sigma), atol=1e-12)
    np.testing.assert_allclose(np.abs(sigma), np.sqrt(0.3))          # the steep direction spirals
    ring = eigen_explorer._ring.get_xydata()
    np.testing.assert_allclose(np.linalg.norm(ring, axis=-1), np.sqrt(0.3))


def test_eigen_explorer_describes_each_kind_of_direction(eigen_explorer):
    text = eigen_explorer.describe()
    assert "flattest direction (ηλ = 0.05): real positive eigenvalues, overdamped" in text
    assert "steepest direction (ηλ = 1): complex eigenvalues of modulus √β = 0.707" in text
    eigen_explorer.momentum.value = 0.0
    eigen_explorer.lr.value = 1.8
    assert "real negative eigenvalues, an alternating zig-zag" in eigen_explorer.describe()
    eigen_explorer.lr.value = 4.4                       # beyond 2 + 2β = 2 for the steep direction
    text = eigen_explorer.describe()
    assert "the run diverges" in text and "it diverges" in text
    assert eigen_explorer.image.value[:4] == b"\x89PNG"   # a diverging run is drawn, not raised


def test_eigen_explorer_takes_another_quadratic():
    f = landscapes.gutter(condition_number=100)
    ex = widgets.momentum_eigen_explorer(f, lr=3.0, momentum=0.7, steps=10)
    np.testing.assert_allclose(ex.extremes, [0.01, 1.0])
    rate = float(analysis.momentum_rate(3.0, 0.7, f.eigenvalues))
    assert f"{rate:.3f} per step" in ex.description.value


def test_eigen_explorer_redraws_fast(eigen_explorer):
    import time
    start = time.perf_counter()
    for beta in np.linspace(0.0, 0.95, 10):
        eigen_explorer.momentum.value = float(beta)
    assert (time.perf_counter() - start) / 10 < 0.25     # blitting: well under a second per move
