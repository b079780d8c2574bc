"""`ReluSoftmaxClassifier`: hidden ReLU layers and a softmax output."""

from collections.abc import Sequence
from numbers import Integral
from typing import ClassVar

from sklearn.utils._param_validation import Interval

from skdigits.neural_network._base import BaseKerasClassifier
from skdigits.neural_network._docstrings import fill_shared_parameters
from skdigits.neural_network._validation import positive_integers


@fill_shared_parameters
class ReluSoftmaxClassifier(BaseKerasClassifier):
    """Multi-layer perceptron with ReLU hidden layers and a softmax output.

    The network, built and trained with Keras on the JAX backend, is::

        inputs -> Dense(h1, relu) [-> Dropout] -> ... -> Dense(n_classes, softmax)

    trained on the categorical cross-entropy plus an L2 penalty, with Adam by
    default, in mini-batches. For multilabel targets (an indicator matrix)
    the output is one independent sigmoid unit per label, trained on the
    binary cross-entropy, as in MLPClassifier. Its parameters are those of
    :class:`sklearn.neural_network.MLPClassifier` (``activation="relu"``,
    ``solver="adam"``) where the concept is the same, so the two swap in a
    pipeline or a parameter grid; ``dropout``, ``optimizer`` and ``callbacks``
    are Keras' additions.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(128,)
        The number of ReLU units in each hidden layer.

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
        Determines the weight initialisation, the shuffling, the dropout
        masks and the early-stopping split. Pass an int for reproducible
        results: the same value gives bit-identical predictions across fits
        and processes. Fitting never touches numpy's, Python's or Keras'
        global random state when an int is given.

    tol : float, default=1e-4
        {tol}

    verbose : bool or int, default=False
        {verbose}

    warm_start : bool, default=False
        When True, ``fit`` continues from the weights and optimizer state of
        the previous fit instead of starting anew. The continued network
        keeps its layers: a changed ``hidden_layer_sizes`` is a ValueError.
        A changed ``dtype`` casts the weights, and a changed ``optimizer``
        starts from a fresh optimizer state; the other parameters apply as
        they are. The same holds for :meth:`partial_fit`.

    early_stopping : bool, default=False
        {early_stopping}

    validation_fraction : float, default=0.1
        Fraction of the training data set aside for early stopping.

    n_iter_no_change : int or np.inf, default=10
        {n_iter_no_change}

    dropout : float, default=0.2
        Fraction of each hidden layer's outputs dropped during training
        (never at prediction). The default, that of Keras' MNIST example,
        takes the default network from 97.8% to 98.2% test accuracy on MNIST;
        set 0 for MLPClassifier's network exactly.

    optimizer : str or keras.optimizers.Optimizer, default="adam"
        {optimizer}

    callbacks : list of keras.callbacks.Callback, default=None
        {callbacks}

    dtype : {"float32", "float64"}, default="float32"
        The precision of training. "float64" is about twice as slow; its
        rounding errors are small enough that fitting with integer
        ``sample_weight`` gives the same model as repeating the samples, to
        1e-7, when the data fit in one batch.

    learning_rate : {"constant", "cosine"}, default="constant"
        {learning_rate}

    augmentation : {"affine", "elastic"} or None, default=None
        Random distortions of each training batch, on the fly, inside the
        compiled training step (never of validation data, never at
        prediction): "elastic" (Simard et al., 2003) or "affine" (rotation,
        scale, shear, translation); see :mod:`skdigits.augmentation`. They
        derive from ``random_state`` like the rest of the fit.

    augmentation_params : dict, default=None
        {augmentation_params}

    image_shape : tuple of int, default=None
        (height, width) of the images, for augmentation; square images are
        inferred (784 features -> 28x28, 64 -> 8x8).

    class_weight : dict, "balanced" or None, default=None
        {class_weight}

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
        The number of epochs run by the last call to ``fit`` (1 after
        :meth:`partial_fit`), as MLPClassifier counts them.

    t_ : int
        The number of training samples seen, across continued fits.

    coefs_ : list of ndarray
        The weight matrix of each Dense layer, as float64.

    intercepts_ : list of ndarray
        The bias vector of each Dense layer, as float64.

    n_layers_ : int
        The number of layers, input and output included.

    n_outputs_ : int
        The number of output units (one per class, or per label).

    out_activation_ : str
        The output units' activation, in MLPClassifier's names: "softmax" or
        "logistic".

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string feature names.

    model_ : keras.Model
        The fitted Keras network, e.g. to save with ``model_.save(...)``.
        It is built from ``coefs_`` and ``intercepts_`` when first asked
        for: prediction does not use it, and an unpickled estimator that
        only predicts never imports Keras or JAX.

    history_ : dict of str to list
        The ``logs`` of each epoch, as Keras' ``History.history``: ``loss``,
        and with ``early_stopping`` ``val_accuracy`` and ``val_loss``, plus
        what callbacks add (``learning_rate``...); across continued fits.

    See Also
    --------
    SigmoidNetClassifier : One dense layer with sigmoid outputs.
    sklearn.neural_network.MLPClassifier : The scikit-learn equivalent.

    Notes
    -----
    Differences from MLPClassifier, each deliberate: a binary problem has
    two output units, not one (the probabilities are the same model's); an
    interrupt (Ctrl-C) before the first epoch of a call re-raises and leaves
    the estimator as it was, where MLPClassifier would keep its untrained
    initial weights; a fit that fails (e.g. diverges) leaves it as it was too.

    Prediction runs the network in numpy, in the input's precision (float64,
    or float32 for float32 input), which is much faster than Keras'
    ``predict`` for small batches; sparse input is made dense a block of
    rows at a time, in training too. Training compiles one XLA function per
    architecture, reused by later fits of the same network.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from skdigits import ReluSoftmaxClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X / 16, y, random_state=0)
    >>> clf = ReluSoftmaxClassifier(max_iter=50, random_state=0)
    >>> clf = clf.fit(X_train, y_train)
    >>> clf.predict_proba(X_test[:1]).shape
    (1, 10)
    >>> clf.score(X_test, y_test) > 0.95
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **BaseKerasClassifier._parameter_constraints,
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
    }
    _network_name = "relu_softmax"

    def __init__(
        self,
        hidden_layer_sizes: Sequence[int] | int = (128,),
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
        dropout: float = 0.2,
        optimizer="adam",
        callbacks: list | None = None,
        dtype: str = "float32",
        learning_rate: str = "constant",
        augmentation: str | None = None,
        augmentation_params: dict | None = None,
        image_shape: tuple[int, int] | None = None,
        class_weight: dict | str | None = None,
    ):
        super().__init__(
            alpha=alpha,
            batch_size=batch_size,
            learning_rate_init=learning_rate_init,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            n_iter_no_change=n_iter_no_change,
            dropout=dropout,
            optimizer=optimizer,
            callbacks=callbacks,
            dtype=dtype,
            learning_rate=learning_rate,
            augmentation=augmentation,
            augmentation_params=augmentation_params,
            image_shape=image_shape,
            class_weight=class_weight,
        )
        self.hidden_layer_sizes = hidden_layer_sizes

    def _hidden_layer_sizes(self):
        return positive_integers(
            self.hidden_layer_sizes, "hidden_layer_sizes", allow_empty=True
        )
