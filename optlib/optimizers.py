r"""The named optimizers: short chains of the transforms in :mod:`optlib.transforms`.

Each recipe is named like its torch.optim class, lower-case, takes
torch.optim's keywords with torch.optim's defaults, and equals torch.optim
step by step in float64 (``tests/test_against_torch.py``). Every
hyperparameter may be a number or a numpy array broadcastable against the
parameters, so that one run sweeps many values.

Usage, for any recipe::

    opt = optlib.adam(lr=1e-3)
    state = opt.init(params)
    updates, state = opt.update(grads, state, params)
    params = optlib.apply_updates(params, updates)
"""

from __future__ import annotations

from .base import GradientTransformation, chain
from .hyperparameters import hyperparameter, is_zero, learning_rate
from .transforms import (add_decayed_weights, scale_by_adadelta, scale_by_adam, scale_by_adamax,
                         scale_by_learning_rate, scale_by_nadam, scale_by_radam, scale_by_rms,
                         scale_by_rss, trace)


def sgd(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
        nesterov: bool = False) -> GradientTransformation:
    r"""Stochastic gradient descent, with optional momentum, as torch.optim.SGD.

    .. code-block:: text

        input : γ (lr), θ₀ (params), f (objective), λ (weight_decay),
                μ (momentum), τ (dampening), nesterov
        for t = 1, 2, ... do
            g_t ← ∇f(θ_{t-1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t-1}
            if μ ≠ 0:
                if t = 1:  b_t ← g_t
                else:      b_t ← μ b_{t-1} + (1 - τ) g_t
                if nesterov:  g_t ← g_t + μ b_t
                else:         g_t ← b_t
            θ_t ← θ_{t-1} - γ g_t
        return θ_t

    With ``momentum=0`` this is plain gradient descent,
    :math:`\theta_t = \theta_{t-1} - \gamma \nabla f(\theta_{t-1})`.

    Args:
        lr: learning rate :math:`\gamma \ge 0` (or a schedule of the step).
        momentum: :math:`\mu \ge 0`.
        dampening: :math:`\tau \in [0, 1]`.
        weight_decay: L2 penalty :math:`\lambda \ge 0`, added to the gradient.
        nesterov: Nesterov momentum (needs :math:`\mu > 0`, :math:`\tau = 0`).

    Example:
        >>> import numpy as np, optlib
        >>> opt = optlib.sgd(lr=0.1, momentum=0.9)
        >>> theta = np.array([1.0]); state = opt.init(theta)
        >>> updates, state = opt.update(2 * theta, state, theta)
        >>> optlib.apply_updates(theta, updates)
        array([0.8])

    References:
        Robbins & Monro (1951); Polyak (1964); Sutskever et al. (2013).
    """
    momentum = hyperparameter(momentum, "momentum", "momentum value", low=0.0)
    # checked here too: without momentum there is no trace() to check it
    dampening = hyperparameter(dampening, "dampening", "dampening value", low=0.0, high=1.0)
    parts = [add_decayed_weights(weight_decay)]
    if not is_zero(momentum) or nesterov:
        parts.append(trace(momentum, dampening, nesterov))
    return chain(*parts, scale_by_learning_rate(lr))


def heavy_ball(lr, momentum) -> GradientTransformation:
    r"""Polyak's heavy-ball method in its textbook (velocity) form.

    .. math::
        v_t = \beta v_{t-1} - \eta_t \nabla f(\theta_{t-1}), \qquad
        \theta_t = \theta_{t-1} + v_t, \qquad v_0 = 0,

    that is :math:`\theta_{t+1} = \theta_t - \eta \nabla f(\theta_t) + \beta(\theta_t - \theta_{t-1})`.
    The learning rate sits inside the velocity (as in Sutskever et al.); at
    a constant rate the iterates equal ``sgd(lr, momentum)``, whose buffer
    keeps the rate outside.

    Args:
        lr: learning rate :math:`\eta \ge 0` (or a schedule of the step).
        momentum: :math:`\beta \ge 0`.
    """
    return chain(scale_by_learning_rate(lr), trace(momentum))


def _adagrad_lr(lr, lr_decay):
    """PyTorch's Adagrad step size γ / (1 + (t - 1) lr_decay), as a schedule."""
    lr = learning_rate(lr)
    lr_decay = hyperparameter(lr_decay, "lr_decay", "lr_decay value", low=0.0)
    if is_zero(lr_decay):
        return lr
    if callable(lr):
        return lambda count: lr(count) / (1 + count * lr_decay)
    return lambda count: lr / (1 + count * lr_decay)


