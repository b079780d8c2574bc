"""The record of a fit: everything it has produced, replaced whole each epoch.

Replacing it is one assignment, which an interrupt cannot split: a fit always
ends on a consistent set of epochs. The estimator keeps the last record
(``_record``) and sets its public fitted attributes from it, at once, at the
end of the fit (`FitRecord.attributes`); a continued fit (``warm_start``,
``partial_fit``) starts from it (`FitRecord.continued`). A new fitted
attribute is a field here and a line of `attributes`.
"""

import dataclasses
from dataclasses import dataclass

import numpy as np

from skdigits.neural_network._training import TrainingState


@dataclass(frozen=True)
class FitRecord:
    """The weights, the counts and the curves of a fit, and its stopping rule.

    ``logs`` holds the ``logs`` dict of each epoch since the fit that started
    from fresh weights (Keras callbacks may add to the last one); ``n_iter``
    counts the epochs of this call only, as MLPClassifier's ``n_iter_``.
    """

    state: TrainingState
    stopping: object  # a rule of `_stopping`
    n_iter: int = 0
    t: int = 0
    epochs_total: int = 0
    partial_fit_epochs: int = 0
    loss_curve: tuple = ()
    logs: tuple = ()
    best_state: TrainingState | None = None
    stop: bool = False

    def after_epoch(self, *, state, loss, logs, stopping, n_samples, incremental):
        """The record after one more epoch, whose weights are ``state``."""
        return dataclasses.replace(
            self,
            state=state,
            stopping=stopping,
            n_iter=self.n_iter + 1,
            t=self.t + n_samples,
            epochs_total=self.epochs_total + 1,
            partial_fit_epochs=self.partial_fit_epochs + incremental,
            loss_curve=(*self.loss_curve, loss),
            logs=(*self.logs, logs),
            best_state=state if stopping.improved else self.best_state,
        )

    def continued(self, *, state, stopping, incremental: bool) -> "FitRecord":
        """The record a continued fit starts from, with its own rule and state."""
        return dataclasses.replace(
            self,
            state=state,
            stopping=stopping,
            n_iter=0,
            partial_fit_epochs=self.partial_fit_epochs if incremental else 0,
            best_state=None,
            stop=False,
        )

    def attributes(self) -> dict:
        """The public fitted attributes this record holds."""
        history = {}
        for logs in self.logs:
            for name, value in logs.items():
                history.setdefault(name, []).append(value)
        return {
            "n_iter_": self.n_iter,
            "t_": self.t,
            "loss_": self.loss_curve[-1] if self.loss_curve else np.nan,
            "loss_curve_": list(self.loss_curve),
            "history_": history,
            **self.stopping.attributes(),
        }
