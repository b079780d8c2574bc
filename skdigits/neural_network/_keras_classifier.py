"""`KerasClassifier`: any Keras network as a scikit-learn classifier."""

from typing import ClassVar

from skdigits._jax_runtime.keras import import_keras
from skdigits.neural_network._base import BaseKerasClassifier
from skdigits.neural_network._docstrings import fill_shared_parameters
from skdigits.neural_network._keras_network import (
    KerasNetwork,
    SerializedKerasModel,
    picklable_model,
)

# The prefixes of the parameters routed to the network and to the optimizer.
ROUTES = ("model__", "optimizer__")


@fill_shared_parameters
class KerasClassifier(BaseKerasClassifier):
    """Any Keras 3 network as a scikit-learn classifier, on skdigits' engine.

    The network is given as a builder, a callable that returns an
    uncompiled Keras model, or as a Keras model, which is cloned for each
    new fit (new weights, from ``random_state``) and never changed. It maps
    rows of ``n_features_in_`` values to one score per class (per label for
    multilabel targets; one sigmoid unit may serve a binary target): an image
    network starts with a ``keras.layers.Reshape``. A final softmax or
    sigmoid is recognised and the loss computed from the logits before it,
    which is exact where the probabilities underflow; a network without a
    final activation gives logits, read as a softmax's (a sigmoid's for
    multilabel targets).

    It trains as :class:`ReluSoftmaxClassifier` does, with the same
    parameters and guarantees: one compiled program per epoch, the same
    predictions for the same ``random_state`` under any ``n_jobs`` and in any
    process, a fit that fails leaves the estimator as it was. Prediction runs
    the network as an exported JAX program: an unpickled estimator predicts
    without importing Keras. See the user guide, "Your own Keras network".

    Parameters
    ----------
    model : callable or keras.Model
        The network. A callable receives the routed parameters
        ``model__<name>`` as ``<name>=...``, and ``meta``, a dict describing
        the data (``n_features_in_``, ``n_classes_``, ``classes_``,
        ``n_outputs_``, ``target_type_``), when it has a parameter of that
        name. Keras' unseeded initializers and layers draw their seeds from
        ``random_state``.

    alpha : float, default=0.0001
        {alpha}

    batch_size : int or "auto", default="auto"
        Size of the mini-batches; "auto" means ``min(200, n_samples)``.

    learning_rate_init : float, default=0.001
        {learning_rate_init}

    max_iter : int, default=200
        {max_iter}

    shuffle : bool, default=True
        Whether to shuffle the samples at each epoch.

    random_state : int, RandomState instance or None, default=None
        Determines the initial weights (through the seeds of Keras'
        initializers), the shuffling, the dropout masks and the
        early-stopping split. An int gives bit-identical predictions across
        fits and processes.

    tol : float, default=1e-4
        {tol}

    verbose : bool or int, default=False
        {verbose}

    warm_start : bool, default=False
        When True, ``fit`` continues from the fitted weights and optimizer
        state. The network built must have the same weights' shapes.

    early_stopping : bool, default=False
        {early_stopping}

    validation_fraction : float, default=0.1
        Fraction of the training data set aside for early stopping.

    n_iter_no_change : int or np.inf, default=10
        {n_iter_no_change}

    optimizer : str or keras.optimizers.Optimizer, default="adam"
        The Keras optimizer, by name or as an instance whose configuration is
        copied; its learning rate is always ``learning_rate_init``. Routed
        parameters ``optimizer__<name>`` set its configuration's ``<name>``
        (e.g. ``optimizer__beta_1``).

    callbacks : list of keras.callbacks.Callback, default=None
        {callbacks}

    learning_rate : {"constant", "cosine"}, default="constant"
        {learning_rate}

    augmentation : {"affine", "elastic"} or None, default=None
        Random distortions of each training batch, for image networks; see
        :mod:`skdigits.augmentation`.

    augmentation_params : dict, default=None
        {augmentation_params}

    image_shape : tuple of int, default=None
        (height, width) of the images, for augmentation; square images are
        inferred.

    class_weight : dict, "balanced" or None, default=None
        {class_weight}

    **routed_params : dict
        ``model__<name>`` parameters, passed to the builder, and
        ``optimizer__<name>`` ones, set in the optimizer's configuration.
        Like any other parameter, they are cloned, searched over and set
        with ``set_params``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels (``0 .. n_outputs - 1`` for multilabel targets).

    loss_ : float
        The training loss of the last epoch.

    loss_curve_ : list of float
        The training loss of each epoch, across continued fits.

    best_loss_ : float or None
        The lowest training loss; None with ``early_stopping``.

    validation_scores_ : list of float or None
        The validation accuracy of each epoch; None without
        ``early_stopping``.

    best_validation_score_ : float or None
        The best validation accuracy; None without ``early_stopping``.

    n_iter_ : int
        The number of epochs run by the last call to ``fit``.

    t_ : int
        The number of training samples seen, across continued fits.

    n_layers_ : int
        The number of the Keras model's layers.

    n_outputs_ : int
        The number of classes, or of labels.

    out_activation_ : str
        The output's activation, in MLPClassifier's names: "softmax" or
        "logistic".

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string feature names.

    model_ : keras.Model
        The fitted Keras network. It is the same object across
        :meth:`partial_fit` calls and warm-started fits, and holds the
        current weights; after unpickling it is built again when first
        asked for.

    history_ : dict of str to list
        The ``logs`` of each epoch, as Keras' ``History.history``.

    See Also
    --------
    ReluSoftmaxClassifier : A dense network with the same engine.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from skdigits import KerasClassifier
    >>> def dense_network(meta, units=32):
    ...     import keras  # on JAX: skdigits selects it before calling this
    ...     return keras.Sequential([
    ...         keras.Input((meta["n_features_in_"],)),
    ...         keras.layers.Dense(units, activation="relu"),
    ...         keras.layers.Dense(meta["n_outputs_"], activation="softmax"),
    ...     ])
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X / 16, y, random_state=0)
    >>> clf = KerasClassifier(dense_network, model__units=32, max_iter=100,
    ...                       random_state=0)
    >>> clf.fit(X_train, y_train).score(X_test, y_test) > 0.9
    True
    >>> clf.get_params()["model__units"]
    32
    """

    _parameter_constraints: ClassVar[dict] = {
        **{
            name: constraint
            for name, constraint in BaseKerasClassifier._parameter_constraints.items()
            if name not in ("dropout", "dtype")
        },
        "model": [callable],
    }
    _network_name = "keras"
    # Not parameters: a user's network holds its own dropout and precision.
    dropout = 0.0
    dtype = "float32"

    def __init__(
        self,
        model=None,
        *,
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate_init: float = 0.001,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state=None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        optimizer="adam",
        callbacks: list | None = None,
        learning_rate: str = "constant",
        augmentation: str | None = None,
        augmentation_params: dict | None = None,
        image_shape: tuple[int, int] | None = None,
        class_weight: dict | str | None = None,
        **routed_params,
    ):
        self.model = model
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
        self.optimizer = optimizer
        self.callbacks = callbacks
        self.learning_rate = learning_rate
        self.augmentation = augmentation
        self.augmentation_params = augmentation_params
        self.image_shape = image_shape
        self.class_weight = class_weight
        for name, value in routed_params.items():
            setattr(self, name, value)

    # Routed parameters, as SciKeras routes them -------------------------------

    def _extra_params(self) -> dict:
        """The parameters given beyond the signature's (``**routed_params``).

        Fitted attributes end in "_" and private ones start with it.
        """
        named = self._get_param_names()
        return {
            name: value
            for name, value in vars(self).items()
            if name not in named
            and not name.startswith("_")
            and (name.startswith(ROUTES) or not name.endswith("_"))
        }

    def _routed(self, prefix: str) -> dict:
        """The parameters routed with ``prefix``, without it."""
        return {
            name[len(prefix) :]: value
            for name, value in self._extra_params().items()
            if name.startswith(prefix)
        }

    def get_params(self, deep: bool = True) -> dict:
        """Get the parameters of this estimator, the routed ones included.

        Parameters
        ----------
        deep : bool, default=True
            If True, also the parameters of contained estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        return {**super().get_params(deep=deep), **self._extra_params()}

    def set_params(self, **params) -> "KerasClassifier":
        """Set the parameters of this estimator, routed ones included.

        Parameters
        ----------
        **params : dict
            Estimator parameters; ``model__<name>`` and ``optimizer__<name>``
            ones are set as they are, new names included.

        Returns
        -------
        self : KerasClassifier
            The estimator.
        """
        routed = {k: v for k, v in params.items() if k.startswith(ROUTES)}
        for name, value in routed.items():
            setattr(self, name, value)
        return super().set_params(
            **{k: v for k, v in params.items() if k not in routed}
        )

    # The engine's hooks -------------------------------------------------------

    def _make_network(self, meta, multilabel, seed):
        _check_routed_names(self._extra_params())
        return KerasNetwork.build(
            import_keras(),
            self.model,
            self._routed("model__"),
            meta,
            seed,
            multilabel,
        )

    def _optimizer_params(self) -> dict:
        return self._routed("optimizer__")

    # Persistence ---------------------------------------------------------------

    def __getstate__(self):
        # A Keras model given as ``model`` is pickled as plain data where its
        # configuration builds it again (`picklable_model`), so that
        # unpickling imports no Keras (on whatever backend the process would
        # pick); it is built again, on JAX, when first asked for.
        state = super().__getstate__()
        if "model" in state:
            state["model"] = picklable_model(state["model"])
        return state

    def __setstate__(self, state):
        if isinstance(state.get("model"), SerializedKerasModel):
            state = dict(state)
            state["_serialized_model"] = state.pop("model")
        super().__setstate__(state)

    def __getattr__(self, name):
        # Only reached for attributes not set: ``model`` after unpickling.
        serialized = self.__dict__.get("_serialized_model")
        if name != "model" or serialized is None:
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}"
            )
        self.model = serialized.to_keras(import_keras())
        del self._serialized_model
        return self.model


def _check_routed_names(params: dict) -> None:
    for name in params:
        if not name.startswith(ROUTES) or name in ROUTES:
            raise ValueError(
                f"KerasClassifier got the parameter {name!r}, which is none of "
                "its own: parameters beyond its own are routed, named "
                "model__<name> (to the model's builder) or optimizer__<name> "
                "(to the optimizer)."
            )