def adagrad(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
            eps=1e-10) -> GradientTransformation:
    r"""Adagrad, as torch.optim.Adagrad.

    .. code-block:: text

        input : γ (lr), θ₀ (params), f (objective), λ (weight_decay),
                lr_decay, s₀ (initial_accumulator_value), ε (eps)
        for t = 1, 2, ... do
            g_t ← ∇f(θ_{t-1})
            γ̃ ← γ / (1 + (t - 1) lr_decay)
            if λ ≠ 0:  g_t ← g_t + λ θ_{t-1}
            s_t ← s_{t-1} + g_t²
            θ_t ← θ_{t-1} - γ̃ g_t / (√s_t + ε)
        return θ_t

    Args:
        lr: learning rate :math:`\gamma \ge 0`.
        lr_decay: how fast the step decays, >= 0 (PyTorch's documentation
            writes it η; the book keeps η for the learning rate).
        weight_decay: :math:`\lambda \ge 0`.
        initial_accumulator_value: :math:`s_0 \ge 0`.
        eps: :math:`\epsilon \ge 0`, outside the root.

    Example:
        >>> import numpy as np, optlib
        >>> opt = optlib.adagrad(lr=0.1)
        >>> theta = np.array([1.0, -3.0]); state = opt.init(theta)
        >>> updates, _ = opt.update(2 * theta, state, theta)
        >>> updates.round(6)
        array([-0.1,  0.1])

    References:
        Duchi, Hazan & Singer (2011).
    """
    return chain(add_decayed_weights(weight_decay),
                 scale_by_rss(initial_accumulator_value, eps),
                 scale_by_learning_rate(_adagrad_lr(lr, lr_decay)))


def rmsprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
            centered: bool = False) -> GradientTransformation:
    r"""RMSprop, as torch.optim.RMSprop (no bias correction).

    .. code-block:: text

        input : γ (lr), θ₀ (params), f (objective), α (alpha), ε (eps),
                λ (weight_decay), μ (momentum), centered
        initialize : v₀ ← 0, ḡ₀ ← 0, b₀ ← 0
        for t = 1, 2, ... do
            g_t ← ∇f(θ_{t-1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t-1}
            v_t ← α v_{t-1} + (1 - α) g_t²
            ṽ_t ← v_t
            if centered:
                ḡ_t ← α ḡ_{t-1} + (1 - α) g_t
                ṽ_t ← v_t - ḡ_t²
            if μ > 0:
                b_t ← μ b_{t-1} + g_t / (√ṽ_t + ε)
                θ_t ← θ_{t-1} - γ b_t
            else:
                θ_t ← θ_{t-1} - γ g_t / (√ṽ_t + ε)
        return θ_t

    Args:
        lr: learning rate :math:`\gamma \ge 0`.
        alpha: decay :math:`\alpha \in [0, 1)` (PyTorch's default 0.99;
            Hinton, Keras and Optax use 0.9).
        eps: :math:`\epsilon \ge 0`, outside the root.
        weight_decay: :math:`\lambda \ge 0`.
        momentum: :math:`\mu \ge 0`.
        centered: normalise by an estimate of the variance.

    References:
        Hinton, Lecture 6e (2012).
    """
    momentum = hyperparameter(momentum, "momentum", "momentum value", low=0.0)
    parts = [add_decayed_weights(weight_decay), scale_by_rms(alpha, eps, centered)]
    if not is_zero(momentum):
        parts.append(trace(momentum))
    return chain(*parts, scale_by_learning_rate(lr))


def adadelta(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0) -> GradientTransformation:
    r"""Adadelta, as torch.optim.Adadelta.

    .. code-block:: text

        input : γ (lr), θ₀ (params), f (objective), ρ (rho), ε (eps), λ (weight_decay)
        initialize : v₀ ← 0, u₀ ← 0
        for t = 1, 2, ... do
            g_t ← ∇f(θ_{t-1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t-1}
            v_t ← ρ v_{t-1} + (1 - ρ) g_t²
            Δ_t ← √(u_{t-1} + ε) / √(v_t + ε) · g_t
            u_t ← ρ u_{t-1} + (1 - ρ) Δ_t²
            θ_t ← θ_{t-1} - γ Δ_t
        return θ_t

    Args:
        lr: multiplier :math:`\gamma \ge 0` (Zeiler's method has none: 1.0).
        rho: decay :math:`\rho \in [0, 1]`.
        eps: :math:`\epsilon \ge 0`, inside both roots.
        weight_decay: :math:`\lambda \ge 0`.

    References:
        Zeiler (2012).
    """
    return chain(add_decayed_weights(weight_decay), scale_by_adadelta(rho, eps),
                 scale_by_learning_rate(lr))


def adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
         amsgrad: bool = False) -> GradientTransformation:
    r"""Adam, as torch.optim.Adam; ``weight_decay`` is an L2 penalty.

    .. code-block:: text

        input : γ (lr), β₁, β₂ (betas), θ₀ (params), f (objective),
                λ (weight_decay), ε (eps), amsgrad
        initialize : m₀ ← 0, v₀ ← 0, v₀^max ← 0
        for t = 1, 2, ... do
            g_t ← ∇f(θ_{t-1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t-1}
            m_t ← β₁ m_{t-1} + (1 - β₁) g_t
            v_t ← β₂ v_{t-1} + (1 - β₂) g_t²
            m̂_t ← m_t / (1 - β₁^t)
            if amsgrad:
                v_t^max ← max(v_{t-1}^max, v_t)
                v̂_t ← v_t^max / (1 - β₂^t)
            else:
                v̂_t ← v_t / (1 - β₂^t)
            θ_t ← θ_{t-1} - γ m̂_t / (√v̂_t + ε)
        return θ_t

    Args:
        lr: learning rate :math:`\gamma \ge 0`.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1).
        eps: :math:`\epsilon \ge 0`, added after the bias correction.
        weight_decay: L2 penalty :math:`\lambda \ge 0` (passes through the scaling).
        amsgrad: use the running maximum of the uncorrected :math:`v`.

    Example:
        >>> import numpy as np, optlib
        >>> opt = optlib.adam(lr=0.1)
        >>> theta = np.array([1.0, -3.0]); state = opt.init(theta)
        >>> updates, _ = opt.update(2 * theta, state, theta)
        >>> updates.round(6)  # the first step has length lr in every coordinate
        array([-0.1,  0.1])

    References:
        Kingma & Ba (2015); Reddi, Kale & Kumar (2018) for AMSGrad.
    """
    return chain(add_decayed_weights(weight_decay), scale_by_adam(betas, eps, amsgrad),
                 scale_by_learning_rate(lr))


def adamw(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
          amsgrad: bool = False) -> GradientTransformation:
    r"""AdamW, as torch.optim.AdamW: Adam's scaling, then decoupled weight decay.

    It is :func:`adam` with :func:`~optlib.transforms.add_decayed_weights`
    moved after the scaling, so the decay is not rescaled per coordinate:

    .. code-block:: text

        for t = 1, 2, ... do
            g_t ← ∇f(θ_{t-1})
            θ_{t-1} ← θ_{t-1} - γ λ θ_{t-1}
            (the Adam step of adam(), on the raw gradient g_t)
        return θ_t

    PyTorch and Optax multiply :math:`\lambda` by the learning rate; Loshchilov
    & Hutter multiply it by the schedule multiplier only, so
    :math:`\lambda_{\text{torch}} \approx \lambda_{\text{paper}} / \alpha`.

    Args:
        lr: learning rate :math:`\gamma \ge 0`.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1).
        eps: :math:`\epsilon \ge 0`.
        weight_decay: decoupled decay :math:`\lambda \ge 0` (default 1e-2).
        amsgrad: use the running maximum of the uncorrected :math:`v`.

    References:
        Loshchilov & Hutter (2019).
    """
    return chain(scale_by_adam(betas, eps, amsgrad), add_decayed_weights(weight_decay),
                 scale_by_learning_rate(lr))


def _with_weight_decay(scaling, lr, weight_decay, decoupled: bool) -> GradientTransformation:
    """L2 (decay before the scaling) or decoupled (after it) weight decay."""
    decay = add_decayed_weights(weight_decay)
    parts = (scaling, decay) if decoupled else (decay, scaling)
    return chain(*parts, scale_by_learning_rate(lr))


