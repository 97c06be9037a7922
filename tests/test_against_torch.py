"""Every recipe equals its torch.optim class step by step, in float64.

Both sides are fed the same parameter-dependent gradient g = Aθ + b_t (A a
seeded SPD matrix acting on the flattened (3, 4) parameters, b_t a
deterministic drift that keeps the gradients from vanishing), each computed
from its own iterate, so any difference in the update rule compounds.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import optlib
from optcases import RECIPES, relative_error, side_by_side
from optlib.transforms import radam_rho

torch = pytest.importorskip("torch")

TORCH = {"sgd": torch.optim.SGD, "adagrad": torch.optim.Adagrad, "rmsprop": torch.optim.RMSprop,
         "adadelta": torch.optim.Adadelta, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
         "nadam": torch.optim.NAdam, "radam": torch.optim.RAdam, "adamax": torch.optim.Adamax}

STEPS = 300
TOLERANCE = 1e-12
SHAPE = (3, 4)


@pytest.fixture(scope="module", autouse=True)
def float64_torch():
    """torch's scalar state (step counts, NAdam's μ product) follows the default dtype."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def make_problem(seed: int = 0):
    """θ_0 and g(θ, t) = Aθ + b_t, with A SPD (eigenvalues in [0.2, 4])."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(SHAPE))
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    A = Q @ np.diag(np.linspace(0.2, 4.0, n)) @ Q.T
    A = (A + A.T) / 2
    c, s = rng.standard_normal((2,) + SHAPE)
    theta0 = rng.standard_normal(SHAPE)

    def grad(theta, t):
        return (A @ theta.ravel()).reshape(SHAPE) + c * np.cos(0.05 * t) + s * np.sin(0.13 * t)

    return theta0, grad


def run_both(name: str, kwargs: dict, steps: int = STEPS):
    """The iterates of optlib's recipe and of torch's class, shape (steps, 3, 4) each."""
    theta0, grad = make_problem()
    return side_by_side(getattr(optlib, name)(**kwargs),
                        lambda params: TORCH[name](params, foreach=False, **kwargs), theta0, grad, steps)


CASES = [
    # SGD: the first buffer is g_1 undamped, so dampening is only visible from step 2 on
    ("sgd", dict(lr=0.05)),
    ("sgd", dict(lr=0.05, momentum=0.9)),
    ("sgd", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("sgd", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("sgd", dict(lr=0.05, weight_decay=0.1)),
    ("sgd", dict(lr=0.05, momentum=0.8, dampening=0.5, weight_decay=0.1)),
    ("sgd", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("adagrad", dict(lr=0.1)),
    ("adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("adagrad", dict(lr=0.1, initial_accumulator_value=0.5)),
    ("adagrad", dict(lr=0.1, weight_decay=0.1)),
    ("adagrad", dict(lr=0.1, lr_decay=0.02, initial_accumulator_value=0.3, weight_decay=0.2, eps=1e-6)),
    ("rmsprop", dict(lr=0.01)),
    ("rmsprop", dict(lr=0.005, alpha=0.9)),
    ("rmsprop", dict(lr=0.01, centered=True)),
    ("rmsprop", dict(lr=0.01, momentum=0.8)),
    ("rmsprop", dict(lr=0.01, weight_decay=0.1)),
    # centered with α = 0.9 is chaotic here: torch against itself from θ_0 moved by one ulp
    # differs by 1e-4 after 300 steps; at α = 0.98 the comparison is meaningful
    ("rmsprop", dict(lr=0.01, alpha=0.98, eps=1e-6, weight_decay=0.1, momentum=0.8, centered=True)),
    ("adadelta", dict()),
    ("adadelta", dict(lr=0.5, rho=0.5, eps=1e-4, weight_decay=0.1)),
    ("adam", dict(lr=0.01)),
    ("adam", dict(lr=0.01, amsgrad=True)),
    ("adam", dict(lr=0.01, weight_decay=0.1)),
    ("adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ("adamw", dict(lr=0.01)),
    ("adamw", dict(lr=0.01, weight_decay=0.0)),
    ("adamw", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("adamw", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.3, amsgrad=True)),
    ("nadam", dict(lr=0.01)),
    ("nadam", dict(lr=0.01, momentum_decay=0.05)),
    ("nadam", dict(lr=0.01, weight_decay=0.1)),
    ("nadam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("nadam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.2, momentum_decay=0.01,
                   decoupled_weight_decay=True)),
    ("radam", dict(lr=0.01)),
    ("radam", dict(lr=0.01, betas=(0.9, 0.8))),
    ("radam", dict(lr=0.01, betas=(0.9, 0.6))),   # ρ_∞ = 4: never rectified
    ("radam", dict(lr=0.01, betas=(0.8, 0.8), eps=1e-6, weight_decay=0.1)),
    ("radam", dict(lr=0.01, betas=(0.8, 0.8), weight_decay=0.1, decoupled_weight_decay=True)),
    ("adamax", dict(lr=0.01)),
    ("adamax", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
]


def case_id(case):
    name, kwargs = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in kwargs.items()) + ")"


@pytest.mark.parametrize("name, kwargs", CASES, ids=[case_id(c) for c in CASES])
def test_equals_torch_at_every_step(name, kwargs):
    ours, theirs = run_both(name, kwargs)
    errors = np.array([relative_error(a, b) for a, b in zip(ours, theirs)])
    worst = int(np.argmax(errors))
    assert errors.max() <= TOLERANCE, (
        f"{name}{kwargs}: relative difference {errors[worst]:.3g} at step {worst + 1} "
        f"(first step above {TOLERANCE:g}: {int(np.argmax(errors > TOLERANCE)) + 1})")
    # the comparison means something only if the parameters actually moved
    assert relative_error(theirs[-1], theirs[0]) > 1e-3


def test_cases_exercise_every_recipe_and_keyword():
    """Every recipe, and every keyword of every recipe, appears away from its default."""
    for name in RECIPES:
        defaults = {k: p.default for k, p in inspect.signature(getattr(optlib, name)).parameters.items()}
        changed = {k for n, kw in CASES if n == name for k, v in kw.items() if v != defaults[k]}
        missing = set(defaults) - changed
        assert not missing, f"{name}: no case sets {sorted(missing)} away from its default"


@pytest.mark.parametrize("beta2", [0.999, 0.8])
def test_radam_cases_cross_the_rectification_switch(beta2):
    """ρ_t ≤ 5 on the first steps and > 5 later, within the compared steps."""
    assert any(n == "radam" and kw.get("betas", (0.9, 0.999))[1] == beta2 for n, kw in CASES)
    rho = np.array([radam_rho(beta2, t)[0] for t in range(1, STEPS + 1)])
    assert rho[0] <= 5 and rho[-1] > 5
    switch = int(np.argmax(rho > 5))
    assert 1 < switch < STEPS - 1 and np.all(rho[switch:] > 5)


# keywords that choose torch's implementation, not the update rule (maximize
# negates the gradient, which optlib leaves to the caller)
TORCH_ONLY = {"self", "params", "foreach", "maximize", "capturable", "differentiable", "fused"}
# torch hyperparameters that optlib does not offer, deliberately
NOT_OFFERED = {"adam": {"decoupled_weight_decay"}}   # that is adamw


@pytest.mark.parametrize("name", RECIPES)
def test_defaults_equal_torch(name):
    """Names and default values of the keywords, read from the installed torch."""
    ours = inspect.signature(getattr(optlib, name)).parameters
    theirs = inspect.signature(TORCH[name].__init__).parameters
    assert set(ours) <= set(theirs), f"{name}: keywords torch does not have: {set(ours) - set(theirs)}"
    assert set(theirs) - TORCH_ONLY - set(ours) == NOT_OFFERED.get(name, set())
    for key in ours:
        assert ours[key].default == theirs[key].default, (
            f"{name}({key}=...): optlib's default {ours[key].default!r}, torch's {theirs[key].default!r}")
