"""`ConvNetClassifier`: a convolutional network for digit images."""

from collections.abc import Sequence
from numbers import Integral
from typing import ClassVar

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from skdigits._images import infer_image_shape
from skdigits._jax_runtime.keras import import_keras
from skdigits.neural_network._base import BaseKerasClassifier
from skdigits.neural_network._conv_predictor import ConvNetPredictor
from skdigits.neural_network._docstrings import fill_shared_parameters
from skdigits.neural_network._keras_network import KerasNetwork
from skdigits.neural_network._validation import positive_integers
from skdigits.neural_network._weights_file import check_weight_shapes

# The images the default augmentation is for: MNIST's, as DigitNormalizer
# gives them.
MNIST_SHAPE = (28, 28)


def convnet(
    meta: dict,
    *,
    image_shape: tuple[int, int],
    filters: tuple[int, ...],
    kernel_size: int,
    strides: tuple[int, ...],
    hidden_layer_sizes: tuple[int, ...],
    dropout: float,
):
    """The Keras network of `ConvNetClassifier`, for the data ``meta`` describes.

    Rows of pixels are reshaped to ``image_shape``; convolution ``i`` has
    ``filters[i]`` kernels of ``kernel_size`` squared, a stride of
    ``strides[i]`` ("same" padding: a stride of 2 halves the image, in place
    of a pooling layer, as in Simard et al., 2003) and ReLU units; the dense
    ReLU layers that follow each have dropout after them. The layers with
    weights are named (``conv_1``..., ``hidden_1``..., ``scores``): a
    weights file (`skdigits.weights.save_weights`) holds them by name.
    """
    keras = import_keras()
    layers = keras.layers
    multilabel = meta["target_type_"] == "multilabel-indicator"
    network = [
        keras.Input((meta["n_features_in_"],)),
        layers.Reshape((*image_shape, 1)),
    ]
    for i, (n_filters, stride) in enumerate(zip(filters, strides, strict=True)):
        network.append(
            layers.Conv2D(
                n_filters,
                kernel_size,
                strides=stride,
                padding="same",
                activation="relu",
                name=f"conv_{i + 1}",
            )
        )
    network.append(layers.Flatten())
    for i, units in enumerate(hidden_layer_sizes):
        network.append(layers.Dense(units, activation="relu", name=f"hidden_{i + 1}"))
        if dropout:
            network.append(layers.Dropout(dropout))
    network.append(
        layers.Dense(
            meta["n_outputs_"],
            activation="sigmoid" if multilabel else "softmax",
            name="scores",
        )
    )
    return keras.Sequential(network, name="convnet")


