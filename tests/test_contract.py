"""The contract of every optimizer: pure, vectorised over hyperparameters,
strict about its input (``optlib.base`` and ``optlib.hyperparameters``)."""

from __future__ import annotations

import copy
import inspect
import re

import numpy as np
import pytest

import optlib
from optcases import RECIPES, iterate

B, D = 3, 4

# Each recipe with every option on; array values give one value per row of a
# (B, D) batch, and row i of the batch is the scalar run with entry i.
SWEEPS = {
    "sgd": dict(lr=[0.01, 0.02, 0.05], momentum=[0.0, 0.5, 0.9], dampening=[0.0, 0.1, 0.5],
                weight_decay=[0.0, 0.1, 0.3]),
    "sgd-nesterov": dict(lr=[0.01, 0.02, 0.05], momentum=[0.3, 0.6, 0.9], weight_decay=[0.0, 0.1, 0.3],
                         nesterov=True),
    "heavy_ball": dict(lr=[0.01, 0.02, 0.05], momentum=[0.0, 0.5, 0.9]),
    "adagrad": dict(lr=[0.05, 0.1, 0.2], lr_decay=[0.0, 0.01, 0.1], weight_decay=[0.0, 0.1, 0.3],
                    initial_accumulator_value=[0.0, 0.1, 1.0], eps=[1e-10, 1e-6, 1e-3]),
    "rmsprop": dict(lr=[0.001, 0.01, 0.02], alpha=[0.9, 0.99, 0.5], eps=[1e-8, 1e-6, 1e-3],
                    weight_decay=[0.0, 0.1, 0.3], momentum=[0.0, 0.5, 0.9], centered=True),
    "adadelta": dict(lr=[0.5, 1.0, 2.0], rho=[0.5, 0.9, 0.99], eps=[1e-6, 1e-4, 1e-3],
                     weight_decay=[0.0, 0.1, 0.3]),
    "adam": dict(lr=[0.001, 0.01, 0.1], betas=([0.0, 0.8, 0.9], [0.9, 0.99, 0.999]),
                 eps=[1e-8, 1e-6, 1e-3], weight_decay=[0.0, 0.1, 0.3], amsgrad=True),
    "adamw": dict(lr=[0.001, 0.01, 0.1], betas=([0.0, 0.8, 0.9], [0.9, 0.99, 0.999]),
                  eps=[1e-8, 1e-6, 1e-3], weight_decay=[0.0, 0.1, 0.3], amsgrad=True),
    "nadam": dict(lr=[0.001, 0.01, 0.1], betas=([0.0, 0.8, 0.9], [0.9, 0.99, 0.999]),
                  eps=[1e-8, 1e-6, 1e-3], weight_decay=[0.0, 0.1, 0.3],
                  momentum_decay=[0.0, 4e-3, 0.1], decoupled_weight_decay=True),
    "nadam-l2": dict(lr=[0.001, 0.01, 0.1], weight_decay=[0.0, 0.1, 0.3], momentum_decay=[0.0, 4e-3, 0.1]),
    # β₂ = 0.6 is never rectified, 0.8 switches after a few steps, 0.999 after 5
    "radam": dict(lr=[0.001, 0.01, 0.1], betas=([0.0, 0.8, 0.9], [0.6, 0.8, 0.999]),
                  eps=[1e-8, 1e-6, 1e-3], weight_decay=[0.0, 0.1, 0.3], decoupled_weight_decay=True),
    "radam-l2": dict(lr=[0.001, 0.01, 0.1], betas=([0.9, 0.9, 0.9], [0.6, 0.8, 0.999]),
                     weight_decay=[0.0, 0.1, 0.3]),
    "adamax": dict(lr=[0.001, 0.01, 0.1], betas=([0.0, 0.8, 0.9], [0.9, 0.99, 0.999]),
                   eps=[1e-8, 1e-6, 1e-3], weight_decay=[0.0, 0.1, 0.3]),
}


def recipe(key: str):
    return getattr(optlib, key.split("-")[0])


