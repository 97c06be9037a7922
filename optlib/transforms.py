r"""Building blocks: the small gradient transformations every optimizer is made of.

Each function returns a :class:`~optlib.base.GradientTransformation`. They
read the incoming *updates* ``u`` (at the head of a chain, the gradient
:math:`g`) and return new updates; :func:`scale_by_learning_rate` turns a
direction into a step :math:`-\gamma u`. Symbols follow the notation page:
:math:`\theta` parameters, :math:`g` gradient, :math:`\gamma` learning rate
(``lr``), :math:`m, v` first and second moments, :math:`\beta_1, \beta_2`,
:math:`\epsilon`, :math:`\lambda` weight decay, :math:`t` the step (1 for the
first update).

Every hyperparameter may be a number or a numpy array broadcastable against
the parameters (one value per row of a batch of runs). Nothing is modified in
place.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .base import Array, GradientTransformation
from .hyperparameters import (betas_pair, check_broadcast, hyperparameter, is_zero,
                              learning_rate, schedule_value)


class EmptyState(NamedTuple):
    """The state of a transform that remembers nothing."""


class CountState(NamedTuple):
    """How many updates have been made (0 before the first)."""

    count: int


def scale_by_learning_rate(lr) -> GradientTransformation:
    r"""Turn a direction into a step: :math:`u \leftarrow -\gamma_t u`.

    Args:
        lr: the learning rate :math:`\gamma \ge 0`; a number, an array
            broadcastable against the params, or a schedule ``lr(count)``
            evaluated at ``count = 0`` for the first update.

    Example:
        >>> import numpy as np
        >>> t = scale_by_learning_rate(0.1)
        >>> t.update(np.array([1.0, 2.0]), t.init(np.zeros(2)))[0]
        array([-0.1, -0.2])
    """
    lr = learning_rate(lr)

    def init(params):
        if not callable(lr):
            check_broadcast(params, lr=lr)
        return CountState(count=0)

    def update(updates, state, params=None):
        return -schedule_value(lr, state.count) * updates, CountState(state.count + 1)

    return GradientTransformation(init, update)


def add_decayed_weights(weight_decay) -> GradientTransformation:
    r"""Add weight decay: :math:`u \leftarrow u + \lambda \theta`.

    Placed before an adaptive scaling it is L2 regularisation (the decay
    passes through the scaling); placed after it, it is decoupled weight
    decay (AdamW).

    Args:
        weight_decay: :math:`\lambda \ge 0`.
    """
    weight_decay = hyperparameter(weight_decay, "weight_decay", "weight_decay value", low=0.0)

    def init(params):
        check_broadcast(params, weight_decay=weight_decay)
        return EmptyState()

    def update(updates, state, params=None):
        if is_zero(weight_decay):
            return updates, state
        if params is None:
            raise ValueError("add_decayed_weights needs params: call update(grads, state, params)")
        return updates + weight_decay * params, state

    return GradientTransformation(init, update)


class TraceState(NamedTuple):
    """PyTorch's momentum buffer ``b`` and the number of updates made."""

    count: int
    b: Array


def trace(momentum, dampening=0.0, nesterov: bool = False) -> GradientTransformation:
    r"""Momentum as PyTorch's SGD keeps it (the learning rate stays outside).

    .. math::
        b_1 = u_1, \qquad b_t = \mu b_{t-1} + (1 - \tau) u_t, \qquad
        u \leftarrow u_t + \mu b_t \ \text{(Nesterov)} \ \text{or}\ b_t.

    The first buffer is the first update itself, without dampening. Where
    :math:`\mu = 0` there is no buffer (as in PyTorch), so :math:`\tau` has no
    effect there.

    Args:
        momentum: :math:`\mu \ge 0`.
        dampening: :math:`\tau \in [0, 1]`.
        nesterov: use Nesterov's look-ahead form; needs :math:`\mu > 0` and
            :math:`\tau = 0`.
    """
    momentum = hyperparameter(momentum, "momentum", "momentum value", low=0.0)
    dampening = hyperparameter(dampening, "dampening", "dampening value", low=0.0, high=1.0)
    if nesterov and (np.any(np.asarray(momentum) <= 0) or not is_zero(dampening)):
        raise ValueError(
            "Nesterov momentum requires a momentum and zero dampening: got "
            f"momentum={momentum!r}, dampening={dampening!r} (need momentum > 0, dampening = 0)"
        )
    keep = 1.0 - np.where(np.asarray(momentum) == 0, 0.0, dampening)

    def init(params):
        check_broadcast(params, momentum=momentum, dampening=dampening)
        return TraceState(count=0, b=np.zeros_like(params))

    def update(updates, state, params=None):
        if state.count == 0:
            b = np.array(updates, dtype=np.float64)   # a copy: never alias the caller's array
        else:
            b = momentum * state.b + keep * updates
        out = updates + momentum * b if nesterov else b.copy()   # the state keeps its own b
        return out, TraceState(state.count + 1, b)

    return GradientTransformation(init, update)


