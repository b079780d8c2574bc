"""Learning-rate schedules: the rate of each epoch, decided in one object.

A schedule's ``rate(epoch, current)`` is the learning rate of the epoch
``epoch`` (counted from the start of the fit, or of the ``partial_fit``
calls), given the rate now in use (``current``), which Keras callbacks such
as ``ReduceLROnPlateau`` may have changed. ``sets_the_length`` says whether
the schedule, not the training loss, decides how many epochs a fit runs.
"""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np


@dataclass(frozen=True)
class ConstantLearningRate:
    """The rate stays as it is: ``learning_rate_init``, or a callback's."""

    learning_rate_init: float
    sets_the_length: ClassVar[bool] = False

    def rate(self, epoch: int, current: float) -> float:
        return current


@dataclass(frozen=True)
class CosineLearningRate:
    """``learning_rate_init`` decayed to 0 along half a cosine of ``period`` epochs.

    The schedule restarts after each ``period`` epochs (``partial_fit``
    calls count as epochs). It runs its whole period: the training loss
    does not stop it, and reaching ``max_iter`` is no convergence failure.
    """

    learning_rate_init: float
    period: int
    sets_the_length: ClassVar[bool] = True

    def rate(self, epoch: int, current: float) -> float:
        progress = (epoch % self.period) / self.period
        return self.learning_rate_init * 0.5 * (1 + np.cos(np.pi * progress))


def make_schedule(name: str, learning_rate_init: float, max_iter: int):
    """The schedule called ``name`` (the estimators' ``learning_rate``)."""
    if name == "cosine":
        return CosineLearningRate(learning_rate_init, max_iter)
    return ConstantLearningRate(learning_rate_init)