def is_sweep(value) -> bool:
    return isinstance(value, list)


def batched_kwargs(sweep: dict) -> dict:
    """Lists become arrays of shape (B, 1); betas become a pair of them."""
    column = lambda v: np.array(v, dtype=float)[:, None]
    return {k: (tuple(column(b) for b in v) if k == "betas" else column(v) if is_sweep(v) else v)
            for k, v in sweep.items()}


def row_kwargs(sweep: dict, i: int) -> dict:
    """The scalar hyperparameters of row i."""
    return {k: (tuple(b[i] for b in v) if k == "betas" else v[i] if is_sweep(v) else v)
            for k, v in sweep.items()}


def scalar_kwargs(sweep: dict) -> dict:
    return row_kwargs(sweep, 1)


def elementwise_grad(theta, t):
    """A parameter-dependent gradient computed row by row with elementwise operations
    only, so that a batch of rows is computed exactly like each row alone."""
    a = np.array([0.5, 1.0, 2.0, 4.0])[: theta.shape[-1]]
    drift = np.array([1.0, -0.5, 0.3, 2.0])[: theta.shape[-1]]
    return a * theta + 0.3 * np.roll(theta, 1, axis=-1) + drift * np.cos(0.1 * t)


def start(shape=(B, D)):
    return np.random.default_rng(1).standard_normal(shape)


# ---------------------------------------------------------------- (a) purity

def arrays_equal(a, b) -> bool:
    """Deep equality of states: nested tuples of arrays, numbers and None."""
    if isinstance(a, tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(arrays_equal, a, b))
    if a is None or b is None:
        return a is b
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


@pytest.mark.parametrize("batched", [False, True], ids=["scalar", "batched"])
@pytest.mark.parametrize("key", SWEEPS)
def test_update_never_modifies_its_inputs(key, batched):
    sweep = SWEEPS[key]
    opt = recipe(key)(**(batched_kwargs(sweep) if batched else scalar_kwargs(sweep)))
    theta = start()
    before = theta.copy()
    state = opt.init(theta)
    assert np.array_equal(theta, before), "init modified the params"
    for t in range(10):   # past RAdam's switch at step 7 for β₂ = 0.8
        grads = elementwise_grad(theta, t)
        kept = copy.deepcopy((grads, theta, state))
        updates, new_state = opt.update(grads, state, theta)
        assert np.array_equal(grads, kept[0]), f"update modified the gradient at step {t + 1}"
        assert np.array_equal(theta, kept[1]), f"update modified the params at step {t + 1}"
        assert arrays_equal(state, kept[2]), f"update modified the state passed in at step {t + 1}"
        # calling again with the same input gives the same output: no hidden state
        again, again_state = opt.update(grads, state, theta)
        assert np.array_equal(updates, again) and arrays_equal(new_state, again_state)
        theta, state = optlib.apply_updates(theta, updates), new_state


@pytest.mark.parametrize("key", SWEEPS)
def test_reusing_gradient_and_update_buffers_is_safe(key):
    """A caller may overwrite the arrays it passed in or received (a gradient
    buffer reused every step, updates clipped in place) without changing the
    optimizer's state."""
    for i in range(B):
        opt = recipe(key)(**row_kwargs(SWEEPS[key], i))
        clean = iterate(opt, start(), elementwise_grad, 8)
        theta = start()
        state = opt.init(theta)
        buffer = np.empty_like(theta)
        for t in range(8):
            buffer[...] = elementwise_grad(theta, t)
            updates, state = opt.update(buffer, state, theta)
            theta = optlib.apply_updates(theta, updates)
            buffer.fill(1e6)        # the next gradient is written into the same array
            updates *= -7.0         # and the caller scribbles on the updates it was given
            assert np.array_equal(theta, clean[t + 1]), f"row {i}: iterates differ at step {t + 1}"


# ---------------------------------------------------------- (b) vectorisation

