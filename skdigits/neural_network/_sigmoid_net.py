"""`SigmoidNetClassifier`: one dense layer with one sigmoid unit per class."""

from skdigits.neural_network._base import BaseKerasClassifier


class SigmoidNetClassifier(BaseKerasClassifier):
    """One dense layer from the inputs to one sigmoid unit per class.

    The network, built and trained with Keras on the JAX backend, is::

        inputs [-> Dropout] -> Dense(n_classes, sigmoid)

    Each unit is trained as a one-vs-rest logistic regression (binary
    cross-entropy, summed over the units, plus an L2 penalty), jointly, in
    mini-batches, with Adam by default: the first network of the classic
    MNIST tutorial. :meth:`predict_proba` normalises the sigmoid outputs
    ``s_k`` to probabilities ``s_k / sum_j s_j``; :meth:`predict` picks the
    most active unit. The parameters mirror
    :class:`sklearn.neural_network.MLPClassifier`'s, without hidden layers.

    Parameters
    ----------
    alpha : float, default=0.0001
        Strength of the L2 penalty on the weights (not the biases), added to
        the loss as ``0.5 * alpha * ||W||² / n_batch_samples``, as in
        MLPClassifier.

    batch_size : int or "auto", default="auto"
        Size of the mini-batches; "auto" means ``min(200, n_samples)``.

    learning_rate_init : float, default=0.001
        The optimizer's learning rate.

    max_iter : int, default=200
        Maximum number of epochs (passes over the training data).

    shuffle : bool, default=True
        Whether to shuffle the samples at each epoch.

    random_state : int, RandomState instance or None, default=None
        Determines the weight initialisation, the shuffling, the dropout
        masks and the early-stopping split. Pass an int for reproducible
        results: the same value gives bit-identical predictions across fits
        and processes. Fitting never touches numpy's, Python's or Keras'
        global random state when an int is given.

    tol : float, default=1e-4
        Tolerance for the optimization: when the training loss (or, with
        ``early_stopping``, the validation accuracy) does not improve by at
        least ``tol`` for ``n_iter_no_change`` consecutive epochs, training
        stops.

    verbose : bool, default=False
        Whether to print the loss of each epoch.

    warm_start : bool, default=False
        When True, ``fit`` continues from the weights and optimizer state of
        the previous fit instead of starting anew.

    early_stopping : bool, default=False
        Whether to set aside ``validation_fraction`` of the training data
        (stratified) and stop when the validation accuracy stops improving;
        the weights of the best epoch are kept.

    validation_fraction : float, default=0.1
        Fraction of the training data set aside for early stopping.

    n_iter_no_change : int, default=10
        Maximum number of epochs without an improvement of ``tol``.

    dropout : float, default=0.0
        Fraction of the inputs (pixels) dropped during training (never at
        prediction).

    optimizer : str or keras.optimizers.Optimizer, default="adam"
        The Keras optimizer, by name or as an instance whose configuration is
        copied; its learning rate is always ``learning_rate_init``.

    callbacks : list of keras.callbacks.Callback, default=None
        Keras callbacks, called at the start and end of training and of
        each epoch with the epoch's ``logs`` (``loss``, and ``val_accuracy``
        with early stopping). ``model_`` holds the epoch's weights when they
        are called; setting ``model_.stop_training = True`` (as
        ``keras.callbacks.EarlyStopping`` does) stops training, and weights
        a callback restores into ``model_`` are kept.

    dtype : {"float32", "float64"}, default="float32"
        The precision of training. "float64" is about twice as slow; its
        rounding errors are small enough that fitting with integer
        ``sample_weight`` gives the same model as repeating the samples, to
        1e-7, when the data fit in one batch.

    learning_rate : {"constant", "cosine"}, default="constant"
        The learning-rate schedule (MLPClassifier's name for it):
        ``learning_rate_init`` throughout, or its cosine decay to 0 over
        ``max_iter`` epochs, for long runs such as those with augmentation.
        A cosine schedule runs its ``max_iter`` epochs: ``tol`` does not
        stop it (``early_stopping`` still can), and reaching ``max_iter``
        is no ConvergenceWarning.

    augmentation : {"affine", "elastic"} or None, default=None
        Random distortions of each training batch, on the fly, inside the
        compiled training step (never of validation data, never at
        prediction): "elastic" (Simard et al., 2003) or "affine" (rotation,
        scale, shear, translation); see :mod:`skdigits.augmentation`. They
        derive from ``random_state`` like the rest of the fit.

    augmentation_params : dict, default=None
        Parameters of the distortion: ``alpha`` and ``sigma`` for
        "elastic"; ``rotation``, ``scale``, ``shear`` and ``translation``
        for "affine".

    image_shape : tuple of int, default=None
        (height, width) of the images, for augmentation; square images are
        inferred (784 features -> 28x28, 64 -> 8x8).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    loss_ : float
        The training loss of the last epoch.

    loss_curve_ : list of float
        The training loss of each epoch.

    best_loss_ : float or None
        The lowest training loss; None with ``early_stopping``.

    validation_scores_ : list of float or None
        The validation accuracy of each epoch; None without
        ``early_stopping``.

    best_validation_score_ : float or None
        The best validation accuracy; None without ``early_stopping``.

    n_iter_ : int
        The number of epochs run.

    t_ : int
        The number of training samples seen.

    coefs_ : list of ndarray
        The weight matrix of the Dense layer, as float64.

    intercepts_ : list of ndarray
        The bias vector of the Dense layer, as float64.

    n_layers_ : int
        The number of layers, input and output included (2).

    n_outputs_ : int
        The number of output units (one per class).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string feature names.

    model_ : keras.Model
        The fitted Keras network, e.g. to save with ``model_.save(...)``.

    history_ : dict of str to list
        The ``logs`` of each epoch, as Keras' ``History.history``.

    See Also
    --------
    ReluSoftmaxClassifier : Hidden ReLU layers and a softmax output.
    sklearn.linear_model.LogisticRegression : A linear model fitted exactly.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from skdigits import SigmoidNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X / 16, y, random_state=0)
    >>> clf = SigmoidNetClassifier(max_iter=100, random_state=0)
    >>> clf = clf.fit(X_train, y_train)
    >>> proba = clf.predict_proba(X_test[:2])
    >>> proba.shape, proba.sum(axis=1).round(6).tolist()
    ((2, 10), [1.0, 1.0])
    >>> clf.score(X_test, y_test) > 0.9
    True
    """

    def __init__(
        self,
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
        dropout: float = 0.0,
        optimizer="adam",
        callbacks: list | None = None,
        dtype: str = "float32",
        learning_rate: str = "constant",
        augmentation: str | None = None,
        augmentation_params: dict | None = None,
        image_shape: tuple[int, int] | None = None,
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
        )

    def _build_model(self, keras, n_features, n_outputs, seed):
        x = inputs = self._inputs(keras, n_features)
        if self.dropout:
            x = self._dropout(keras, seed + 1, name="dropout")(x)
        outputs = self._output(keras, x, n_outputs, "sigmoid", seed)
        return keras.Model(inputs, outputs, name="sigmoid_net")
