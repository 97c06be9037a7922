"""The torch.optim.SGD exercise check (chapter "pytorch"): it accepts torch's rule, names each
typical mistake with its own hint, and its reference replay equals the installed torch."""

import numpy as np
import pytest

from optlib.checks import (_TORCH_SGD_HINTS, CheckFailed, CheckPassed, check_torch_sgd_step,
                           torch_sgd_replay)


def sgd_step(theta, grad, state, lr, momentum, dampening, weight_decay, nesterov):
    """torch.optim.SGD's algorithm box, written out."""
    g = grad + weight_decay * theta
    b = state
    if momentum != 0:
        b = g if b is None else momentum * b + (1 - dampening) * g
        g = g + momentum * b if nesterov else b
    return theta - lr * g, b


def replaying(mistake):
    """A step that keeps its history and replays it with one typical mistake switched on."""
    def step(theta, grad, state, lr, momentum, dampening, weight_decay, nesterov):
        thetas, grads, lrs = state or ([], [], [])
        history = (thetas + [theta], grads + [grad], lrs + [lr])
        return torch_sgd_replay(*history, momentum, dampening, weight_decay, nesterov,
                                mistake=mistake), history
    return step


def test_accepts_torch_rule():
    result = check_torch_sgd_step(sgd_step)
    assert isinstance(result, CheckPassed)
    assert "3 configurations" in repr(result)


def test_accepts_the_replay_without_mistake():
    assert isinstance(check_torch_sgd_step(replaying(None)), CheckPassed)


@pytest.mark.parametrize("mistake", sorted(_TORCH_SGD_HINTS))
def test_each_mistake_gets_its_hint(mistake):
    with pytest.raises(CheckFailed) as failure:
        check_torch_sgd_step(replaying(mistake))
    message = str(failure.value)
    for part in ("step", "coordinate", "expected", "got", "Hint:"):
        assert part in message
    assert _TORCH_SGD_HINTS[mistake] in message, message


def test_learning_rate_inside_the_buffer_shows_only_after_the_rate_changes():
    with pytest.raises(CheckFailed, match="step 5 of 12") as failure:
        check_torch_sgd_step(replaying("lr_in_buffer"), lr_step_size=4)
    assert "Sutskever" in str(failure.value)


def test_wrong_sign_and_scaffold():
    def uphill(theta, grad, state, *args, **kwargs):
        new, state = sgd_step(theta, grad, state, *args, **kwargs)
        return 2 * theta - new, state
    with pytest.raises(CheckFailed, match="wrong sign"):
        check_torch_sgd_step(uphill)

    def scaffold(theta, grad, state, lr, momentum, dampening, weight_decay, nesterov):
        ...   # your code here
        return new_theta, new_state  # noqa: F821
    with pytest.raises(CheckFailed, match="step 1 raised NameError"):
        check_torch_sgd_step(scaffold)


def test_in_place_modification_is_refused():
    def in_place(theta, grad, state, lr, momentum, dampening, weight_decay, nesterov):
        new, state = sgd_step(theta, grad, state, lr, momentum, dampening, weight_decay, nesterov)
        theta -= 0.0
        grad *= 1.0
        theta[0] = new[0]
        return new, state
    with pytest.raises(CheckFailed, match="modified theta or grad in place"):
        check_torch_sgd_step(in_place)


@pytest.mark.parametrize("config", [
    dict(momentum=0.9, dampening=0.5, weight_decay=0.1, nesterov=False),
    dict(momentum=0.9, dampening=0.0, weight_decay=0.1, nesterov=True),
    dict(momentum=0.0, dampening=0.5, weight_decay=0.1, nesterov=False),
])
def test_replay_equals_installed_torch_under_step_lr(config):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((12, 3))
    theta = torch.tensor([3.0, 1.0, -1.5], dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([theta], lr=0.05, **config)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)
    thetas, lrs = [], []
    for g in grads:
        thetas.append(theta.detach().numpy().copy())
        lrs.append(optimizer.param_groups[0]["lr"])
        theta.grad = torch.from_numpy(g.copy())
        optimizer.step()
        scheduler.step()
        replayed = torch_sgd_replay(thetas, grads[:len(thetas)], lrs, **config)
        np.testing.assert_allclose(replayed, theta.detach().numpy(), rtol=1e-13, atol=1e-15)