@fill_shared_parameters
class ConvNetClassifier(BaseKerasClassifier):
    """Convolutional network for images of digits, such as MNIST's.

    The network, built and trained with Keras on the JAX backend, is::

        28x28 pixels -> Conv2D(f1, k, stride s1, relu) -> ... -> Conv2D(fn, ...)
        -> Dense(h1, relu) -> Dropout -> ... -> Dense(n_classes, softmax)

    By default each convolution halves the image (stride 2, no pooling
    layer), which is what makes it cheap to train on a few CPU cores; each
    epoch sees the training images through new random affine distortions;
    and the learning rate decays along a cosine over ``max_iter`` epochs:
    the defaults were chosen by measuring architectures and schedules on
    MNIST (see ``docs/design.rst``). For multilabel targets the output
    is one sigmoid unit per label.

    It has the parameters, attributes and guarantees of
    :class:`ReluSoftmaxClassifier` (reproducible ``random_state`` under any
    ``n_jobs``, early stopping, :meth:`partial_fit`, ``warm_start``, a fit
    that fails leaves it as it was, pickling); only the network and some
    defaults differ. Prediction runs an exported JAX program: an unpickled
    estimator predicts without importing Keras.

    Parameters
    ----------
    filters : array-like of shape (n_convolutions,), default=(16, 64)
        The number of filters of each convolution.

    kernel_size : int, default=5
        The height and width of the convolutions' kernels.

    hidden_layer_sizes : array-like of shape (n_dense,), default=(256,)
        The number of ReLU units of each dense layer after the convolutions
        (none for an empty tuple).

    strides : int or array-like of shape (n_convolutions,), default=2
        The stride of each convolution, or one stride for all. The padding
        is "same": a stride of 2 halves the image, a stride of 1 keeps its
        size (and computes four times as many positions).

    alpha : float, default=0.0001
        {alpha}

    batch_size : int or "auto", default="auto"
        Size of the mini-batches; "auto" means ``min(200, n_samples)``.

    learning_rate_init : float, default=0.001
        {learning_rate_init}

    max_iter : int, default=34
        {max_iter}

    shuffle : bool, default=True
        Whether to shuffle the samples at each epoch.

    random_state : int, RandomState instance or None, default=None
        Determines the initial weights, the shuffling, the dropout masks, the
        distortions and the early-stopping split. An int gives the same
        predictions across fits and processes.

    tol : float, default=1e-4
        {tol}

    verbose : bool or int, default=False
        {verbose}

    warm_start : bool, default=False
        When True, ``fit`` continues from the fitted weights and optimizer
        state; the network must keep its shape.

    early_stopping : bool, default=False
        {early_stopping}

    validation_fraction : float, default=0.1
        Fraction of the training data set aside for early stopping.

    n_iter_no_change : int or np.inf, default=10
        {n_iter_no_change}

    dropout : float, default=0.25
        Fraction of each dense hidden layer's outputs dropped in training.

    optimizer : str or keras.optimizers.Optimizer, default="adam"
        {optimizer}

    callbacks : list of keras.callbacks.Callback, default=None
        {callbacks}

    learning_rate : {"constant", "cosine"}, default="cosine"
        {learning_rate}

    augmentation : {"auto", "affine", "elastic"} or None, default="auto"
        Random distortions of each training batch (see
        :mod:`skdigits.augmentation`). "auto" means "affine" (random
        rotations, scalings, shears and translations) for 28x28 images, the
        format the defaults were chosen for, and none for other images.

    augmentation_params : dict, default=None
        {augmentation_params}

    image_shape : tuple of int, default=None
        (height, width) of the images. None infers square images (784
        features -> 28x28, 64 -> 8x8) and reads other rows as images of one
        row (a 1-D convolution over the features).

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
        The fitted Keras network, the same object across :meth:`partial_fit`
        calls and warm-started fits.

    history_ : dict of str to list
        The ``logs`` of each epoch, as Keras' ``History.history``.

    See Also
    --------
    ReluSoftmaxClassifier : A dense network on the same engine.
    KerasClassifier : Any Keras network on the same engine.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from skdigits import ConvNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X / 16, y, random_state=0)
    >>> clf = ConvNetClassifier(filters=(16, 32), kernel_size=3, max_iter=40,
    ...                         random_state=0).fit(X_train, y_train)
    >>> clf.model_.layers[1].output.shape  # 8x8 images, halved by stride 2
    (None, 4, 4, 16)
    >>> clf.score(X_test, y_test) > 0.9
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **{
            name: constraint
            for name, constraint in BaseKerasClassifier._parameter_constraints.items()
            if name != "dtype"
        },
        "filters": ["array-like", Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "strides": ["array-like", Interval(Integral, 1, None, closed="left")],
        "augmentation": [StrOptions({"auto", "affine", "elastic"}), None],
    }
    _network_name = "convnet"
    # Not a parameter: convolutional networks train in float32.
    dtype = "float32"

    def __init__(
        self,
        filters: Sequence[int] | int = (16, 64),
        kernel_size: int = 5,
        hidden_layer_sizes: Sequence[int] | int = (256,),
        *,
        strides: Sequence[int] | int = 2,
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate_init: float = 0.001,
        max_iter: int = 34,
        shuffle: bool = True,
        random_state=None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        dropout: float = 0.25,
        optimizer="adam",
        callbacks: list | None = None,
        learning_rate: str = "cosine",
        augmentation: str | None = "auto",
        augmentation_params: dict | None = None,
        image_shape: tuple[int, int] | None = None,
        class_weight: dict | str | None = None,
    ):
        self.filters = filters
        self.kernel_size = kernel_size
        self.hidden_layer_sizes = hidden_layer_sizes
        self.strides = strides
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
        self.learning_rate = learning_rate
        self.augmentation = augmentation
        self.augmentation_params = augmentation_params
        self.image_shape = image_shape
        self.class_weight = class_weight

    def _image_shape(self, n_features: int) -> tuple[int, int]:
        """Square rows are square images; others one row of pixels (a 1-D
        convolution), unless ``image_shape`` says otherwise."""
        if self.image_shape is not None or np.sqrt(n_features).is_integer():
            return infer_image_shape(n_features, self.image_shape)
        return (1, n_features)

    def _augmentation(self, n_features):
        if self.augmentation != "auto":
            return self.augmentation
        return "affine" if self._image_shape(n_features) == MNIST_SHAPE else None

    def _network_params(self, n_features: int) -> dict:
        """The parameters of `convnet`, validated, for rows of ``n_features``."""
        filters = positive_integers(self.filters, "filters", allow_empty=False)
        strides = positive_integers(self.strides, "strides", allow_empty=False)
        if not np.iterable(self.strides):
            strides *= len(filters)
        elif len(strides) != len(filters):
            raise ValueError(
                f"strides must have one stride for each of the {len(filters)} "
                f"convolutions of filters={self.filters!r}, got "
                f"strides={self.strides!r}."
            )
        return {
            "image_shape": self._image_shape(n_features),
            "filters": filters,
            "kernel_size": int(self.kernel_size),
            "strides": strides,
            "hidden_layer_sizes": positive_integers(
                self.hidden_layer_sizes, "hidden_layer_sizes", allow_empty=True
            ),
            "dropout": float(self.dropout),
        }

    def _make_network(self, meta, multilabel, seed):
        params = self._network_params(meta["n_features_in_"])
        return KerasNetwork.build(
            import_keras(), convnet, params, meta, seed, multilabel
        )

    # Weights files: the network's parameters, and its forward pass in numpy.
    _saved_params = (
        "filters",
        "kernel_size",
        "hidden_layer_sizes",
        "strides",
        "dropout",
        "image_shape",
    )

    def _numpy_predictor(self, saved, path):
        n_features = int(saved.attributes["n_features_in_"])
        params = self._network_params(n_features)
        check_weight_shapes(
            saved.weights,
            ConvNetPredictor.weight_shapes(params, int(saved.attributes["n_outputs_"])),
            path,
        )
        return ConvNetPredictor(
            saved.weights,
            {
                "image_shape": params["image_shape"],
                "strides": params["strides"],
                "n_hidden": len(params["hidden_layer_sizes"]),
                "output": saved.attributes["output"],
            },
        )
