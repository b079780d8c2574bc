"""The base of skdigits' Keras-backed classifiers.

A subclass only says how its network is built (`_build_model`) and which of
its parameters shape that network (`_architecture_params`); validation,
training, early stopping, prediction and persistence live here, once.
"""

import inspect
import json
import warnings
from abc import abstractmethod
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from skdigits._keras import import_keras
from skdigits.neural_network._outputs import log_probabilities
from skdigits.neural_network._training import TrainingState, get_trainer

_MAX_SEED = np.iinfo(np.int32).max

# Values in a block of rows at prediction; see `_forward`. A block is
# 2**15 // n_features rows, rounded down to a power of two in [16, 512]: 32
# rows of MNIST's 784 pixels, 512 of load_digits' 64. One sample is padded to
# a block, so this bounds its cost; 10,000 MNIST samples take 313 blocks.
_PREDICT_BLOCK_VALUES = 2**15

_HIDDEN_ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0, out=x),
    "linear": lambda x: x,
}


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
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "optimizer": [str, HasMethods(["get_config", "stateless_apply"])],
        "callbacks": [list, None],
        "dtype": [StrOptions({"float32", "float64"})],
        "learning_rate": [StrOptions({"constant", "cosine"})],
        "augmentation": [StrOptions({"affine", "elastic"}), None],
        "augmentation_params": [dict, None],
        "image_shape": ["array-like", None],
    }
    # Parameters that change the compiled training step, with a subclass's
    # `_architecture_params`; the others (learning rate, penalty, epochs,
    # ...) reuse the same compiled code.
    _graph_params = ("dropout", "dtype", "augmentation", "augmentation_params")
    _architecture_params: tuple[str, ...] = ()

    @abstractmethod
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

    @abstractmethod
    def _build_model(self, keras, n_features: int, n_outputs: int, seed: int):
        """Build the Keras network: ``n_features`` inputs, ``n_outputs`` units.

        Build the layers with `_inputs`, `_dense`, `_dropout` and, last,
        `_output` (which apply ``dtype``); hidden Dense layers use "relu" or
        "linear". All randomness (initializers, dropout) derives from
        ``seed``.
        """

    def _inputs(self, keras, n_features):
        return keras.Input(shape=(n_features,), dtype=self.dtype, name="inputs")

    def _dense(self, keras, units, activation, seed, name):
        return keras.layers.Dense(
            units,
            activation=activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed),
            dtype=self.dtype,
            name=name,
        )

    def _output(self, keras, x, n_outputs, activation, seed):
        """The output: Dense "logits", then Activation "output" (softmax, sigmoid)."""
        logits = self._dense(keras, n_outputs, None, seed, name="logits")(x)
        return keras.layers.Activation(activation, dtype=self.dtype, name="output")(
            logits
        )

    def _dropout(self, keras, seed, name):
        return keras.layers.Dropout(
            self.dropout, seed=seed, dtype=self.dtype, name=name
        )

    def _precision(self):
        """Context in which JAX computes in ``dtype``.

        JAX computes in float32 unless 64-bit types are enabled; this enables
        them for the fit alone, never globally.
        """
        import jax

        return jax.enable_x64(self.dtype == "float64")

    # Fitting -----------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data matrix X and targets y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data, e.g. pixels scaled to [0, 1].

        y : array-like of shape (n_samples,)
            The target labels (ints, strings, ...).

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss; None weighs them equally.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the network with one epoch over the given data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.

        y : array-like of shape (n_samples,)
            The target labels.

        classes : array-like of shape (n_classes,), default=None
            All the classes that can appear in y. Required at the first call,
            ignored (but checked) afterwards.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss.

        Returns
        -------
        self : object
            The updated estimator.
        """
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
        keep_state = incremental or self.warm_start
        first_call = not (keep_state and hasattr(self, "classes_"))
        X, y = validate_data(
            self, X, y, reset=first_call, dtype=(np.float32, np.float64)
        )
        check_classification_targets(y)
        if first_call:
            self._initialize_classes(y, classes)
        y_index = self._encode(y)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )

        with self._precision():
            self._fit_epochs(X, y_index, sample_weight, incremental, first_call)
        return self

    def _fit_epochs(self, X, y_index, sample_weight, incremental, first_call):
        if first_call:
            self._initialize(X.shape[1])
        X_val = y_val = sample_weight_val = None
        if self.early_stopping and not incremental:
            X, X_val, y_index, y_val, sample_weight, sample_weight_val = (
                train_test_split(
                    X,
                    y_index,
                    sample_weight,
                    random_state=self._random_state,
                    test_size=self.validation_fraction,
                    stratify=y_index,
                )
            )

        batch_size = self._batch_size(X.shape[0])
        Y = np.eye(len(self.classes_), dtype=self.dtype)[y_index]
        trainer = self._trainer()
        data = trainer.put(
            X.astype(self.dtype, copy=False), Y, sample_weight.astype(self.dtype)
        )
        state = self._state
        callbacks = self._callback_list()
        callbacks.on_train_begin()

        n_epochs = 1 if incremental else self.max_iter
        # Early stopping and callbacks look at the weights after each epoch.
        weights_each_epoch = bool(self.early_stopping or self.callbacks)
        for epoch in range(n_epochs):
            callbacks.on_epoch_begin(epoch)
            batches, valid = self._epoch_batches(X.shape[0], batch_size)
            state, loss, _ = trainer.run_epoch(
                state,
                data,
                batches,
                valid,
                self._epoch_learning_rate(),
                self.alpha,
                seed=self._seed,
                epoch=self.n_iter_,
            )
            self._state = state = state.to_numpy()
            if weights_each_epoch:
                self._set_weights(state)
            self.n_iter_ += 1
            self.t_ += X.shape[0]
            self.loss_curve_.append(loss)
            self.loss_ = loss
            logs = {"loss": loss}
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")
            stop = False
            if not incremental:
                stop = self._update_no_improvement_count(
                    X_val, y_val, sample_weight_val
                )
                if self.early_stopping:
                    logs["val_accuracy"] = self.validation_scores_[-1]
            self._history_append(logs)
            callbacks.on_epoch_end(epoch, logs)
            if incremental or stop or self.model_.stop_training:
                break
        else:
            # A cosine schedule is meant to run its max_iter epochs.
            if self.learning_rate != "cosine":
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                    "reached and the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=5,  # the caller of fit
                )
        callbacks.on_train_end()
        if self.callbacks:
            # A callback may have restored other weights into `model_`.
            self._state = TrainingState(
                [np.asarray(v.value) for v in self.model_.trainable_variables],
                [np.asarray(v.value) for v in self.model_.non_trainable_variables],
                self._state.optimizer,
            )
        if self.early_stopping and not incremental:
            # The weights of the best validation score, as MLPClassifier does.
            self._state = getattr(self, "_best_state", self._state)
            self.__dict__.pop("_best_state", None)
        self._set_weights(self._state)

    def _initialize_classes(self, y, classes):
        self.classes_ = unique_labels(y if classes is None else classes)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the "
                f"data, but the data contain only one class: {self.classes_[0]}"
            )

    def _encode(self, y):
        y_index = np.searchsorted(self.classes_, y)
        y_index = np.minimum(y_index, len(self.classes_) - 1)
        unknown = self.classes_[y_index] != y
        if np.any(unknown):
            raise ValueError(
                f"y contains labels not seen before: {np.unique(y[unknown])!r}; "
                f"the classes are {self.classes_!r}."
            )
        return y_index

    def _initialize(self, n_features):
        keras = import_keras()
        self._random_state = check_random_state(self.random_state)
        # One draw: the weights, the dropout masks and the augmentation all
        # derive from it, so the unaugmented path draws nothing more.
        self._seed = seed = int(self._random_state.randint(_MAX_SEED))
        self.n_outputs_ = len(self.classes_)
        self.model_ = self._build_model(keras, n_features, self.n_outputs_, seed)
        optimizer = self._make_optimizer(keras)
        optimizer.build(self.model_.trainable_variables)
        self._state = TrainingState(
            [np.asarray(v.value) for v in self.model_.trainable_variables],
            [np.asarray(v.value) for v in self.model_.non_trainable_variables],
            [np.asarray(v.value) for v in optimizer.variables],
        )
        self.n_layers_ = (
            sum(1 for layer in self.model_.layers if hasattr(layer, "kernel")) + 1
        )
        self.n_iter_ = 0
        self.t_ = 0
        self.loss_curve_ = []
        self.history_ = {}
        self._no_improvement_count = 0
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf

    def _make_optimizer(self, keras):
        """A new Keras optimizer from ``optimizer``, at ``learning_rate_init``."""
        optimizer = keras.optimizers.get(self.optimizer)
        config = optimizer.get_config()
        if not isinstance(config.get("learning_rate"), float | int):
            raise ValueError(
                "optimizer must have a constant learning rate (set it with "
                f"learning_rate_init), got {config.get('learning_rate')!r}"
            )
        config["learning_rate"] = float(self.learning_rate_init)
        return type(optimizer).from_config(config)

    def _trainer(self):
        """The compiled trainer of this network, shared with its twins."""
        keras = import_keras()
        optimizer = self._make_optimizer(keras)
        config = optimizer.get_config()
        del config["learning_rate"], config["name"]
        n_features, n_outputs = self.n_features_in_, self.n_outputs_
        graph_params = self._graph_params + self._architecture_params
        augment, image_shape = self._augment()
        key = (
            type(self).__module__,
            type(self).__qualname__,
            n_features,
            n_outputs,
            tuple(_hashable(getattr(self, name)) for name in graph_params),
            image_shape,
            type(optimizer).__qualname__,
            json.dumps(config, sort_keys=True, default=repr),
        )
        return get_trainer(
            key,
            build_model=lambda keras: self._build_model(
                keras, n_features, n_outputs, seed=0
            ),
            optimizer_factory=self._make_optimizer,
            augment=augment,
        )

    def _augment(self):
        """The augmentation as ``augment(key, x)`` on rows of pixels, or None.

        Returns the function and the image shape it works on.
        """
        if self.augmentation is None:
            return None, None
        from skdigits import augmentation
        from skdigits._images import infer_image_shape

        image_shape = infer_image_shape(self.n_features_in_, self.image_shape)
        distort = {
            "elastic": augmentation.elastic_distort,
            "affine": augmentation.affine_distort,
        }[self.augmentation]
        params = dict(self.augmentation_params or {})
        allowed = [
            name
            for name, parameter in inspect.signature(distort).parameters.items()
            if parameter.kind is parameter.KEYWORD_ONLY
        ]
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise ValueError(
                f"augmentation_params {unknown} are not parameters of the "
                f"{self.augmentation!r} augmentation, whose parameters are {allowed}."
            )

        def augment(key, x):
            images = x.reshape(x.shape[0], *image_shape)
            return distort(key, images, **params).reshape(x.shape)

        return augment, image_shape

    def _epoch_learning_rate(self):
        """``learning_rate_init``, or its cosine decay over ``max_iter`` epochs."""
        if self.learning_rate == "constant":
            return self.learning_rate_init
        progress = min(self.n_iter_, self.max_iter) / self.max_iter
        return self.learning_rate_init * 0.5 * (1 + np.cos(np.pi * progress))

    def _batch_size(self, n_samples):
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is "
                "going to be clipped",
                stacklevel=4,
            )
        return min(self.batch_size, n_samples)

    def _epoch_batches(self, n_samples, batch_size):
        """Sample indices of each batch, padded to full batches, and a mask."""
        order = (
            self._random_state.permutation(n_samples)
            if self.shuffle
            else np.arange(n_samples)
        )
        n_batches = -(-n_samples // batch_size)
        padded = np.zeros(n_batches * batch_size, dtype=np.int32)
        padded[:n_samples] = order
        valid = np.zeros(n_batches * batch_size, dtype=np.float32)
        valid[:n_samples] = 1
        return padded.reshape(n_batches, -1), valid.reshape(n_batches, -1)

    def _update_no_improvement_count(self, X_val, y_val, sample_weight_val):
        """MLPClassifier's stopping rule; return True when training should stop."""
        if self.early_stopping:
            score = accuracy_score(
                y_val, self._predict_index(X_val), sample_weight=sample_weight_val
            )
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_state = self._state
        elif self.learning_rate == "cosine":
            # The schedule decides the length: the training loss does not.
            self.best_loss_ = min(self.best_loss_, self.loss_curve_[-1])
            return False
        else:
            loss = self.loss_curve_[-1]
            if loss > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            self.best_loss_ = min(self.best_loss_, loss)
        if self._no_improvement_count > self.n_iter_no_change:
            if self.verbose:
                criterion = (
                    "Validation score" if self.early_stopping else "Training loss"
                )
                print(
                    f"{criterion} did not improve more than tol={self.tol:f} for "
                    f"{self.n_iter_no_change} consecutive epochs. Stopping."
                )
            return True
        return False

    def _callback_list(self):
        keras = import_keras()
        self.model_.stop_training = False
        return keras.callbacks.CallbackList(
            list(self.callbacks or ()), model=self.model_, epochs=self.max_iter
        )

    def _history_append(self, logs):
        for name, value in logs.items():
            self.history_.setdefault(name, []).append(value)

    def _set_weights(self, state: TrainingState):
        """Copy the state into `model_`, and its Dense layers into `coefs_`."""
        for variable, value in zip(
            self.model_.trainable_variables, state.trainable, strict=True
        ):
            variable.assign(value)
        for variable, value in zip(
            self.model_.non_trainable_variables, state.non_trainable, strict=True
        ):
            variable.assign(value)
        dense = [layer for layer in self.model_.layers if hasattr(layer, "kernel")]
        # float64, as MLPClassifier's.
        self.coefs_ = [np.asarray(layer.kernel.value, np.float64) for layer in dense]
        self.intercepts_ = [np.asarray(layer.bias.value, np.float64) for layer in dense]
        activations = [layer.activation.__name__ for layer in dense[:-1]]
        activations.append(self.model_.get_layer("output").activation.__name__)
        # Prediction computes in the input's precision, float32 or float64.
        self._inference_weights = {
            dtype: [
                (coef.astype(dtype), intercept.astype(dtype), name)
                for coef, intercept, name in zip(
                    self.coefs_, self.intercepts_, activations, strict=True
                )
            ]
            for dtype in ("float32", "float64")
        }

    # Prediction --------------------------------------------------------------

    def _forward(self, X):
        """Class probabilities of validated X, with numpy, in X's precision.

        BLAS picks its kernel, and so the order of its sums, by the shape of
        the product: the same sample gives different float32 results alone
        and in a batch (measured: 1e-6 apart). Here every product of a
        model has the same shape, a block of rows fixed by the number of
        features (the last block padded with zeros), so each row's result
        is bit for bit the same whatever the batch it comes in.
        """
        weights = self._weights_as(X.dtype)
        rows = 2 ** int(np.log2(max(_PREDICT_BLOCK_VALUES // X.shape[1], 1)))
        rows = min(max(rows, 16), 512)
        n_samples = X.shape[0]
        proba = np.empty((n_samples, self.n_outputs_), dtype=X.dtype)
        padded = np.zeros((rows, X.shape[1]), dtype=X.dtype)
        for start in range(0, n_samples, rows):
            block = X[start : start + rows]
            n_rows = block.shape[0]
            if n_rows < rows:
                padded[:n_rows] = block
                block = padded
            proba[start : start + n_rows] = self._forward_block(block, weights)[:n_rows]
        return proba

    def _forward_block(self, activation, weights):
        *hidden, (coef, intercept, name) = weights
        for hidden_coef, hidden_intercept, hidden_name in hidden:
            activation = activation @ hidden_coef
            activation += hidden_intercept
            activation = _HIDDEN_ACTIVATIONS[hidden_name](activation)
        logits = activation @ coef
        logits += intercept
        return np.exp(log_probabilities(logits, name, np))

    def _weights_as(self, dtype):
        """(coef, intercept, activation) of each Dense layer, as float32 or 64."""
        return self._inference_weights[np.dtype(dtype).name]

    def _predict_index(self, X):
        return np.argmax(self._forward(X), axis=1)

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class (in the order of ``classes_``) for
            each sample; each row sums to 1.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float32, np.float64))
        return self._forward(X)

    def predict(self, X):
        """Predict the class of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            The predicted classes.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    # Persistence -------------------------------------------------------------

    def __getstate__(self):
        # The pickle holds no Keras object: unpickling one would import Keras
        # before skdigits can select its backend, and in a fresh process
        # Keras would start on its default one. `model_` is rebuilt from the
        # weights, which are in `_state`.
        state = dict(super().__getstate__())  # a copy: it may be our __dict__
        state.pop("model_", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_state" in state:
            keras = import_keras()
            with self._precision():
                self.model_ = self._build_model(
                    keras, self.n_features_in_, self.n_outputs_, seed=0
                )
                self._set_weights(self._state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags


def _hashable(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | np.ndarray):
        return tuple(_hashable(v) for v in value)
    return value
