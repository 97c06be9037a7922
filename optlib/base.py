"""The contract every optimizer in the book follows.

An optimizer is a :class:`GradientTransformation`: a pair of pure functions in
the shape of Optax's gradient transformations.

- ``init(params) -> state`` builds the optimizer's state for parameters of
  any shape;
- ``update(grads, state, params) -> (updates, new_state)`` turns a gradient
  into the change to add to the parameters.

Nothing is modified in place: the caller keeps every array it passed in, and
``apply_updates(params, updates)`` returns ``params + updates``. Named
optimizers (:mod:`optlib.optimizers`) are short :func:`chain` s of the small
transforms of :mod:`optlib.transforms`.

Example:
    >>> import numpy as np, optlib
    >>> opt = optlib.sgd(lr=0.1)
    >>> params = np.array([1.0, -2.0])
    >>> state = opt.init(params)
    >>> updates, state = opt.update(2 * params, state, params)
    >>> optlib.apply_updates(params, updates)
    array([ 0.8, -1.6])
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

Array = np.ndarray
State = Any


class GradientTransformation(NamedTuple):
    """A pure optimizer: ``init(params) -> state`` and
    ``update(grads, state, params) -> (updates, state)``."""

    init: Callable[[Array], State]
    update: Callable[[Array, State, Array | None], tuple[Array, State]]


def as_params(params) -> Array:
    """Return ``params`` as a float64 array, refusing what cannot be one.

    Raises:
        ValueError: if ``params`` is not numeric or holds NaN or infinity.
    """
    try:
        array = np.asarray(params, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"params must be a numeric array; got {params!r}") from error
    if not np.all(np.isfinite(array)):
        raise ValueError("params must be finite; got NaN or infinity")
    return array


def check_grads(grads, params) -> Array:
    """Return ``grads`` as a float64 array with the shape of ``params``.

    Raises:
        ValueError: if the shapes differ (a gradient never broadcasts).
    """
    grads = np.asarray(grads, dtype=np.float64)
    if params is not None and grads.shape != np.shape(params):
        raise ValueError(
            f"gradient of shape {grads.shape} does not match params of shape "
            f"{np.shape(params)}; the gradient must have exactly the shape of the params"
        )
    return grads


def chain(*transforms: GradientTransformation) -> GradientTransformation:
    """Compose transformations: the updates of each feed the next.

    ``chain(a, b)`` computes ``b(a(g))``; its state is the tuple of states.
    The composed ``update`` checks that the gradient has the shape of the
    parameters before any transform sees it.

    Example:
        >>> import optlib
        >>> from optlib.transforms import add_decayed_weights, scale_by_adam, scale_by_learning_rate
        >>> adamw = optlib.chain(scale_by_adam(), add_decayed_weights(1e-2), scale_by_learning_rate(1e-3))
    """

    def init(params):
        params = as_params(params)
        return tuple(t.init(params) for t in transforms)

    def update(grads, state, params=None):
        updates = check_grads(grads, params)
        new_state = []
        for transform, inner in zip(transforms, state, strict=True):
            updates, inner = transform.update(updates, inner, params)
            new_state.append(inner)
        return updates, tuple(new_state)

    return GradientTransformation(init, update)


def apply_updates(params, updates) -> Array:
    """Return ``params + updates`` as a new array (``params`` is untouched)."""
    return np.asarray(params, dtype=np.float64) + updates