class ScaleByRssState(NamedTuple):
    """Adagrad's running sum of squared gradients ``s``."""

    s: Array


def scale_by_rss(initial_accumulator_value=0.0, eps=1e-10) -> GradientTransformation:
    r"""Adagrad's scaling by the root of the sum of squares.

    .. math::
        s_t = s_{t-1} + g_t^2, \qquad u \leftarrow g_t / (\sqrt{s_t} + \epsilon),
        \qquad s_0 = \text{initial\_accumulator\_value}.

    Args:
        initial_accumulator_value: :math:`s_0 \ge 0`.
        eps: :math:`\epsilon \ge 0`, added outside the root (as PyTorch).
    """
    s0 = hyperparameter(initial_accumulator_value, "initial_accumulator_value",
                        "initial_accumulator_value value", low=0.0)
    eps = hyperparameter(eps, "eps", "epsilon value", low=0.0)

    def init(params):
        check_broadcast(params, initial_accumulator_value=s0, eps=eps)
        return ScaleByRssState(s=np.full_like(params, 0.0) + s0)

    def update(updates, state, params=None):
        s = state.s + updates * updates
        return updates / (np.sqrt(s) + eps), ScaleByRssState(s)

    return GradientTransformation(init, update)


class ScaleByRmsState(NamedTuple):
    """RMSprop's moving averages: ``v`` of g², ``g_avg`` of g (centered only)."""

    v: Array
    g_avg: Array


def scale_by_rms(alpha=0.99, eps=1e-8, centered: bool = False) -> GradientTransformation:
    r"""RMSprop's scaling by a moving root mean square (no bias correction).

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2, \qquad
        u \leftarrow g_t / (\sqrt{\tilde v_t} + \epsilon),

    with :math:`\tilde v_t = v_t` or, centered,
    :math:`\bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t` and
    :math:`\tilde v_t = v_t - \bar g_t^2`. :math:`v_0 = \bar g_0 = 0`.

    Args:
        alpha: the decay :math:`\alpha \in [0, 1)`.
        eps: :math:`\epsilon \ge 0`, outside the root (as PyTorch).
        centered: divide by an estimate of the variance instead.
    """
    alpha = hyperparameter(alpha, "alpha", "alpha value", low=0.0, high=1.0, high_open=True)
    eps = hyperparameter(eps, "eps", "epsilon value", low=0.0)

    def init(params):
        check_broadcast(params, alpha=alpha, eps=eps)
        return ScaleByRmsState(v=np.zeros_like(params), g_avg=np.zeros_like(params))

    def update(updates, state, params=None):
        v = alpha * state.v + (1 - alpha) * updates * updates
        g_avg = alpha * state.g_avg + (1 - alpha) * updates if centered else state.g_avg
        v_tilde = v - g_avg * g_avg if centered else v
        return updates / (np.sqrt(v_tilde) + eps), ScaleByRmsState(v, g_avg)

    return GradientTransformation(init, update)


class ScaleByAdadeltaState(NamedTuple):
    """Adadelta's moving averages: ``v`` of g², ``u`` of squared steps."""

    v: Array
    u: Array


def scale_by_adadelta(rho=0.9, eps=1e-6) -> GradientTransformation:
    r"""Adadelta's unit-correcting scaling.

    .. math::
        v_t = \rho v_{t-1} + (1-\rho) g_t^2, \quad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t, \quad
        u_t = \rho u_{t-1} + (1-\rho) \Delta_t^2,

    and the direction is :math:`\Delta_t`. :math:`v_0 = u_0 = 0`.

    Args:
        rho: the decay :math:`\rho \in [0, 1]`.
        eps: :math:`\epsilon \ge 0`, inside both roots (as PyTorch and Zeiler).
    """
    rho = hyperparameter(rho, "rho", "rho value", low=0.0, high=1.0)
    eps = hyperparameter(eps, "eps", "epsilon value", low=0.0)

    def init(params):
        check_broadcast(params, rho=rho, eps=eps)
        return ScaleByAdadeltaState(v=np.zeros_like(params), u=np.zeros_like(params))

    def update(updates, state, params=None):
        v = rho * state.v + (1 - rho) * updates * updates
        delta = np.sqrt(state.u + eps) / np.sqrt(v + eps) * updates
        u = rho * state.u + (1 - rho) * delta * delta
        return delta, ScaleByAdadeltaState(v, u)

    return GradientTransformation(init, update)


def _power(base, exponent):
    """``base ** exponent`` by numpy's routine whether ``base`` is a number or an
    array. Python's ``**`` on floats (libm) and numpy's vectorised power can
    differ in the last bit; with one routine, a batched run with array
    hyperparameters is bit for bit the scalar runs it gathers."""
    return np.power(base, exponent)


