"""The scikit-learn face of skdigits' Keras-backed classifiers.

A subclass says what its network is (`_make_network`); this class checks the
parameters and the data, and hands the rest to the engine's modules (a map
of them: ``skdigits/neural_network/__init__.py``).

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
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

import skdigits
from skdigits._images import infer_image_shape
from skdigits._jax_runtime.keras import import_jax, import_keras, optimizer_config
from skdigits._jax_runtime.precision import enable_x64
from skdigits.neural_network import _targets as targets
from skdigits.neural_network._fit_loop import FitConfig, FitLoop
from skdigits.neural_network._fit_record import FitRecord
from skdigits.neural_network._network import (
    Network,
    NetworkSpec,
    assign,
)
from skdigits.neural_network._outputs import OUT_ACTIVATIONS, predicted_labels
from skdigits.neural_network._schedules import make_schedule
from skdigits.neural_network._stopping import make_stopping_rule
from skdigits.neural_network._training import Trainer, TrainingState, get_trainer
from skdigits.neural_network._weights_file import SavedNetwork, variable_names

_MAX_SEED = np.iinfo(np.int32).max

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


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

    def _image_shape(self, n_features: int) -> tuple[int, int]:
        """The (height, width) of the images in rows of ``n_features`` pixels."""
        return infer_image_shape(n_features, self.image_shape)

    def _make_network(self, meta: dict, multilabel: bool, seed: int) -> Network:
        """The network to fit: a `NetworkSpec`, or any `Network`.

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
        if "_loaded" in self.__dict__ and (incremental or self.warm_start):
            self._restore_engine_state()
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
        if sp.issparse(X):
            X = X.tocsr()
        targets.check_finite_in_dtype(X, self.dtype)
        encoded = self._targets(y, continuing, incremental, classes)
        y, Y, classes_ = encoded.y, encoded.Y, encoded.classes
        multilabel = encoded.multilabel
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        sample_weight = sample_weight * targets.class_sample_weights(
            self.class_weight, y, classes_, multilabel
        )

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
            "n_outputs_": encoded.n_outputs,
            "target_type_": encoded.type,
        }
        import_jax()
        with enable_x64(self.dtype == "float64"):
            network = self._make_network(meta, multilabel, seed)
            # Built once a fit: for an optimizer instance it builds a Keras one.
            optimizer_key = self._optimizer_key()
            trainer = self._trainer(network, optimizer_key)
            schedule = make_schedule(
                self.learning_rate, self.learning_rate_init, self.max_iter
            )
            stopping = make_stopping_rule(
                early_stopping=self.early_stopping,
                tol=self.tol,
                n_iter_no_change=self.n_iter_no_change,
                # A schedule that sets the length is not stopped by the loss.
                counts=not schedule.sets_the_length,
                previous=self._record.stopping if continuing else None,
            )
            if continuing:
                record = self._record.continued(
                    state=self._continued_state(
                        trainer, network, incremental, optimizer_key
                    ),
                    stopping=stopping,
                    incremental=incremental,
                )
            else:
                state = TrainingState(
                    *network.initial_state(seed), trainer.initial_optimizer_state()
                )
                record = FitRecord(state=state, stopping=stopping)
            loop = FitLoop(
                trainer=trainer,
                network=network,
                schedule=schedule,
                make_optimizer=self._make_optimizer,
                seed=seed,
                incremental=incremental,
                config=FitConfig.of(self),
            )
            record, model = loop.run(record, X, y, Y, sample_weight, rng)
            predictor = network.predictor(record.state, trainer)
        self._commit(
            network,
            predictor,
            classes_,
            record,
            model,
            random_state=(rng, seed),
            continuing=continuing,
            optimizer_key=optimizer_key,
        )

    def _targets(self, y, continuing, incremental, classes) -> targets.Targets:
        """The targets as the network learns them: class indicators."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        name = type(self).__name__
        multilabel = targets.is_multilabel(y, name)
        if continuing:
            classes_ = self.classes_
            targets.check_continued_classes(
                y,
                classes_,
                multilabel=multilabel,
                fitted_multilabel=self._fitted_network.output == "sigmoid",
                incremental=incremental,
            )
        else:
            classes_ = targets.new_classes(y, classes, multilabel, name)
        Y = targets.indicator(y, classes_, multilabel, self.dtype)
        return targets.Targets(
            y=y,
            Y=Y,
            classes=classes_,
            multilabel=multilabel,
            type=targets.target_type(classes_, multilabel),
            n_outputs=Y.shape[1],
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

    def _continued_state(self, trainer, network, incremental, optimizer_key):
        """The fitted network's state, adapted to changed parameters.

        The shapes of the weights cannot change; the precision, the dropout,
        the augmentation and the optimizer can: the weights are cast, and a
        different optimizer starts from a fresh state.
        """
        state = self._record.state
        state = dataclasses.replace(
            state,
            non_trainable=network.continued_non_trainable(
                self._fitted_network,
                state.non_trainable,
                self._seed,
                "partial_fit" if incremental else "a warm-started fit",
            ),
        )
        if optimizer_key != self._fitted_optimizer_key:
            state = dataclasses.replace(
                state, optimizer=trainer.initial_optimizer_state()
            )
        # Floating-point values in the new precision; the others (seeds, step
        # counts) as they are.
        return TrainingState(
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

    def _trainer(self, network, optimizer_key):
        """The compiled trainer of this network, shared with its twins.

        A network whose code its configuration does not fix (a custom layer)
        gets a trainer of its own, for this fit only.
        """
        augment, image_shape = self._augment(network.n_features)
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

        image_shape = self._image_shape(n_features)
        distort = {
            "elastic": augmentation.elastic_distort,
            "affine": augmentation.affine_distort,
        }[name]
        params = dict(self.augmentation_params or {})
        constraints = augmentation.PARAMETER_CONSTRAINTS[name]
        unknown = sorted(set(params) - set(constraints))
        if unknown:
            raise ValueError(
                f"augmentation_params {unknown} are not parameters of the "
                f"{name!r} augmentation, whose parameters are {list(constraints)}."
            )
        validate_parameter_constraints(
            constraints, params, caller_name=f"augmentation_params of {name!r}"
        )
        flags = sorted(key for key, value in params.items() if isinstance(value, bool))
        if flags:
            raise ValueError(
                f"augmentation_params {flags} of {name!r} are booleans; they are "
                "numbers (see skdigits.augmentation)."
            )
        if params.get("translation", 0) >= max(image_shape):
            raise ValueError(
                f"augmentation_params translation={params['translation']} moves "
                f"the {image_shape[0]}x{image_shape[1]} images out of their frame: "
                "it is in pixels, and must be smaller than the images."
            )

        def augment(key, x):
            images = x.reshape(x.shape[0], *image_shape)
            return distort(key, images, **params).reshape(x.shape)

        return augment, image_shape

    def _commit(
        self,
        network,
        predictor,
        classes_,
        record,
        model,
        *,
        random_state,
        continuing,
        optimizer_key,
    ):
        """Set every fitted attribute from the finished fit, at once.

        ``random_state`` is the fit's generator and seed, which a continued
        fit carries on from.

        ``model_`` stays the same Keras object across continued fits of the
        same network: the fitted one, given the new weights. A network that
        changed (its precision, its dropout layers) gets a new model.
        """
        live = self.__dict__.get("_model") if continuing else None
        if (
            live is not None
            and network.trainer_key() == self._fitted_network.trainer_key()
        ):
            model = live
        if model is not None:
            assign(model, record.state)
        fitted = {
            "classes_": classes_,
            "n_outputs_": network.n_outputs,
            "out_activation_": OUT_ACTIVATIONS[network.output],
            **record.attributes(),
            **network.fitted_attributes(record.state),
            "_record": record,
            "_fitted_network": network,
            "_predictor": predictor,
            "_random_state": random_state[0],
            "_seed": random_state[1],
            "_fitted_optimizer_key": optimizer_key,
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
        labels = predicted_labels(self._validated_log_proba(X), self._predictor.output)
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
            if "_loaded" in self.__dict__:
                self._restore_engine_state()
            if "_record" not in self.__dict__:
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute 'model_'"
                )
            keras = import_keras()
            network = self._fitted_network
            with enable_x64(network.dtype == "float64"):
                model = network.build_model(keras, self._record.state)
            self._model = model
        return model

    # Weights files -----------------------------------------------------------

    # The parameters that fix the network, which a weights file records
    # (`skdigits.weights.save_weights`); none: the class saves no weights.
    _saved_params: ClassVar[tuple[str, ...]] = ()

    def _numpy_predictor(self, saved: SavedNetwork, path):
        """The numpy predictor of a weights file's network (see `SavesWeights`)."""
        raise NotImplementedError

    def _saved_network(self) -> SavedNetwork:
        """What `skdigits.weights.save_weights` writes of this fitted estimator."""
        check_is_fitted(self)
        if not self._saved_params:
            raise TypeError(
                f"{type(self).__name__} has no weights file: pickle it (or joblib)."
            )
        loaded = self.__dict__.get("_loaded")
        if loaded is not None:
            weights, target_type = loaded.weights, loaded.attributes["target_type"]
        else:
            model = self.model_
            names = variable_names(model)
            weights = {
                names[id(v)]: np.asarray(v.value, np.float32)
                for v in model.weights
                if id(v) in names
            }
            target_type = self._fitted_network.meta["target_type_"]
        params = self.get_params()
        return SavedNetwork(
            estimator=type(self).__name__,
            params={name: _json_value(params[name]) for name in self._saved_params},
            attributes={
                "n_features_in_": int(self.n_features_in_),
                "n_outputs_": int(self.n_outputs_),
                "output": self._predictor.output,
                "target_type": target_type,
                **self._saved_attributes(),
            },
            classes=np.asarray(self.classes_),
            weights=weights,
        )

    def _saved_attributes(self) -> dict:
        """What a class adds to a weights file's attributes (JSON values)."""
        return {}

    @classmethod
    def _from_saved_network(cls, saved: SavedNetwork, path):
        """A fitted estimator of a weights file, predicting in numpy."""
        params = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in saved.params.items()
        }
        estimator = cls(**params)
        predictor = estimator._numpy_predictor(saved, path)
        estimator.__dict__.update(
            {
                "classes_": saved.classes,
                "n_outputs_": int(saved.attributes["n_outputs_"]),
                "n_features_in_": int(saved.attributes["n_features_in_"]),
                "out_activation_": OUT_ACTIVATIONS[predictor.output],
                "_predictor": predictor,
                "_loaded": saved,
            }
        )
        return estimator

    def _restore_engine_state(self) -> None:
        """Make an estimator loaded from a weights file one the engine can
        continue: its network built with Keras, holding the weights, and a
        fresh optimizer state. A fit that follows undoes it if it fails."""
        saved = self.__dict__["_loaded"]
        target_type = saved.attributes["target_type"]
        meta = {
            "n_features_in_": self.n_features_in_,
            "n_classes_": len(self.classes_),
            "classes_": self.classes_,
            "n_outputs_": self.n_outputs_,
            "target_type_": target_type,
        }
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(_MAX_SEED))
        import_jax()
        network = self._make_network(meta, target_type == "multilabel-indicator", seed)
        model = network.build_model(import_keras())
        names = variable_names(model)
        missing = [
            names.get(id(v), v.path)
            for v in model.trainable_variables
            if names.get(id(v)) not in saved.weights
        ]
        if missing:
            raise ValueError(
                f"The weights file lacks the network's {', '.join(missing)}: it "
                "was not written by this version of skdigits."
            )
        trainable = [saved.weights[names[id(v)]] for v in model.trainable_variables]
        non_trainable = [
            saved.weights.get(names.get(id(v)), np.asarray(v.value))
            for v in model.non_trainable_variables
        ]
        stopping = make_stopping_rule(
            early_stopping=self.early_stopping,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            counts=True,
        )
        del self.__dict__["_loaded"]
        self.__dict__.update(
            {
                "_record": FitRecord(
                    state=TrainingState(trainable, non_trainable, []),
                    stopping=stopping,
                ),
                "_fitted_network": network,
                "_fitted_optimizer_key": None,
                "_random_state": rng,
                "_seed": seed,
            }
        )

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
        version = state.pop("_skdigits_version", "unknown")
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


def _json_value(value):
    """A parameter's value as JSON holds it: sequences as lists of numbers."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple | np.ndarray):
        return [_json_value(v) for v in value]
    return value


def _hashable(value):
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple | np.ndarray):
        return tuple(_hashable(v) for v in value)
    return value
