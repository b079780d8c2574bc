"""When a fit stops: MLPClassifier's rule, as immutable objects.

Each rule is a value. ``after_epoch`` returns the rule after one more epoch
(its best so far, its count of epochs without improvement), so that the fit
record that holds it is replaced whole after each epoch, as an interrupt
cannot split. ``should_stop`` is the verdict; ``improved`` whether the fit
keeps the last epoch's weights as its best; ``attributes`` the fitted
attributes the rule owns (``best_loss_``, ``validation_scores_``,
``best_validation_score_``).
"""

import dataclasses
from dataclasses import dataclass

import numpy as np


class _NoImprovement:
    """Stop after more than ``n_iter_no_change`` epochs without improvement."""

    @property
    def should_stop(self) -> bool:
        return self.no_improvement_count > self.n_iter_no_change

    @property
    def stop_message(self) -> str:
        """What ``verbose`` prints when the rule stops the fit (MLPClassifier's)."""
        return (
            f"{self.criterion} did not improve more than tol={self.tol:f} for "
            f"{self.n_iter_no_change} consecutive epochs. Stopping."
        )


@dataclass(frozen=True)
class TrainingLossStopping(_NoImprovement):
    """Stop when the training loss has not fallen by ``tol`` for
    ``n_iter_no_change`` epochs in a row (``early_stopping=False``).

    With ``counts=False`` (a schedule that sets the length) the rule keeps
    the best loss but never stops the fit.
    """

    tol: float
    n_iter_no_change: float
    counts: bool = True
    best_loss: float = np.inf
    no_improvement_count: int = 0
    criterion = "Training loss"
    # The fit ends on its last weights, not on those of its best loss.
    improved = False

    def after_epoch(self, loss: float, score: float | None = None):
        count = self.no_improvement_count
        if self.counts:
            count = count + 1 if loss > self.best_loss - self.tol else 0
        return dataclasses.replace(
            self,
            best_loss=min(self.best_loss, loss),
            no_improvement_count=count,
        )

    def attributes(self) -> dict:
        return {
            "best_loss_": self.best_loss,
            "validation_scores_": None,
            "best_validation_score_": None,
        }


@dataclass(frozen=True)
class ValidationScoreStopping(_NoImprovement):
    """Stop when the validation accuracy has not risen by ``tol`` for
    ``n_iter_no_change`` epochs in a row (``early_stopping=True``).

    ``improved`` says whether the last epoch reached a new best score: the
    fit keeps those weights, as MLPClassifier does.
    """

    tol: float
    n_iter_no_change: float
    scores: tuple = ()
    best_score: float = -np.inf
    no_improvement_count: int = 0
    improved: bool = False
    criterion = "Validation score"

    def after_epoch(self, loss: float, score: float | None = None):
        improved = score > self.best_score  # False for a NaN score
        count = (
            self.no_improvement_count + 1 if score < self.best_score + self.tol else 0
        )
        return dataclasses.replace(
            self,
            scores=(*self.scores, score),
            best_score=score if improved else self.best_score,
            no_improvement_count=count,
            improved=improved,
        )

    def attributes(self) -> dict:
        return {
            "best_loss_": None,
            "validation_scores_": list(self.scores),
            "best_validation_score_": self.best_score,
        }


def make_stopping_rule(
    *,
    early_stopping: bool,
    tol: float,
    n_iter_no_change: float,
    counts: bool,
    previous=None,
):
    """The rule of a fit; a continued fit carries on ``previous``'s best.

    A continued fit's count starts again from 0, and a rule of the other
    kind (``early_stopping`` changed between warm-started fits) starts anew.
    """
    if early_stopping:
        rule = ValidationScoreStopping(tol, n_iter_no_change)
        if isinstance(previous, ValidationScoreStopping):
            rule = dataclasses.replace(
                rule, scores=previous.scores, best_score=previous.best_score
            )
        return rule
    rule = TrainingLossStopping(tol, n_iter_no_change, counts)
    if isinstance(previous, TrainingLossStopping):
        rule = dataclasses.replace(rule, best_loss=previous.best_loss)
    return rule