def _moments(state_m, state_v, g, beta1, beta2):
    """The two exponential moving averages of Adam and its family."""
    return beta1 * state_m + (1 - beta1) * g, beta2 * state_v + (1 - beta2) * g * g


class ScaleByAdamState(NamedTuple):
    """Adam's step count, moments ``m`` and ``v``, and AMSGrad's ``v_max``."""

    count: int
    m: Array
    v: Array
    v_max: Array | None


def scale_by_adam(betas=(0.9, 0.999), eps=1e-8, amsgrad: bool = False) -> GradientTransformation:
    r"""Adam's scaling, with bias correction and optional AMSGrad.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
        \hat m_t = \frac{m_t}{1-\beta_1^t}, \quad
        \hat v_t = \frac{v_t}{1-\beta_2^t}, \quad
        u \leftarrow \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}.

    With AMSGrad, :math:`v^{\max}_t = \max(v^{\max}_{t-1}, v_t)` on the
    *uncorrected* :math:`v` and :math:`\hat v_t = v^{\max}_t / (1-\beta_2^t)`
    (as PyTorch). :math:`\epsilon` is added after the bias correction.

    Args:
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1).
        eps: :math:`\epsilon \ge 0`.
        amsgrad: keep the running maximum of :math:`v`.
    """
    beta1, beta2 = betas_pair(betas)
    eps = hyperparameter(eps, "eps", "epsilon value", low=0.0)

    def init(params):
        check_broadcast(params, beta1=beta1, beta2=beta2, eps=eps)
        zeros = np.zeros_like(params)
        return ScaleByAdamState(0, zeros, zeros, zeros if amsgrad else None)

    def update(updates, state, params=None):
        t = state.count + 1
        m, v = _moments(state.m, state.v, updates, beta1, beta2)
        v_max = np.maximum(state.v_max, v) if amsgrad else None
        m_hat = m / (1 - _power(beta1, t))
        v_hat = (v_max if amsgrad else v) / (1 - _power(beta2, t))
        return m_hat / (np.sqrt(v_hat) + eps), ScaleByAdamState(t, m, v, v_max)

    return GradientTransformation(init, update)


class ScaleByNadamState(NamedTuple):
    """NAdam's step count, moments, and the product of the momentum schedule."""

    count: int
    m: Array
    v: Array
    mu_product: Array


def nadam_momentum(beta1, momentum_decay, t):
    r"""PyTorch's NAdam momentum schedule :math:`\mu_t = \beta_1 (1 - \tfrac12 0.96^{t\psi})`."""
    return beta1 * (1.0 - 0.5 * _power(0.96, t * momentum_decay))


def scale_by_nadam(betas=(0.9, 0.999), eps=1e-8, momentum_decay=4e-3) -> GradientTransformation:
    r"""NAdam's scaling: Adam with a Nesterov look-ahead on the first moment.

    .. math::
        \mu_t = \beta_1\bigl(1 - \tfrac12\, 0.96^{t\psi}\bigr), \quad
        \hat m_t = \frac{\mu_{t+1} m_t}{1 - \prod_{i \le t+1} \mu_i}
                 + \frac{(1-\mu_t) g_t}{1 - \prod_{i \le t} \mu_i}, \quad
        u \leftarrow \frac{\hat m_t}{\sqrt{v_t / (1-\beta_2^t)} + \epsilon},

    with :math:`m_t, v_t` Adam's moments.

    Args:
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1).
        eps: :math:`\epsilon \ge 0`.
        momentum_decay: :math:`\psi \ge 0`.
    """
    beta1, beta2 = betas_pair(betas)
    eps = hyperparameter(eps, "eps", "epsilon value", low=0.0)
    psi = hyperparameter(momentum_decay, "momentum_decay", "momentum_decay value", low=0.0)

    def init(params):
        check_broadcast(params, beta1=beta1, beta2=beta2, eps=eps, momentum_decay=psi)
        zeros = np.zeros_like(params)
        return ScaleByNadamState(0, zeros, zeros, np.ones(np.broadcast_shapes(np.shape(beta1), np.shape(psi))))

    def update(updates, state, params=None):
        t = state.count + 1
        mu, mu_next = nadam_momentum(beta1, psi, t), nadam_momentum(beta1, psi, t + 1)
        mu_product = state.mu_product * mu
        m, v = _moments(state.m, state.v, updates, beta1, beta2)
        denom = np.sqrt(v / (1 - _power(beta2, t))) + eps
        m_hat = (1 - mu) / (1 - mu_product) * updates + mu_next / (1 - mu_product * mu_next) * m
        return m_hat / denom, ScaleByNadamState(t, m, v, mu_product)

    return GradientTransformation(init, update)


