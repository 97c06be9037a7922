"""Identities between optimizers that the book states and relies on."""

from __future__ import annotations

import numpy as np
import pytest

import optlib
from optcases import iterate, relative_error

ROSENBROCK = optlib.landscapes.rosenbrock()
STEPS = 200


def start(shape=(5, 2), seed=3):
    """A batch of starts in the banana valley's window."""
    return np.random.default_rng(seed).uniform([-1.5, -0.5], [1.5, 2.0], size=shape)


def landscape_grad(theta, t):
    return ROSENBROCK.grad(theta)


def hand_loop(theta0, step, steps=STEPS):
    """θ_0, ..., θ_steps of θ ← step(θ, g, t, memory), written out by hand."""
    theta, memory, out = np.array(theta0, dtype=float), {}, [np.array(theta0, dtype=float)]
    for t in range(steps):
        theta = step(theta, ROSENBROCK.grad(theta), t, memory)
        out.append(theta)
    return np.array(out)


def test_sgd_without_momentum_is_gradient_descent():
    lr = 1e-3
    ours = iterate(optlib.sgd(lr=lr), start(), landscape_grad, STEPS)
    by_hand = hand_loop(start(), lambda theta, g, t, m: theta - lr * g)
    np.testing.assert_array_equal(ours, by_hand)


def test_adamw_without_decay_is_adam():
    kwargs = dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6)
    for amsgrad in (False, True):
        adamw = iterate(optlib.adamw(weight_decay=0.0, amsgrad=amsgrad, **kwargs), start(), landscape_grad, STEPS)
        adam = iterate(optlib.adam(amsgrad=amsgrad, **kwargs), start(), landscape_grad, STEPS)
        np.testing.assert_array_equal(adamw, adam)


def velocity_step(lr_at, beta):
    """Polyak's heavy ball by hand: v ← βv − η_t g, θ ← θ + v."""
    def step(theta, g, t, memory):
        memory["v"] = beta * memory.get("v", 0.0) - lr_at(t) * g
        return theta + memory["v"]
    return step


def buffer_step(lr_at, beta):
    """PyTorch's SGD by hand: b ← βb + g (b_1 = g_1), θ ← θ − η_t b."""
    def step(theta, g, t, memory):
        memory["b"] = g if t == 0 else beta * memory["b"] + g
        return theta - lr_at(t) * memory["b"]
    return step


def test_heavy_ball_equals_sgd_momentum_at_a_constant_rate():
    lr, beta = 1e-3, 0.9
    heavy = iterate(optlib.heavy_ball(lr, beta), start(), landscape_grad, STEPS)
    sgd = iterate(optlib.sgd(lr=lr, momentum=beta), start(), landscape_grad, STEPS)
    assert relative_error(heavy, sgd) < 1e-12
    assert relative_error(heavy[-1], heavy[0]) > 1e-2    # and the runs went somewhere


def test_heavy_ball_and_sgd_momentum_differ_under_a_schedule():
    """The rate sits inside the velocity for one, outside the buffer for the
    other: under a schedule each follows its own formula, and they differ."""
    beta = 0.9
    schedule = lambda k: 2e-3 * 0.9 ** k
    heavy = iterate(optlib.heavy_ball(schedule, beta), start(), landscape_grad, 60)
    sgd = iterate(optlib.sgd(lr=schedule, momentum=beta), start(), landscape_grad, 60)
    assert relative_error(heavy, hand_loop(start(), velocity_step(schedule, beta), 60)) < 1e-12
    assert relative_error(sgd, hand_loop(start(), buffer_step(schedule, beta), 60)) < 1e-12
    assert relative_error(heavy, sgd) > 1e-3


@pytest.mark.parametrize("lr", [1e-3, 0.1])
def test_adam_first_update_has_length_lr_in_every_coordinate(lr):
    rng = np.random.default_rng(4)
    g = rng.choice([-1.0, 1.0], size=(4, 6)) * 10.0 ** rng.uniform(-3, 3, size=(4, 6))
    theta = rng.standard_normal((4, 6))
    opt = optlib.adam(lr=lr)
    updates, _ = opt.update(g, opt.init(theta), theta)
    np.testing.assert_allclose(np.abs(updates), lr, rtol=1e-4)
    np.testing.assert_array_equal(np.sign(updates), -np.sign(g))


def test_adam_weight_decay_is_adam_on_the_l2_gradient():
    lam = 0.05
    kwargs = dict(lr=1e-2, betas=(0.8, 0.99))
    with_decay = iterate(optlib.adam(weight_decay=lam, **kwargs), start(), landscape_grad, STEPS)
    on_l2 = iterate(optlib.adam(**kwargs), start(), lambda theta, t: ROSENBROCK.grad(theta) + lam * theta, STEPS)
    np.testing.assert_array_equal(with_decay, on_l2)
    # and that is not AdamW's decoupled decay
    decoupled = iterate(optlib.adamw(weight_decay=lam, **kwargs), start(), landscape_grad, STEPS)
    assert relative_error(decoupled, with_decay) > 1e-6
