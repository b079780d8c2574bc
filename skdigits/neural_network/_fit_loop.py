"""The epochs of one fit: batches, schedule, stopping rule and callbacks.

`FitLoop.run` takes the record a fit starts from (`_fit_record`) and returns
the record it ends on. Each epoch is one call of the network's compiled
program (`_training.Trainer`); around it, the learning-rate schedule
(`_schedules`) gives the epoch's rate, the stopping rule (`_stopping`)
judges the epoch, and the Keras callbacks (`_keras_callbacks`) see it.

An interrupt (``KeyboardInterrupt``) after one or more epochs ends the loop
with the epochs already trained, as MLPClassifier does; one before the first
epoch, or any error, propagates, and the estimator undoes the fit.
"""

import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass, fields

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skdigits._warnings import find_stack_level
from skdigits.neural_network._fit_record import FitRecord
from skdigits.neural_network._keras_callbacks import KerasCallbacks, NoCallbacks
from skdigits.neural_network._network import Network
from skdigits.neural_network._outputs import STRATIFIED_OUTPUTS, validation_results
from skdigits.neural_network._training import Trainer, run_in_blocks

# Sparse training data are made dense a chunk of batches at a time, of at most
# this many values (32 MiB in float32), never as a whole.
_SPARSE_CHUNK_VALUES = 2**23

NON_FINITE_MESSAGE = (
    "Solver produced non-finite parameter weights. The input data may contain "
    "large values and need to be preprocessed."
)


@dataclass(frozen=True)
class FitConfig:
    """The estimator's parameters that run the epochs, read once a fit.

    A parameter of the loop is a field here, read from the estimator by
    name (`FitConfig.of`); ``tol`` and ``n_iter_no_change`` belong to the
    stopping rule, and the learning rate to the schedule.
    """

    max_iter: int
    batch_size: int | str
    alpha: float
    shuffle: bool
    verbose: int
    early_stopping: bool
    validation_fraction: float
    callbacks: list | None

    @classmethod
    def of(cls, estimator) -> "FitConfig":
        """The configuration of ``estimator``'s parameters of the same names."""
        return cls(
            **{field.name: getattr(estimator, field.name) for field in fields(cls)}
        )