class ScaleByRadamState(NamedTuple):
    """RAdam's step count and Adam's moments."""

    count: int
    m: Array
    v: Array


def radam_rho(beta2, t):
    r"""RAdam's length of the approximated SMA, :math:`\rho_t`, and its limit :math:`\rho_\infty`."""
    rho_inf = 2 / (1 - beta2) - 1
    return rho_inf - 2 * t * _power(beta2, t) / (1 - _power(beta2, t)), rho_inf


def scale_by_radam(betas=(0.9, 0.999), eps=1e-8) -> GradientTransformation:
    r"""RAdam's rectified scaling.

    .. math::
        \rho_\infty = \frac{2}{1-\beta_2} - 1, \quad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1-\beta_2^t}; \quad
        u \leftarrow \begin{cases}
          \hat m_t\, r_t\, \dfrac{\sqrt{1-\beta_2^t}}{\sqrt{v_t} + \epsilon} & \rho_t > 5,\\
          \hat m_t & \text{otherwise,}\end{cases}

    with :math:`r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}`.

    Args:
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1).
        eps: :math:`\epsilon \ge 0`.
    """
    beta1, beta2 = betas_pair(betas)
    eps = hyperparameter(eps, "eps", "epsilon value", low=0.0)

    def init(params):
        check_broadcast(params, beta1=beta1, beta2=beta2, eps=eps)
        zeros = np.zeros_like(params)
        return ScaleByRadamState(0, zeros, zeros)

    def update(updates, state, params=None):
        t = state.count + 1
        m, v = _moments(state.m, state.v, updates, beta1, beta2)
        m_hat = m / (1 - _power(beta1, t))
        rho_t, rho_inf = radam_rho(beta2, t)
        rectify = rho_t > 5
        with np.errstate(divide="ignore", invalid="ignore"):
            # ρ_∞ = 4 (β₂ = 0.6) zeroes the denominator, where r is never used: np.divide
            # gives inf there (silenced) where Python floats raised ZeroDivisionError
            r = np.sqrt(np.divide((rho_t - 4) * (rho_t - 2) * rho_inf,
                                  (rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive = np.sqrt(1 - _power(beta2, t)) / (np.sqrt(v) + eps)
            out = np.where(rectify, m_hat * r * adaptive, m_hat)
        return out, ScaleByRadamState(t, m, v)

    return GradientTransformation(init, update)


class ScaleByAdamaxState(NamedTuple):
    """Adamax's step count, first moment ``m`` and infinity norm ``u``."""

    count: int
    m: Array
    u: Array


def scale_by_adamax(betas=(0.9, 0.999), eps=1e-8) -> GradientTransformation:
    r"""Adamax's scaling by an exponentially weighted infinity norm.

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad
        u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \quad
        u \leftarrow \frac{m_t}{(1-\beta_1^t)\, u_t}.

    :math:`\epsilon` sits inside the max, as in PyTorch (the paper has none).

    Args:
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1).
        eps: :math:`\epsilon \ge 0`.
    """
    beta1, beta2 = betas_pair(betas)
    eps = hyperparameter(eps, "eps", "epsilon value", low=0.0)

    def init(params):
        check_broadcast(params, beta1=beta1, beta2=beta2, eps=eps)
        zeros = np.zeros_like(params)
        return ScaleByAdamaxState(0, zeros, zeros)

    def update(updates, state, params=None):
        t = state.count + 1
        m = beta1 * state.m + (1 - beta1) * updates
        u = np.maximum(beta2 * state.u, np.abs(updates) + eps)
        return m / ((1 - _power(beta1, t)) * u), ScaleByAdamaxState(t, m, u)

    return GradientTransformation(init, update)


def clip_by_global_norm(max_norm) -> GradientTransformation:
    r"""Rescale the gradient when its norm exceeds ``max_norm``, as ``torch.nn.utils.clip_grad_norm_``.

    .. math::
        u \leftarrow u \cdot \min\Bigl(1, \frac{\text{max\_norm}}{\lVert u\rVert + 10^{-6}}\Bigr),

    the :math:`10^{-6}` being PyTorch's. The norm is taken over the last axis,
    so each run of a batch (params of shape ``(B, d)``) is clipped on its own,
    as one model's parameters are in PyTorch. Put it first in a chain:
    ``chain(clip_by_global_norm(1.0), scale_by_adam(), scale_by_learning_rate(lr))``.

    Args:
        max_norm: the largest norm let through, > 0.
    """
    max_norm = hyperparameter(max_norm, "max_norm", "max_norm value", low=0.0, low_open=True)

    def init(params):
        return EmptyState()

    def update(updates, state, params=None):
        norm = np.linalg.norm(updates, axis=-1, keepdims=True)
        return updates * np.minimum(1.0, max_norm / (norm + 1e-6)), state

    return GradientTransformation(init, update)
