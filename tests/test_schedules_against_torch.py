"""A learning rate given as a callable of the step equals torch's LambdaLR stepped after every update."""

import numpy as np
import pytest
import torch

import optlib
from optcases import side_by_side

torch.set_default_dtype(torch.float64)


@pytest.mark.parametrize("make, torch_class, kwargs", [
    (optlib.sgd, torch.optim.SGD, {"momentum": 0.9}),
    (optlib.adam, torch.optim.Adam, {}),
    (optlib.adagrad, torch.optim.Adagrad, {"lr_decay": 0.01}),
])
def test_callable_lr_equals_lambda_lr(make, torch_class, kwargs):
    a, t0 = 0.5, 10.0
    schedule = lambda k: a / (t0 + k)
    A = np.diag([0.5, 2.0, 4.0])
    grad = lambda theta, t: A @ theta + np.sin(np.arange(1, 4) * (t + 1))
    ours, theirs = side_by_side(make(lr=schedule, **kwargs), lambda params: torch_class(params, lr=1.0, **kwargs),
                                np.array([1.0, -2.0, 0.5]), grad, 200,
                                lambda reference: torch.optim.lr_scheduler.LambdaLR(reference, schedule))
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


from optlib import schedules  # noqa: E402

STEPS = 400
SCHEDULES = {
    "constant": (lambda: schedules.constant(0.1),
                 lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 1.0)),
    "step": (lambda: schedules.step(0.1, step_size=30, gamma=0.5),
             lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.5)),
    "exponential": (lambda: schedules.exponential(0.1, gamma=0.99),
                    lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.99)),
    "cosine": (lambda: schedules.cosine(0.1, T_max=150, eta_min=0.001),
               lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=150, eta_min=0.001)),
    "linear warm-up": (lambda: schedules.linear(0.1, start_factor=0.1, total_iters=50),
                       lambda opt: torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=50)),
    "warm-up then cosine": (
        lambda: schedules.warmup_cosine(0.1, warmup_steps=40, total_steps=STEPS, start_factor=0.05,
                                        eta_min=1e-4),
        lambda opt: torch.optim.lr_scheduler.SequentialLR(opt, [
            torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.05, total_iters=40),
            torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=STEPS - 40, eta_min=1e-4)],
            milestones=[40])),
    "one-cycle": (lambda: schedules.one_cycle(0.1, total_steps=STEPS),
                  lambda opt: torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=STEPS,
                                                                  cycle_momentum=False)),
    "one-cycle, three phases": (
        lambda: schedules.one_cycle(0.1, total_steps=STEPS, pct_start=0.25, three_phase=True),
        lambda opt: torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=STEPS, pct_start=0.25,
                                                        three_phase=True, cycle_momentum=False)),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_equals_torch_scheduler(name):
    ours, theirs = SCHEDULES[name]
    schedule = ours()
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    scheduler = theirs(opt)
    for k in range(STEPS - 1):
        expected = opt.param_groups[0]["lr"]
        assert schedule(k) == pytest.approx(expected, rel=1e-9, abs=1e-15), f"{name}, step {k}"
        opt.step()
        scheduler.step()


def test_a_schedule_drives_an_optimizer_like_torch():
    schedule = schedules.warmup_cosine(0.5, warmup_steps=20, total_steps=200, start_factor=0.1)
    A = np.diag([1.0, 3.0])
    ours, theirs = side_by_side(
        optlib.sgd(lr=schedule, momentum=0.9), lambda params: torch.optim.SGD(params, lr=0.5, momentum=0.9),
        np.array([1.0, -1.0]), lambda theta, t: A @ theta, 199,
        lambda reference: torch.optim.lr_scheduler.SequentialLR(reference, [
            torch.optim.lr_scheduler.LinearLR(reference, start_factor=0.1, total_iters=20),
            torch.optim.lr_scheduler.CosineAnnealingLR(reference, T_max=180)], milestones=[20]))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-14)


def test_schedules_sweep_arrays_of_rates():
    lrs = np.array([[0.1], [0.2], [0.4]])
    schedule = schedules.cosine(lrs, T_max=100)
    np.testing.assert_allclose(schedule(50), lrs / 2)
    theta = np.ones((3, 2))
    opt = optlib.sgd(lr=schedule)
    updates, _ = opt.update(theta, opt.init(theta), theta)
    np.testing.assert_allclose(updates, -lrs * theta)


@pytest.mark.parametrize("make, message", [
    (lambda: schedules.step(-0.1, 10), "Invalid learning rate: lr=-0.1"),
    (lambda: schedules.step(0.1, 0), "Invalid step_size: 0"),
    (lambda: schedules.exponential(0.1, 1.5), "Invalid gamma value: gamma=1.5"),
    (lambda: schedules.cosine(0.1, 2.5), "Invalid T_max: 2.5"),
    (lambda: schedules.linear(0.1, start_factor=0.0), "Invalid start_factor value"),
    (lambda: schedules.warmup_cosine(0.1, 50, 50), "Invalid total_steps: 50"),
    (lambda: schedules.one_cycle(0.1, 100, pct_start=1.0), "Invalid pct_start value"),
])
def test_bad_schedules_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_one_cycle_refuses_steps_past_its_end():
    with pytest.raises(ValueError, match="step 101 of a cycle of 100 steps"):
        schedules.one_cycle(0.1, 100)(101)