@pytest.mark.parametrize("key", SWEEPS)
def test_batched_hyperparameters_equal_separate_runs(key):
    """Params (B, D) with hyperparameters of shape (B, 1) give row by row the
    iterates of B scalar runs."""
    sweep = SWEEPS[key]
    assert any(is_sweep(v) for k, v in sweep.items() if k != "lr"), "sweep more than lr"
    batched = iterate(recipe(key)(**batched_kwargs(sweep)), start(), elementwise_grad, 60)
    for i in range(B):
        single = iterate(recipe(key)(**row_kwargs(sweep, i)), start()[i], elementwise_grad, 60)
        # bit for bit: the same elementwise operations on the same numbers
        np.testing.assert_array_equal(batched[:, i], single, err_msg=f"{key}: row {i} differs from its own run")
    # the rows really are different runs
    assert not np.allclose(batched[-1, 0], batched[-1, 1])


def test_sweeps_cover_every_array_hyperparameter():
    """Every numeric keyword of every recipe is swept as an array somewhere."""
    for name in RECIPES + ("heavy_ball",):
        numeric = {k for k, p in inspect.signature(getattr(optlib, name)).parameters.items()
                   if not isinstance(p.default, bool)}
        swept = {k for key, sweep in SWEEPS.items() if recipe(key).__name__ == name
                 for k, v in sweep.items() if is_sweep(v) or k == "betas"}
        assert numeric <= swept, f"{name}: {sorted(numeric - swept)} never swept"


# ------------------------------------------------------------- (c) bad input

# keyword -> (an invalid value, the valid range the message must state)
INVALID = {
    "lr": (-0.1, "lr >= 0"),
    "momentum": (-0.5, "momentum >= 0"),
    "dampening": (1.5, "0 <= dampening <= 1"),
    "weight_decay": (-0.1, "weight_decay >= 0"),
    "lr_decay": (-0.1, "lr_decay >= 0"),
    "initial_accumulator_value": (-0.1, "initial_accumulator_value >= 0"),
    "eps": (-1e-8, "eps >= 0"),
    "alpha": (1.0, "0 <= alpha < 1"),
    "rho": (1.5, "0 <= rho <= 1"),
    "momentum_decay": (-0.1, "momentum_decay >= 0"),
}
ALL_RECIPES = RECIPES + ("heavy_ball",)


def numeric_keywords(name):
    """(name, keyword) for every non-boolean keyword, betas split into its two entries."""
    for key, p in inspect.signature(getattr(optlib, name)).parameters.items():
        if key == "betas":
            yield from ((name, "betas[0]"), (name, "betas[1]"))
        elif not isinstance(p.default, bool):
            yield name, key


NUMERIC = [case for name in ALL_RECIPES for case in numeric_keywords(name)]


def build(name, keyword, value):
    """The recipe with ``keyword`` set to ``value`` (``betas[i]``: one entry of the pair)."""
    kwargs = {"lr": 0.1, "momentum": 0.9} if name == "heavy_ball" else {}
    if keyword.startswith("betas["):
        betas = [0.9, 0.999]
        betas[int(keyword[6])] = value
        kwargs["betas"] = tuple(betas)
    else:
        kwargs[keyword] = value
    return getattr(optlib, name)(**kwargs)


def expected_message(keyword, value, rule):
    """name=value and the range, in that order: ``lr=-0.1 (must be ... lr >= 0)``."""
    return re.escape(f"{keyword}={value!r}") + r" \(must be .*" + re.escape(rule) + r"\)"


@pytest.mark.parametrize("name, keyword", NUMERIC, ids=[f"{n}-{k}" for n, k in NUMERIC])
def test_out_of_range_hyperparameter_is_refused(name, keyword):
    if keyword.startswith("betas["):
        i = keyword[6]
        cases = [(-0.1, f"0 <= betas[{i}] < 1"), (1.0, f"0 <= betas[{i}] < 1")]
    else:
        assert keyword in INVALID, f"no invalid value listed for {name}({keyword}=...)"
        cases = [INVALID[keyword]]
    for value, rule in cases:
        with pytest.raises(ValueError, match=expected_message(keyword, value, rule)):
            build(name, keyword, value)


