"""A learning rate given as a callable of the step equals torch's LambdaLR stepped after every update."""

import numpy as np
import pytest
import torch

import optlib

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
    theta = np.array([1.0, -2.0, 0.5])
    opt = make(lr=schedule, **kwargs)
    state = opt.init(theta)
    p = torch.tensor(theta.copy(), requires_grad=True)
    reference = torch_class([p], lr=1.0, **kwargs)
    scheduler = torch.optim.lr_scheduler.LambdaLR(reference, schedule)
    for t in range(200):
        noise = np.sin(np.arange(1, 4) * (t + 1))
        updates, state = opt.update(A @ theta + noise, state, theta)
        theta = optlib.apply_updates(theta, updates)
        p.grad = torch.tensor(A @ p.detach().numpy() + noise)
        reference.step()
        scheduler.step()
        np.testing.assert_allclose(theta, p.detach().numpy(), rtol=1e-12, atol=1e-14)
