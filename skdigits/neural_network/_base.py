"""The base of skdigits' Keras-backed classifiers.

A subclass only says what its network is (`_hidden_layer_sizes`, `_output`,
where its dropout goes); validation, training, early stopping, prediction and
persistence live here, once.

A fit is a transaction. It works on local copies and assigns the fitted
attributes at its end, in one step, so that a fit that fails (bad input, a
diverging network, an exception in a callback) or is interrupted before its
first epoch leaves the estimator exactly as it was. An interrupt
(``KeyboardInterrupt``) after one or more epochs ends the fit cleanly with the
epochs already trained, as MLPClassifier does.
"""

import copy
import dataclasses
import json
import warnings
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    StrOptions,
)
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

import skdigits
from skdigits._compat import enable_x64
from skdigits._keras import import_jax, import_keras, optimizer_config
from skdigits.neural_network._network import OUT_ACTIVATIONS, NetworkSpec, assign
from skdigits.neural_network._training import Trainer, TrainingState, get_trainer

_MAX_SEED = np.iinfo(np.int32).max

# Sparse training data are made dense a chunk of batches at a time, of at most
# this many values (32 MiB in float32), never as a whole.
_SPARSE_CHUNK_VALUES = 2**23

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

_NON_FINITE_MESSAGE = (
    "Solver produced non-finite parameter weights. The input data may contain "
    "large values and need to be preprocessed."
)


@dataclasses.dataclass(frozen=True)
class _Progress:
    """Everything a fit has produced so far, replaced whole after each epoch.

    Replacing it is one assignment, which an interrupt cannot split: the fit
    always ends on a consistent set of epochs.
    """

    state: TrainingState
    n_iter: int
    epochs_total: int
    partial_fit_epochs: int
    t: int
    loss_curve: tuple
    logs: tuple  # the `logs` dict of each epoch of this call
    validation_scores: tuple | None
    best_validation_score: float | None
    best_loss: float | None
    best_state: TrainingState | None
    no_improvement_count: int
    stop: bool = False