@dataclass
class FitLoop:
    """How one fit runs its epochs.

    ``schedule`` is a learning-rate schedule (`_schedules`); the stopping
    rule (`_stopping`) travels in the record, which carries it from one fit
    to the next; ``make_optimizer(keras)`` builds the optimizer that Keras
    callbacks see.
    """

    trainer: Trainer
    network: Network
    schedule: object
    make_optimizer: Callable
    seed: int
    incremental: bool
    config: FitConfig

    def run(self, record: FitRecord, X, y, Y, sample_weight, rng):
        """Run the epochs from ``record``; return the last record and the
        callbacks' Keras model (None without callbacks)."""
        network = self.network
        validation = None
        if self.config.early_stopping and not self.incremental:
            X, X_val, Y, Y_val, sample_weight, w_val = train_test_split(
                X,
                Y,
                sample_weight,
                random_state=rng,
                test_size=self.config.validation_fraction,
                stratify=y if network.output in STRATIFIED_OUTPUTS else None,
            )
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase "
                    "'validation_fraction' or the size of your dataset."
                )
            validation = X_val, Y_val, w_val

        n_samples = X.shape[0]
        batch_size = self._batch_size(n_samples)
        W = sample_weight.astype(network.dtype)
        data = (
            None if sp.issparse(X) else self.trainer.put(X.astype(network.dtype), Y, W)
        )
        n_epochs = 1 if self.incremental else self.config.max_iter
        callbacks = self._callbacks(n_epochs, -(-n_samples // batch_size))
        callbacks.on_train_begin()

        learning_rate = float(self.schedule.learning_rate_init)
        try:
            for epoch in range(n_epochs):
                position = record.partial_fit_epochs if self.incremental else epoch
                learning_rate = self.schedule.rate(position, learning_rate)
                learning_rate = callbacks.on_epoch_begin(epoch, learning_rate)
                batches, valid = self._epoch_batches(rng, n_samples, batch_size)
                state, loss = self._run_epoch(
                    record, data, (X, Y, W), batches, valid, learning_rate
                )
                record = self._end_of_epoch(record, state, loss, n_samples, validation)
                if self.config.verbose == 1:
                    print(f"Iteration {record.n_iter}, loss = {loss:.8f}")
                learning_rate, asked_to_stop = callbacks.on_epoch_end(
                    epoch, record.logs[-1], record.state, len(batches), learning_rate
                )
                if asked_to_stop or record.stop:
                    break
            else:
                if not self.incremental and not self.schedule.sets_the_length:
                    warnings.warn(
                        "Stochastic Optimizer: Maximum iterations "
                        f"({self.config.max_iter}) reached and the optimization "
                        "hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=find_stack_level(),
                    )
        except KeyboardInterrupt:
            if record.n_iter == 0:
                raise
            warnings.warn(
                "Training interrupted by user.", stacklevel=find_stack_level()
            )

        # A callback may have restored other weights into its model.
        record = dataclasses.replace(record, state=callbacks.on_train_end(record.state))
        if record.best_state is not None:
            # The weights of the best validation score, as MLPClassifier keeps.
            record = dataclasses.replace(record, state=record.best_state)
        return record, callbacks.model

    def _callbacks(self, n_epochs, steps):
        if not (self.config.callbacks or self.config.verbose >= 2):
            return NoCallbacks()
        from skdigits._jax_runtime.keras import import_keras

        keras = import_keras()
        return KerasCallbacks(
            keras,
            self.network,
            self.make_optimizer(keras),
            self.config.callbacks or (),
            progbar=self.config.verbose >= 2,
            epochs=n_epochs,
            steps=steps,
        )

    def _run_epoch(self, record, data, arrays, batches, valid, learning_rate):
        """One epoch; return the new state and the mean training loss."""
        common = {
            "learning_rate": learning_rate,
            "alpha": self.config.alpha,
            "seed": self.seed,
            "epoch": record.epochs_total,
        }
        if data is not None:
            state, loss, _ = self.trainer.run_epoch(
                record.state, data, batches, valid, **common
            )
            return state.to_numpy(), loss
        # Sparse X: a chunk of batches at a time, each chunk made dense.
        X, Y, W = arrays
        per_chunk = _SPARSE_CHUNK_VALUES // (batches.shape[1] * X.shape[1])
        per_chunk = min(max(per_chunk, 1), batches.shape[0])

        def run_chunk(state, first, rows, rows_valid):
            chunk = self.trainer.put(
                X[rows.ravel()].toarray().astype(W.dtype),
                Y[rows.ravel()],
                W[rows.ravel()],
            )
            local = np.arange(rows.size, dtype=np.int32).reshape(rows.shape)
            return self.trainer.run_epoch(
                state, chunk, local, rows_valid, first_step=first, **common
            )

        state, loss, _ = run_in_blocks(
            record.state, batches, valid, per_chunk, run_chunk
        )
        return state.to_numpy(), loss

    def _end_of_epoch(self, record, state, loss, n_samples, validation):
        """The record after an epoch, with the stopping rule's verdict.

        A diverged epoch (non-finite weights or loss) raises MLPClassifier's
        error, but under early stopping after a sane epoch, where it does
        what MLPClassifier does: its NaN validation score is recorded and
        the best weights are kept. Training stops there, as no later epoch
        can start from finite weights.
        """
        diverged = not np.isfinite(loss) or not all(
            np.isfinite(w).all() for w in state.trainable
        )
        epoch = record.epochs_total + 1
        if diverged and (validation is None or record.best_state is None):
            raise ValueError(
                f"{NON_FINITE_MESSAGE} Training diverged at epoch {epoch}; a "
                "lower learning_rate_init may help."
            )
        logs = {"loss": loss}
        score = None
        if validation is not None:
            score, val_loss = (
                (np.nan, np.nan)
                if diverged
                else validation_scores(self.network, self.trainer, state, *validation)
            )
            logs["val_accuracy"] = score
            logs["val_loss"] = val_loss
            if self.config.verbose == 1:
                print(f"Validation score: {score:f}")
        stopping = record.stopping.after_epoch(loss, score)
        record = record.after_epoch(
            state=state,
            loss=loss,
            logs=logs,
            stopping=stopping,
            n_samples=n_samples,
            incremental=self.incremental,
        )
        stop = stopping.should_stop and not self.incremental
        if diverged:
            warnings.warn(
                f"Training diverged at epoch {epoch} (non-finite weights or "
                "loss): stopped, keeping the weights of the best validation "
                "score. A lower learning_rate_init may help.",
                ConvergenceWarning,
                stacklevel=find_stack_level(),
            )
            stop = True
        elif stop and self.config.verbose == 1:
            print(stopping.stop_message)
        return dataclasses.replace(record, stop=stop)

    def _batch_size(self, n_samples):
        if self.config.batch_size == "auto":
            return min(200, n_samples)
        if self.config.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is "
                "going to be clipped",
                stacklevel=find_stack_level(),
            )
        return min(self.config.batch_size, n_samples)

    def _epoch_batches(self, rng, n_samples, batch_size):
        """Sample indices of each batch, padded to full batches, and a mask."""
        order = (
            rng.permutation(n_samples) if self.config.shuffle else np.arange(n_samples)
        )
        n_batches = -(-n_samples // batch_size)
        padded = np.zeros(n_batches * batch_size, dtype=np.int32)
        padded[:n_samples] = order
        valid = np.zeros(n_batches * batch_size, dtype=np.float32)
        valid[:n_samples] = 1
        return padded.reshape(n_batches, -1), valid.reshape(n_batches, -1)


def validation_scores(network, trainer, state, X, Y, sample_weight):
    """Accuracy and mean loss of the network ``state`` on validation data
    (for texts, the share read exactly: `_outputs.validation_results`)."""
    log_proba = network.predictor(state, trainer).log_proba(X)
    correct, losses = validation_results(log_proba, Y, network.output)
    if not np.sum(sample_weight) > 0:
        sample_weight = None
    return (
        float(np.average(correct, weights=sample_weight)),
        float(np.average(losses, weights=sample_weight)),
    )