@pytest.mark.parametrize("name, keyword", NUMERIC, ids=[f"{n}-{k}" for n, k in NUMERIC])
def test_nan_hyperparameter_is_refused(name, keyword):
    with pytest.raises(ValueError, match=re.escape(f"{keyword}=nan") + r" \(must be a finite number"):
        build(name, keyword, float("nan"))


@pytest.mark.parametrize("name", ALL_RECIPES)
def test_array_lr_with_one_negative_entry_names_the_index(name):
    lr = np.array([[0.1], [0.2], [-0.3], [0.4]])
    with pytest.raises(ValueError, match=re.escape("lr[2, 0]=-0.3 (every entry must be finite with lr >= 0)")):
        build(name, "lr", lr)


@pytest.mark.parametrize("name", ALL_RECIPES)
def test_lr_array_that_does_not_broadcast_is_refused_at_init(name):
    opt = build(name, "lr", np.full((5, 1), 0.1))
    with pytest.raises(ValueError, match=re.escape("lr of shape (5, 1) does not broadcast against "
                                                   "params of shape (3, 4)")):
        opt.init(np.zeros((3, 4)))
    opt.init(np.zeros((5, 4)))   # while a (5, 4) batch is fine


def test_schedule_returning_an_invalid_rate_is_refused_at_that_step():
    opt = optlib.sgd(lr=lambda k: 0.1 - 0.05 * k)   # 0.1, 0.05, 0.0, then negative
    theta = np.ones(2)
    state = opt.init(theta)
    for _ in range(3):
        _, state = opt.update(theta, state, theta)
    with pytest.raises(ValueError, match=r"schedule returned -0\.05\d* at step 3 \(must be"):
        opt.update(theta, state, theta)


@pytest.mark.parametrize("kwargs, shown", [
    (dict(momentum=0.0, nesterov=True), "momentum=0.0"),
    (dict(momentum=0.9, dampening=0.1, nesterov=True), "dampening=0.1"),
    (dict(momentum=np.array([[0.9], [0.0]]), nesterov=True), "momentum=array([[0.9],"),
])
def test_nesterov_needs_momentum_and_no_dampening(kwargs, shown):
    with pytest.raises(ValueError, match=r"(?s)Nesterov momentum requires a momentum and zero dampening: "
                                         r"got .*" + re.escape(shown) + r".*\(need momentum > 0, dampening = 0\)"):
        optlib.sgd(lr=0.1, **kwargs)


@pytest.mark.parametrize("name", ALL_RECIPES)
def test_gradient_of_another_shape_is_refused_at_update(name):
    opt = build(name, "lr", 0.1)
    params = np.zeros((3, 4))
    state = opt.init(params)
    for bad in (np.zeros((4, 3)), np.zeros(12), np.zeros((1, 3, 4))):
        with pytest.raises(ValueError, match=re.escape(f"gradient of shape {bad.shape} does not match "
                                                       "params of shape (3, 4)")):
            opt.update(bad, state, params)


@pytest.mark.parametrize("name", ALL_RECIPES)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_params_are_refused_at_init(name, bad):
    opt = build(name, "lr", 0.1)
    with pytest.raises(ValueError, match="params must be finite"):
        opt.init(np.array([[1.0, bad], [0.0, 2.0]]))


# ------------------------------------------------------------ (d) apply_updates

def test_apply_updates_returns_a_new_array():
    params = np.array([1.0, 2.0, 3.0])
    updates = np.array([0.5, -1.0, 0.25])
    kept_params, kept_updates = params.copy(), updates.copy()
    new = optlib.apply_updates(params, updates)
    np.testing.assert_array_equal(new, kept_params + kept_updates)
    assert not np.shares_memory(new, params) and not np.shares_memory(new, updates)
    np.testing.assert_array_equal(params, kept_params)
    np.testing.assert_array_equal(updates, kept_updates)
