"""Gradient clipping equals torch.nn.utils.clip_grad_norm_, run by run."""

import numpy as np
import pytest
import torch

import optlib
from optlib.transforms import clip_by_global_norm, scale_by_learning_rate


@pytest.mark.parametrize("scale", [0.01, 1.0, 50.0])
def test_clipping_equals_torch(scale):
    g = np.random.default_rng(0).normal(size=7) * scale
    t = torch.zeros(7, dtype=torch.float64, requires_grad=True)
    t.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_norm_([t], max_norm=1.5)
    clipped, _ = clip_by_global_norm(1.5).update(g, None)
    np.testing.assert_allclose(clipped, t.grad.numpy(), rtol=1e-14, atol=0)
    assert np.linalg.norm(clipped) <= 1.5


def test_each_run_of_a_batch_is_clipped_on_its_own():
    g = np.array([[3.0, 4.0], [0.3, 0.4]])                  # norms 5 and 0.5
    clipped, _ = clip_by_global_norm(1.0).update(g, None)
    np.testing.assert_allclose(clipped[0], g[0] / (5 + 1e-6))
    np.testing.assert_array_equal(clipped[1], g[1])          # below the threshold: untouched


def test_clipping_in_a_chain_tames_a_steep_start():
    f = optlib.landscapes.rosenbrock()
    opt = optlib.chain(clip_by_global_norm(10.0), scale_by_learning_rate(2e-3))
    traj = optlib.run(opt, f, f.start, steps=3)
    assert np.all(np.linalg.norm(np.diff(traj.params, axis=0), axis=-1) <= 2e-3 * 10 + 1e-12)


def test_bad_max_norm_is_refused():
    with pytest.raises(ValueError, match="Invalid max_norm value: max_norm=0.0"):
        clip_by_global_norm(0.0)
