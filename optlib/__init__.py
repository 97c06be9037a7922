"""optlib: the optimizers of machine learning, as small pure numpy functions.

The library of the open textbook on optimizers. Every optimizer is an
``init``/``update`` pair (:class:`GradientTransformation`) built by chaining
small transforms; every named recipe equals its torch.optim class in float64.

>>> import numpy as np, optlib
>>> opt = optlib.adam(lr=1e-3)
>>> params = np.zeros(3)
>>> state = opt.init(params)
>>> updates, state = opt.update(np.ones(3), state, params)
>>> params = optlib.apply_updates(params, updates)

Modules by role: :mod:`~optlib.base` (the contract), :mod:`~optlib.transforms`
(building blocks), :mod:`~optlib.optimizers` (named optimizers),
:mod:`~optlib.landscapes` and :mod:`~optlib.problems` (what to minimise),
:mod:`~optlib.running` (trajectories), :mod:`~optlib.analysis` (rates
predicted and measured), :mod:`~optlib.plotting`, :mod:`~optlib.widgets`,
:mod:`~optlib.checks` (exercise checkers), :mod:`~optlib.figures` (the book's
figures).
"""

from . import analysis, landscapes, problems, schedules, transforms
from .base import GradientTransformation, apply_updates, chain
from .optimizers import (adadelta, adagrad, adam, adamax, adamw, heavy_ball, nadam, radam,
                         rmsprop, sgd)
from .running import DivergenceError, Minibatches, Trajectory, run

__version__ = "0.1.0"

__all__ = [
    "GradientTransformation", "apply_updates", "chain",
    "sgd", "heavy_ball", "adagrad", "rmsprop", "adadelta", "adam", "adamw", "nadam", "radam",
    "adamax", "run", "Trajectory", "DivergenceError", "Minibatches", "analysis", "landscapes",
    "problems", "schedules", "transforms",
]