class BaseKerasClassifier(ClassifierMixin, BaseEstimator):
    """Base class of the Keras-backed classifiers. Do not use it directly."""

    _parameter_constraints: ClassVar[dict] = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "optimizer": [str, HasMethods(["get_config", "stateless_apply"])],
        "callbacks": [list, None],
        "dtype": [StrOptions({"float32", "float64"})],
        "learning_rate": [StrOptions({"constant", "cosine"})],
        "augmentation": [StrOptions({"affine", "elastic"}), None],
        "augmentation_params": [dict, None],
        "image_shape": ["array-like", None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }
    # The Keras model's name, and whether dropout acts on the inputs (the
    # sigmoid net) or after each hidden layer (the ReLU net).
    _network_name: ClassVar[str] = "network"
    _input_dropout: ClassVar[bool] = False

    def __init__(
        self,
        *,
        alpha,
        batch_size,
        learning_rate_init,
        max_iter,
        shuffle,
        random_state,
        tol,
        verbose,
        warm_start,
        early_stopping,
        validation_fraction,
        n_iter_no_change,
        dropout,
        optimizer,
        callbacks,
        dtype,
        learning_rate,
        augmentation,
        augmentation_params,
        image_shape,
        class_weight,
    ):
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.dropout = dropout
        self.optimizer = optimizer
        self.callbacks = callbacks
        self.dtype = dtype
        self.learning_rate = learning_rate
        self.augmentation = augmentation
        self.augmentation_params = augmentation_params
        self.image_shape = image_shape
        self.class_weight = class_weight

    # What a subclass says about its network --------------------------------

    def _hidden_layer_sizes(self) -> tuple[int, ...]:
        """The validated sizes of the hidden layers."""
        return ()

    def _output(self, multilabel: bool) -> str:
        """The output (see `_outputs`) for single- or multi-label targets."""
        return "sigmoid" if multilabel else "softmax"

    def _augmentation(self, n_features: int) -> str | None:
        """The distortion of training rows of ``n_features`` pixels, or None."""
        return self.augmentation

    def _make_network(self, meta: dict, multilabel: bool, seed: int):
        """The network to fit (a `NetworkSpec`, or any object with its interface).

        ``meta`` describes the data (``n_features_in_``, ``n_outputs_``...).
        """
        return NetworkSpec(
            name=self._network_name,
            n_features=meta["n_features_in_"],
            n_outputs=meta["n_outputs_"],
            hidden_layer_sizes=self._hidden_layer_sizes(),
            output=self._output(multilabel),
            dropout=float(self.dropout),
            input_dropout=self._input_dropout,
            dtype=self.dtype,
        )

    # Fitting -----------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data matrix X and targets y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data, e.g. pixels scaled to [0, 1].

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target labels (ints, strings, ...), or a multilabel
            indicator matrix.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss; None weighs them equally.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the network with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target labels, or a multilabel indicator matrix.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.

        classes : array-like of shape (n_classes,), default=None
            All the classes that can appear in y. Required at the first call,
            ignored (but checked) afterwards.

        Returns
        -------
        self : object
            The updated estimator.
        """
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        if isinstance(self.class_weight, str):
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit: the "
                "class frequencies of one batch are not those of the data. "
                "Compute the weights on all the labels with "
                "sklearn.utils.class_weight.compute_class_weight and pass them "
                "as a dict."
            )
        first_call = not hasattr(self, "classes_")
        if first_call and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if (
            not first_call
            and classes is not None
            and not np.array_equal(self.classes_, unique_labels(classes))
        ):
            raise ValueError(
                f"`classes={classes!r}` is not the same as on the first call "
                f"to partial_fit, which was {self.classes_!r}."
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        before = dict(self.__dict__)
        try:
            self._fit_transaction(X, y, sample_weight, incremental, classes)
        except BaseException:
            # Bad input, divergence, an error in a callback, an interrupt
            # before the first epoch: the estimator is as it was.
            self.__dict__.clear()
            self.__dict__.update(before)
            raise
        return self

    def _fit_transaction(self, X, y, sample_weight, incremental, classes):
        fitted = hasattr(self, "_fitted_network")
        continuing = fitted and (incremental or self.warm_start)
        X, y = validate_data(
            self,
            X,
            y,
            reset=not continuing,
            accept_sparse=["csr", "csc"],
            dtype=(np.float32, np.float64),
            multi_output=True,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        multilabel = self._check_targets(y)
        if sp.issparse(X):
            X = X.tocsr()
        self._check_finite_in_dtype(X)
        if continuing:
            self._check_classes(y, classes, incremental, multilabel)
            classes_ = self.classes_
        else:
            classes_ = self._new_classes(y, classes, multilabel)
        Y = self._indicator(y, classes_, multilabel)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        sample_weight = sample_weight * self._class_weights(y, classes_, multilabel)

        if continuing:
            rng = copy.deepcopy(self._random_state)
            seed = self._seed
        else:
            rng = check_random_state(self.random_state)
            # One draw: the weights, the dropout masks and the augmentation
            # all derive from it, so the unaugmented path draws nothing more.
            seed = int(rng.randint(_MAX_SEED))
        meta = {
            "n_features_in_": X.shape[1],
            "n_classes_": len(classes_),
            "classes_": classes_,
            "n_outputs_": Y.shape[1],
            "target_type_": "multilabel-indicator"
            if multilabel
            else ("binary" if len(classes_) == 2 else "multiclass"),
        }
        import_jax()
        with enable_x64(self.dtype == "float64"):
            network = self._make_network(meta, multilabel, seed)
            trainer = self._trainer(network)
            if continuing:
                progress = self._continued_progress(trainer, network, incremental)
            else:
                progress = self._new_progress(trainer, network, seed)
            progress, model = self._train(
                trainer,
                network,
                X,
                y,
                Y,
                sample_weight,
                progress,
                rng,
                seed,
                incremental,
            )
            predictor = network.predictor(progress.state, trainer)
        self._commit(
            network, predictor, classes_, progress, model, rng, seed, continuing
        )

    # Targets and weights ---------------------------------------------------

    def _check_targets(self, y) -> bool:
        """Check y's type; return whether it is a multilabel indicator matrix."""
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y")
        if y_type in ("binary", "multiclass"):
            return False
        if y_type == "multilabel-indicator":
            return True
        raise ValueError(
            f"{type(self).__name__} supports binary, multiclass and multilabel "
            f"(indicator matrix) targets; got a target of type {y_type!r}."
        )

    def _new_classes(self, y, classes, multilabel):
        if multilabel:
            n_labels = y.shape[1]
            if classes is not None and len(unique_labels(classes)) != n_labels:
                raise ValueError(
                    f"classes has {len(unique_labels(classes))} labels but y, a "
                    f"multilabel indicator matrix, has {n_labels} columns."
                )
            return np.arange(n_labels)
        classes_ = unique_labels(y if classes is None else classes)
        if len(classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the "
                f"data, but the data contain only one class: {classes_[0]}"
            )
        if classes is not None:
            self._check_labels_known(y, classes_)
        return classes_

    def _check_classes(self, y, classes, incremental, multilabel):
        """Check that y of a continued fit has the classes of the first one."""
        if multilabel != (self._fitted_network.output == "sigmoid"):
            raise ValueError(
                "y is "
                + ("a multilabel indicator matrix" if multilabel else "a label vector")
                + ", but the estimator was fitted on "
                + ("label vectors" if multilabel else "a multilabel indicator matrix")
                + "; fit anew (warm_start=False) to change the kind of target."
            )
        if multilabel:
            if y.shape[1] != len(self.classes_):
                raise ValueError(
                    f"y has {y.shape[1]} labels (columns), but the estimator was "
                    f"fitted on {len(self.classes_)}."
                )
            return
        if not incremental:
            labels = unique_labels(y)
            if set(labels) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes "
                    f"as in the previous call to fit. Previously got "
                    f"{self.classes_}, `y` has {labels}"
                )
        self._check_labels_known(y, self.classes_)

    @staticmethod
    def _check_labels_known(y, classes_):
        unknown = np.setdiff1d(unique_labels(y), classes_)
        if len(unknown):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has "
                f"{classes_}. 'y' has {unknown}."
            )

    def _indicator(self, y, classes_, multilabel):
        """The targets as a 0/1 matrix of ``dtype``, one column per output."""
        if multilabel:
            return np.asarray(y, dtype=self.dtype)
        index = np.searchsorted(classes_, y)
        return np.eye(len(classes_), dtype=self.dtype)[index]

    def _class_weights(self, y, classes_, multilabel):
        """The weight of each sample's class, from ``class_weight``."""
        if self.class_weight is None:
            return 1.0
        if multilabel:
            raise ValueError(
                "class_weight is not supported for multilabel targets; weigh "
                "the samples with sample_weight."
            )
        weights = compute_class_weight(self.class_weight, classes=classes_, y=y)
        return weights[np.searchsorted(classes_, y)]

    def _check_finite_in_dtype(self, X):
        """Refuse values that become infinite when cast to ``dtype``."""
        values = X.data if sp.issparse(X) else X
        limit = np.finfo(self.dtype).max
        if not values.size or np.finfo(values.dtype).max <= limit:
            return  # float32 input cannot exceed float32's range
        # Two passes with no copy: np.abs(values) would copy all of X.
        largest = max(values.max(), -values.min())
        if largest > limit:
            raise ValueError(
                f"X contains values up to {largest:.3g}, beyond the "
                f"range of {self.dtype} ({limit:.3g}), in which the network "
                "trains: scale the data, or set dtype='float64'."
            )

    # Initial and continued state -----------------------------------------------

    def _make_optimizer(self, keras):
        """A new Keras optimizer from ``optimizer``, at ``learning_rate_init``."""
        optimizer = keras.optimizers.get(self.optimizer)
        config = optimizer_config(optimizer)
        if not isinstance(config.get("learning_rate"), float | int):
            raise ValueError(
                "optimizer must have a constant learning rate (set it with "
                f"learning_rate_init), got {config.get('learning_rate')!r}"
            )
        config["learning_rate"] = float(self.learning_rate_init)
        routed = self._optimizer_params()
        if "learning_rate" in routed:
            raise ValueError(
                "optimizer__learning_rate is not routed: the learning rate is "
                "learning_rate_init."
            )
        unknown = sorted(set(routed) - set(config))
        if unknown:
            raise ValueError(
                f"optimizer__ parameters {unknown} are not in the configuration "
                f"of {type(optimizer).__name__}, whose keys are {sorted(config)}."
            )
        config.update(routed)
        return type(optimizer).from_config(config)

    def _optimizer_params(self) -> dict:
        """Values set in the optimizer's configuration (routed parameters)."""
        return {}

    def _optimizer_key(self):
        """What identifies the optimizer, whatever its learning rate.

        A name is its own key (Keras is not imported for it); an instance is
        its class and configuration, marked ``"keras"`` for one of Keras' own
        classes configured with plain values, and ``"custom"`` for another
        class, whose code its name does not fix, or a configuration that
        holds objects, given by their text: the programs of a ``"custom"``
        optimizer are not kept on disk.
        """
        if isinstance(self.optimizer, str) and not self._optimizer_params():
            return ("name", self.optimizer)
        optimizer = self._make_optimizer(import_keras())
        config = optimizer_config(optimizer)
        del config["learning_rate"], config["name"]
        cls = type(optimizer)
        kind = "keras" if cls.__module__.split(".")[0] == "keras" else "custom"
        try:
            text = json.dumps(config, sort_keys=True)
        except TypeError:
            text, kind = json.dumps(config, sort_keys=True, default=repr), "custom"
        return (kind, f"{cls.__module__}.{cls.__qualname__}", text)

    def _new_progress(self, trainer, network, seed):
        state = TrainingState(
            *network.initial_state(seed), trainer.initial_optimizer_state()
        )
        return _Progress(
            state=state,
            n_iter=0,
            epochs_total=0,
            partial_fit_epochs=0,
            t=0,
            loss_curve=(),
            logs=(),
            validation_scores=() if self.early_stopping else None,
            best_validation_score=-np.inf if self.early_stopping else None,
            best_loss=None if self.early_stopping else np.inf,
            best_state=None,
            no_improvement_count=0,
        )

    def _continued_progress(self, trainer, network, incremental):
        """The progress of the fitted network, adapted to changed parameters.

        The shapes of the weights cannot change; the precision, the dropout,
        the augmentation and the optimizer can: the weights are cast, and a
        different optimizer starts from a fresh state.
        """
        state = self._state
        state = dataclasses.replace(
            state,
            non_trainable=network.continued_non_trainable(
                self._fitted_network,
                state.non_trainable,
                self._seed,
                "partial_fit" if incremental else "a warm-started fit",
            ),
        )
        if self._optimizer_key() != self._fitted_optimizer_key:
            state = dataclasses.replace(
                state, optimizer=trainer.initial_optimizer_state()
            )
        # Floating-point values in the new precision; the others (seeds, step
        # counts) as they are.
        state = TrainingState(
            *(
                [
                    v.astype(network.dtype)
                    if np.issubdtype(v.dtype, np.floating)
                    else v
                    for v in values
                ]
                for values in (state.trainable, state.non_trainable, state.optimizer)
            )
        )
        return _Progress(
            state=state,
            n_iter=0,
            epochs_total=self._epochs_total,
            partial_fit_epochs=self._partial_fit_epochs if incremental else 0,
            t=self.t_,
            loss_curve=tuple(self.loss_curve_),
            logs=(),
            validation_scores=(
                tuple(self.validation_scores_) if self.early_stopping else None
            ),
            best_validation_score=(
                self.best_validation_score_ or -np.inf if self.early_stopping else None
            ),
            best_loss=(
                None
                if self.early_stopping
                else (np.inf if self.best_loss_ is None else self.best_loss_)
            ),
            best_state=None,
            no_improvement_count=0,
        )

    # The epochs ----------------------------------------------------------------

    def _train(
        self, trainer, network, X, y, Y, sample_weight, progress, rng, seed, incremental
    ):
        """Run the epochs; return the progress and the callbacks' model."""
        validation = None
        if self.early_stopping and not incremental:
            X, X_val, Y, Y_val, sample_weight, w_val = train_test_split(
                X,
                Y,
                sample_weight,
                random_state=rng,
                test_size=self.validation_fraction,
                stratify=None if network.output == "sigmoid" else y,
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
        data = None if sp.issparse(X) else trainer.put(X.astype(network.dtype), Y, W)

        model = callbacks = optimizer = recorder = None
        if self.callbacks or self.verbose >= 2:
            keras = import_keras()
            model = network.build_model(keras)
            # Learning-rate callbacks read and set `model.optimizer.learning_rate`.
            model.optimizer = optimizer = self._make_optimizer(keras)
            model.stop_training = False
            # Last, it sees the logs as the callbacks left them (Keras passes
            # each callback a copy of the logs it is given).
            recorder = keras.callbacks.History()
            callbacks = keras.callbacks.CallbackList(
                [*(self.callbacks or ()), recorder],
                add_progbar=self.verbose >= 2,
                model=model,
                verbose=1,
                epochs=1 if incremental else self.max_iter,
                steps=-(-n_samples // batch_size),
            )
            callbacks.on_train_begin()

        n_epochs = 1 if incremental else self.max_iter
        learning_rate = float(self.learning_rate_init)
        try:
            for epoch in range(n_epochs):
                position = progress.partial_fit_epochs if incremental else epoch
                if self.learning_rate == "cosine":
                    learning_rate = self._cosine_learning_rate(position)
                if callbacks is not None:
                    optimizer.learning_rate = learning_rate
                    callbacks.on_epoch_begin(epoch)
                    learning_rate = _rate_set_by_callbacks(optimizer, learning_rate)
                batches, valid = self._epoch_batches(rng, n_samples, batch_size)
                state, loss = self._run_epoch(
                    trainer,
                    progress,
                    data,
                    (X, Y, W),
                    batches,
                    valid,
                    learning_rate,
                    seed,
                )
                progress = self._end_of_epoch(
                    network,
                    trainer,
                    progress,
                    state,
                    loss,
                    n_samples,
                    validation,
                    incremental,
                )
                logs = progress.logs[-1]
                if self.verbose == 1:
                    print(f"Iteration {progress.n_iter}, loss = {loss:.8f}")
                if callbacks is not None:
                    assign(model, progress.state)
                    callbacks.on_train_batch_end(batches.shape[0] - 1, logs)
                    callbacks.on_epoch_end(epoch, logs)
                    logs.update({k: v[-1] for k, v in recorder.history.items()})
                    learning_rate = _rate_set_by_callbacks(optimizer, learning_rate)
                    if model.stop_training:
                        break
                if progress.stop:
                    break
            else:
                # A cosine schedule is meant to run its max_iter epochs.
                if not incremental and self.learning_rate != "cosine":
                    warnings.warn(
                        f"Stochastic Optimizer: Maximum iterations ({self.max_iter})"
                        " reached and the optimization hasn't converged yet.",
                        ConvergenceWarning,
                        stacklevel=6,  # the caller of fit
                    )
        except KeyboardInterrupt:
            if progress.n_iter == 0:
                raise
            warnings.warn("Training interrupted by user.", stacklevel=6)

        if callbacks is not None:
            callbacks.on_train_end()
            # A callback may have restored other weights into the model.
            progress = dataclasses.replace(
                progress,
                state=dataclasses.replace(
                    progress.state,
                    trainable=[np.asarray(v.value) for v in model.trainable_variables],
                    non_trainable=[
                        np.asarray(v.value) for v in model.non_trainable_variables
                    ],
                ),
            )
        if progress.best_state is not None:
            # The weights of the best validation score, as MLPClassifier keeps.
            progress = dataclasses.replace(progress, state=progress.best_state)
        if model is not None:
            assign(model, progress.state)
        return progress, model

    def _run_epoch(self, trainer, progress, data, arrays, batches, valid, lr, seed):
        """One epoch; return the new state and the mean training loss."""
        common = {
            "learning_rate": lr,
            "alpha": self.alpha,
            "seed": seed,
            "epoch": progress.epochs_total,
        }
        if data is not None:
            state, loss, _ = trainer.run_epoch(
                progress.state, data, batches, valid, **common
            )
            return state.to_numpy(), loss
        # Sparse X: a chunk of batches at a time, each chunk made dense. The
        # chunks have one shape (the last padded with empty batches, which
        # change nothing), so one compiled function serves them all.
        X, Y, W = arrays
        per_chunk = _SPARSE_CHUNK_VALUES // (batches.shape[1] * X.shape[1])
        per_chunk = min(max(per_chunk, 1), batches.shape[0])
        n_chunks = -(-batches.shape[0] // per_chunk)
        padding = n_chunks * per_chunk - batches.shape[0]
        batches = np.concatenate([batches, np.zeros_like(batches[:padding])])
        valid = np.concatenate([valid, np.zeros_like(valid[:padding])])
        state = progress.state
        total_loss = total_weight = 0.0
        for first in range(0, batches.shape[0], per_chunk):
            rows = batches[first : first + per_chunk]
            chunk = trainer.put(
                X[rows.ravel()].toarray().astype(W.dtype),
                Y[rows.ravel()],
                W[rows.ravel()],
            )
            local = np.arange(rows.size, dtype=np.int32).reshape(rows.shape)
            state, loss, weight = trainer.run_epoch(
                state,
                chunk,
                local,
                valid[first : first + per_chunk],
                first_step=first,
                **common,
            )
            if weight > 0:
                total_loss += loss * weight
                total_weight += weight
        loss = total_loss / total_weight if total_weight > 0 else np.nan
        return state.to_numpy(), loss

    def _end_of_epoch(
        self,
        network,
        trainer,
        progress,
        state,
        loss,
        n_samples,
        validation,
        incremental,
    ):
        """The progress after an epoch, with the stopping rule's verdict.

        A diverged epoch (non-finite weights or loss) raises MLPClassifier's
        error, but under early stopping after a sane epoch, where it does
        what MLPClassifier does: its NaN validation score is recorded and
        the best weights are kept (`_train`). Training stops there, as no
        later epoch can start from finite weights.
        """
        diverged = not np.isfinite(loss) or not all(
            np.isfinite(w).all() for w in state.trainable
        )
        epoch = progress.epochs_total + 1
        if diverged and (validation is None or progress.best_state is None):
            raise ValueError(
                f"{_NON_FINITE_MESSAGE} Training diverged at epoch {epoch}; a "
                "lower learning_rate_init may help."
            )
        logs = {"loss": loss}
        changes = {
            "state": state,
            "n_iter": progress.n_iter + 1,
            "epochs_total": epoch,
            "partial_fit_epochs": progress.partial_fit_epochs + incremental,
            "t": progress.t + n_samples,
            "loss_curve": (*progress.loss_curve, loss),
        }
        count = progress.no_improvement_count
        if validation is not None:
            score, val_loss = (
                (np.nan, np.nan)
                if diverged
                else _validation_scores(network, trainer, state, *validation)
            )
            logs["val_accuracy"] = score
            logs["val_loss"] = val_loss
            if self.verbose == 1:
                print(f"Validation score: {score:f}")
            best = progress.best_validation_score
            count = count + 1 if score < best + self.tol else 0
            changes["validation_scores"] = (*progress.validation_scores, score)
            if score > best:
                changes["best_validation_score"] = score
                changes["best_state"] = state
        elif progress.best_loss is not None:
            if self.learning_rate != "cosine":
                # The schedule decides the length: the training loss does not.
                count = count + 1 if loss > progress.best_loss - self.tol else 0
            changes["best_loss"] = min(progress.best_loss, loss)
        changes["no_improvement_count"] = count
        changes["logs"] = (*progress.logs, logs)
        stop = count > self.n_iter_no_change and not incremental
        if diverged:
            warnings.warn(
                f"Training diverged at epoch {epoch} (non-finite weights or "
                "loss): stopped, keeping the weights of the best validation "
                "score. A lower learning_rate_init may help.",
                ConvergenceWarning,
                stacklevel=7,  # the caller of fit
            )
            stop = True
        elif stop and self.verbose == 1:
            criterion = "Validation score" if validation else "Training loss"
            print(
                f"{criterion} did not improve more than tol={self.tol:f} for "
                f"{self.n_iter_no_change} consecutive epochs. Stopping."
            )
        return dataclasses.replace(progress, stop=stop, **changes)

    def _cosine_learning_rate(self, position):
        """``learning_rate_init`` decayed over a cycle of ``max_iter`` epochs."""
        progress = (position % self.max_iter) / self.max_iter
        return self.learning_rate_init * 0.5 * (1 + np.cos(np.pi * progress))

    def _trainer(self, network):
        """The compiled trainer of this network, shared with its twins.

        A network whose code its configuration does not fix (a custom layer)
        gets a trainer of its own, for this fit only.
        """
        augment, image_shape = self._augment(network.n_features)
        optimizer_key = self._optimizer_key()
        key = (
            network.trainer_key(),
            optimizer_key,
            self._augmentation(network.n_features),
            _hashable(self.augmentation_params),
            image_shape,
        )
        arguments = {
            "build_logits_model": network.build_logits_model,
            "optimizer_factory": self._make_optimizer,
            "output": network.output,
            "augment": augment,
            "steps_per_call": network.steps_per_call,
        }
        if not network.persistent:
            return Trainer(key, persistent=False, **arguments)
        return get_trainer(key, persistent=optimizer_key[0] != "custom", **arguments)

    def _augment(self, n_features):
        """The augmentation as ``augment(key, x)`` on rows of pixels, or None.

        Returns the function and the image shape it works on.
        """
        name = self._augmentation(n_features)
        if name is None:
            return None, None
        from skdigits import augmentation
        from skdigits._images import infer_image_shape

        image_shape = infer_image_shape(n_features, self.image_shape)
        distort = {
            "elastic": augmentation.elastic_distort,
            "affine": augmentation.affine_distort,
        }[name]
        params = dict(self.augmentation_params or {})
        allowed = list(distort.__kwdefaults__)  # its keyword-only parameters
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise ValueError(
                f"augmentation_params {unknown} are not parameters of the "
                f"{name!r} augmentation, whose parameters are {allowed}."
            )

        def augment(key, x):
            images = x.reshape(x.shape[0], *image_shape)
            return distort(key, images, **params).reshape(x.shape)

        return augment, image_shape

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is "
                "going to be clipped",
                stacklevel=7,
            )
        return min(self.batch_size, n_samples)

    def _epoch_batches(self, rng, n_samples, batch_size):
        """Sample indices of each batch, padded to full batches, and a mask."""
        order = rng.permutation(n_samples) if self.shuffle else np.arange(n_samples)
        n_batches = -(-n_samples // batch_size)
        padded = np.zeros(n_batches * batch_size, dtype=np.int32)
        padded[:n_samples] = order
        valid = np.zeros(n_batches * batch_size, dtype=np.float32)
        valid[:n_samples] = 1
        return padded.reshape(n_batches, -1), valid.reshape(n_batches, -1)

    def _commit(
        self, network, predictor, classes_, progress, model, rng, seed, continuing
    ):
        """Set every fitted attribute from the finished fit, at once.

        ``model_`` stays the same Keras object across continued fits of the
        same network: the fitted one, given the new weights. A network that
        changed (its precision, its dropout layers) gets a new model.
        """
        live = self.__dict__.get("_model") if continuing else None
        if (
            live is not None
            and network.trainer_key() == self._fitted_network.trainer_key()
        ):
            assign(live, progress.state)
            model = live
        history = {k: list(v) for k, v in getattr(self, "history_", {}).items()}
        if not continuing:
            history = {}
        for logs in progress.logs:
            for name, value in logs.items():
                history.setdefault(name, []).append(value)
        fitted = {
            "classes_": classes_,
            "n_outputs_": network.n_outputs,
            "out_activation_": OUT_ACTIVATIONS[network.output],
            "n_iter_": progress.n_iter,
            "t_": progress.t,
            "loss_": progress.loss_curve[-1] if progress.loss_curve else np.nan,
            "loss_curve_": list(progress.loss_curve),
            "best_loss_": progress.best_loss,
            "validation_scores_": (
                None
                if progress.validation_scores is None
                else list(progress.validation_scores)
            ),
            "best_validation_score_": progress.best_validation_score,
            "history_": history,
            **network.fitted_attributes(progress.state),
            "_fitted_network": network,
            "_state": progress.state,
            "_predictor": predictor,
            "_random_state": rng,
            "_seed": seed,
            "_epochs_total": progress.epochs_total,
            "_partial_fit_epochs": progress.partial_fit_epochs,
            "_fitted_optimizer_key": self._optimizer_key(),
            "_model": model,
        }
        self.__dict__.update(fitted)

    # Prediction --------------------------------------------------------------

    def _validated_log_proba(self, X):
        if "_predictor" not in self.__dict__:
            check_is_fitted(self)
        if not self._needs_no_validation(X):
            X = validate_data(
                self,
                X,
                reset=False,
                accept_sparse=["csr", "csc"],
                dtype=(np.float64, np.float32),
            )
            if sp.issparse(X):
                X = X.tocsr()
        return self._predictor.log_proba(X)

    def _needs_no_validation(self, X) -> bool:
        """Whether X is what ``validate_data`` would return as it is.

        A float ndarray of samples with the fitted number of features, all
        finite, for an estimator fitted without feature names: the case of a
        service predicting one sample at a time, for which validate_data's
        general checks cost more than the network. Anything else goes
        through validate_data, with its messages and warnings.
        """
        return (
            type(X) is np.ndarray
            and X.ndim == 2
            and X.dtype in _FLOAT_DTYPES
            and X.shape[0] >= 1
            and X.shape[1] == self.n_features_in_
            and "feature_names_in_" not in self.__dict__
            # As scikit-learn checks: a finite sum has no NaN or inf (a sum
            # that overflows is sent to validate_data, which looks closer).
            and bool(np.isfinite(np.add.reduce(X, axis=None)))
        )

    def predict_log_proba(self, X):
        """Log of the probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probability of each class (in the order of ``classes_``),
            computed from the logits: finite where the probability underflows
            to 0.
        """
        return self._validated_log_proba(X)

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class (in the order of ``classes_``) for
            each sample: each row sums to 1, but for multilabel targets,
            where each column is the probability of its label. float64, or
            float32 for float32 input.
        """
        return np.exp(self._validated_log_proba(X))

    def predict(self, X):
        """Predict the class of each sample.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted classes, or, for multilabel targets, the indicator
            matrix of the labels whose probability exceeds 0.5.
        """
        labels = _labels(self._validated_log_proba(X), self._fitted_network.output)
        return labels if labels.ndim == 2 else self.classes_[labels]

    # The Keras model -----------------------------------------------------------

    @property
    def model_(self):
        """The fitted Keras network, built from the weights when first asked for.

        Prediction does not need it: an unpickled estimator predicts without
        importing Keras or JAX.
        """
        model = self.__dict__.get("_model")
        if model is None:
            if "_state" not in self.__dict__:
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute 'model_'"
                )
            keras = import_keras()
            network = self._fitted_network
            with enable_x64(network.dtype == "float64"):
                model = network.build_model(keras, self._state)
            self._model = model
        return model

    # Persistence -------------------------------------------------------------

    def __getstate__(self):
        # The pickle holds no Keras object: unpickling one would import Keras
        # before skdigits can select its backend, and prediction needs none.
        # `model_` is rebuilt from the weights when asked for.
        state = dict(super().__getstate__())  # a copy: it may be our __dict__
        state.pop("_model", None)
        state["_skdigits_version"] = skdigits.__version__
        return state

    def __setstate__(self, state):
        version = state.pop("_skdigits_version", "unknown (before 0.1.0)")
        if version != skdigits.__version__:
            warnings.warn(
                f"Trying to unpickle {type(self).__name__} from skdigits {version} "
                f"with skdigits {skdigits.__version__}. This might lead to "
                "breaking code or invalid results. Use at your own risk.",
                UserWarning,
                stacklevel=2,
            )
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = False
        tags.classifier_tags.multi_label = True
        return tags


def _rate_set_by_callbacks(optimizer, learning_rate: float) -> float:
    """The optimizer's learning rate if a callback changed it, else the given one.

    The optimizer holds the rate in float32; the rate given, a float, is kept
    unless the optimizer's value differs from its float32 rounding.
    """
    rate = optimizer.learning_rate
    current = float(np.asarray(getattr(rate, "value", rate)))
    return learning_rate if current == float(np.float32(learning_rate)) else current


def _labels(log_proba, output):
    """Predictions from log-probabilities: label indices, or indicators."""
    if output == "sigmoid":
        return (log_proba > np.log(0.5)).astype(int)
    return np.argmax(log_proba, axis=1)


def _validation_scores(network, trainer, state, X, Y, sample_weight):
    """Accuracy and mean loss of the network ``state`` on validation data."""
    log_proba = network.predictor(state, trainer).log_proba(X)
    if network.output == "sigmoid":
        correct = np.all(_labels(log_proba, network.output) == Y, axis=1)
        losses = -(Y * log_proba + (1 - Y) * np.log1p(-np.exp(log_proba))).sum(axis=1)
    else:
        correct = _labels(log_proba, network.output) == np.argmax(Y, axis=1)
        losses = -(Y * log_proba).sum(axis=1)
    if not np.sum(sample_weight) > 0:
        sample_weight = None
    return (
        float(np.average(correct, weights=sample_weight)),
        float(np.average(losses, weights=sample_weight)),
    )


def _hashable(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | np.ndarray):
        return tuple(_hashable(v) for v in value)
    return value