def nadam(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
          decoupled_weight_decay: bool = False) -> GradientTransformation:
    r"""NAdam, as torch.optim.NAdam.

    .. code-block:: text

        input : γ (lr), β₁, β₂ (betas), θ₀ (params), f (objective),
                λ (weight_decay), ψ (momentum_decay), ε (eps)
        initialize : m₀ ← 0, v₀ ← 0
        for t = 1, 2, ... do
            g_t ← ∇f(θ_{t-1})
            if λ ≠ 0:  (decoupled) θ_{t-1} ← θ_{t-1} - γλθ_{t-1}  or  g_t ← g_t + λθ_{t-1}
            μ_t ← β₁ (1 - ½ 0.96^{tψ});  μ_{t+1} ← β₁ (1 - ½ 0.96^{(t+1)ψ})
            m_t ← β₁ m_{t-1} + (1 - β₁) g_t
            v_t ← β₂ v_{t-1} + (1 - β₂) g_t²
            m̂_t ← μ_{t+1} m_t / (1 - ∏_{i≤t+1} μ_i) + (1 - μ_t) g_t / (1 - ∏_{i≤t} μ_i)
            v̂_t ← v_t / (1 - β₂^t)
            θ_t ← θ_{t-1} - γ m̂_t / (√v̂_t + ε)
        return θ_t

    Args:
        lr: learning rate :math:`\gamma \ge 0`.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1).
        eps: :math:`\epsilon \ge 0`.
        weight_decay: :math:`\lambda \ge 0`.
        momentum_decay: :math:`\psi \ge 0`.
        decoupled_weight_decay: decay as AdamW does (NAdamW).

    References:
        Dozat (2016).
    """
    return _with_weight_decay(scale_by_nadam(betas, eps, momentum_decay), lr, weight_decay,
                              decoupled_weight_decay)


def radam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
          decoupled_weight_decay: bool = False) -> GradientTransformation:
    r"""RAdam, as torch.optim.RAdam.

    .. code-block:: text

        input : γ (lr), β₁, β₂ (betas), θ₀ (params), f (objective),
                λ (weight_decay), ε (eps)
        initialize : m₀ ← 0, v₀ ← 0, ρ_∞ ← 2/(1 - β₂) - 1
        for t = 1, 2, ... do
            g_t ← ∇f(θ_{t-1})
            if λ ≠ 0:  (decoupled) θ_{t-1} ← θ_{t-1} - γλθ_{t-1}  or  g_t ← g_t + λθ_{t-1}
            m_t ← β₁ m_{t-1} + (1 - β₁) g_t
            v_t ← β₂ v_{t-1} + (1 - β₂) g_t²
            m̂_t ← m_t / (1 - β₁^t)
            ρ_t ← ρ_∞ - 2 t β₂^t / (1 - β₂^t)
            if ρ_t > 5:
                l_t ← √(1 - β₂^t) / (√v_t + ε)
                r_t ← √((ρ_t - 4)(ρ_t - 2) ρ_∞ / ((ρ_∞ - 4)(ρ_∞ - 2) ρ_t))
                θ_t ← θ_{t-1} - γ m̂_t r_t l_t
            else:
                θ_t ← θ_{t-1} - γ m̂_t
        return θ_t

    Args:
        lr: learning rate :math:`\gamma \ge 0`.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1).
        eps: :math:`\epsilon \ge 0`.
        weight_decay: :math:`\lambda \ge 0`.
        decoupled_weight_decay: decay as AdamW does.

    References:
        Liu et al. (2020).
    """
    return _with_weight_decay(scale_by_radam(betas, eps), lr, weight_decay, decoupled_weight_decay)


def adamax(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0) -> GradientTransformation:
    r"""Adamax, as torch.optim.Adamax.

    .. code-block:: text

        input : γ (lr), β₁, β₂ (betas), θ₀ (params), f (objective),
                λ (weight_decay), ε (eps)
        initialize : m₀ ← 0, u₀ ← 0
        for t = 1, 2, ... do
            g_t ← ∇f(θ_{t-1})
            if λ ≠ 0:  g_t ← g_t + λ θ_{t-1}
            m_t ← β₁ m_{t-1} + (1 - β₁) g_t
            u_t ← max(β₂ u_{t-1}, |g_t| + ε)
            θ_t ← θ_{t-1} - γ m_t / ((1 - β₁^t) u_t)
        return θ_t

    Args:
        lr: learning rate :math:`\gamma \ge 0`.
        betas: :math:`(\beta_1, \beta_2)`, each in [0, 1).
        eps: :math:`\epsilon \ge 0`, inside the max (the paper has none).
        weight_decay: :math:`\lambda \ge 0`.

    References:
        Kingma & Ba (2015), section 7.1.
    """
    return chain(add_decayed_weights(weight_decay), scale_by_adamax(betas, eps),
                 scale_by_learning_rate(lr))
