"""A Keras network through KerasClassifier against the same network's
``model.fit`` in raw Keras on JAX, in one process.

The network is the gallery's small convolutional network; the data 6,000
MNIST images, two epochs of batches of 200 each way, after one warm-up fit
of each (which compiles), timed alternately.
"""

from skdigits import KerasClassifier
from skdigits._jax_runtime.keras import import_keras

from .common import alternate_median_ratio, get_data
from .conv_peers import epoch_trainer

N_TRAIN = 6000
EPOCHS = 2


def convnet(meta, filters=16, dropout=0.25):
    """The gallery's network (plot_keras_convnet_grid_search.py), for all the
    benchmarks (``convnet.py architectures`` takes it as ``gallery``)."""
    keras = import_keras()
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Reshape((28, 28, 1)),
            keras.layers.Conv2D(filters, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(2 * filters, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


class ConvNetVsRawKeras:
    timeout = 1800

    def setup(self):
        X_train, _, y_train, _ = get_data("mnist")
        self.X, self.y = X_train[:N_TRAIN], y_train[:N_TRAIN].astype(int)
        self.meta = {"n_features_in_": self.X.shape[1], "n_classes_": 10}
        self._ours()
        self._raw()

    def _ours(self):
        KerasClassifier(convnet, max_iter=EPOCHS, alpha=0, random_state=0).fit(
            self.X, self.y
        )

    def _raw(self):
        model = convnet(self.meta)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(self.X, self.y, batch_size=200, epochs=EPOCHS, verbose=0)

    def track_fit_time_ratio_vs_keras_fit(self):
        return alternate_median_ratio(self._ours, self._raw, repeats=3)

    track_fit_time_ratio_vs_keras_fit.unit = "ratio"


class ConvNetClassifierVsRawKeras:
    """ConvNetClassifier's network, fitted through it and through raw Keras.

    The same work each way: 6,000 MNIST images, two epochs of batches of
    200, Adam at a constant rate, no penalty, no augmentation (raw Keras'
    ``model.fit`` has none); each warmed up first, then timed alternately.
    """

    timeout = 1800

    def setup(self):
        from skdigits import ConvNetClassifier
        from skdigits.neural_network._convnet import convnet

        X_train, _, y_train, _ = get_data("mnist")
        self.X, self.y = X_train[:N_TRAIN], y_train[:N_TRAIN].astype(int)
        self.ours = ConvNetClassifier(
            max_iter=EPOCHS,
            alpha=0,
            learning_rate="constant",
            augmentation=None,
            random_state=0,
        )
        self.ours.fit(self.X, self.y)
        meta = {"n_features_in_": 784, "n_outputs_": 10, "target_type_": "multiclass"}
        self.network = lambda: convnet(meta, **self.ours._network_params(784))
        self._ours()
        self._raw()

    def _ours(self):
        self.ours.fit(self.X, self.y)

    def _raw(self):
        model = self.network()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(self.X, self.y, batch_size=200, epochs=EPOCHS, verbose=0)

    def track_fit_time_ratio_vs_keras_fit(self):
        return alternate_median_ratio(self._ours, self._raw, repeats=3)

    track_fit_time_ratio_vs_keras_fit.unit = "ratio"


class ConvNetClassifierAccuracy:
    """ConvNetClassifier at its defaults on MNIST (a fit of about 6 minutes)."""

    timeout = 3600
    number = 1
    repeat = 1

    def setup_cache(self):
        from skdigits import ConvNetClassifier

        X_train, X_test, y_train, y_test = get_data("mnist")
        model = ConvNetClassifier(random_state=0).fit(X_train, y_train)
        return model.score(X_test, y_test)

    def track_mnist_test_accuracy(self, accuracy):
        return accuracy

    track_mnist_test_accuracy.unit = "accuracy"


class ConvNetClassifierVsPyTorch:
    """ConvNetClassifier's network, fitted through it and through PyTorch (the
    loop skorch runs): the work of `ConvNetClassifierVsRawKeras`, timed
    alternately in one process; ``benchmarks/conv_epoch.py`` times whole
    epochs in fresh processes. Skipped where PyTorch is not installed."""

    timeout = 1800

    def setup(self):
        import importlib.util

        if importlib.util.find_spec("torch") is None:
            raise NotImplementedError("PyTorch is not installed")
        X_train, _, y_train, _ = get_data("mnist")
        self.X, self.y = X_train[:N_TRAIN], y_train[:N_TRAIN].astype("int64")
        self.ours = epoch_trainer("skdigits", "default")
        self.torch = epoch_trainer("torch", "default")
        self._ours()
        self._torch()

    def _ours(self):
        for _ in range(EPOCHS):
            self.ours(self.X, self.y)

    def _torch(self):
        for _ in range(EPOCHS):
            self.torch(self.X, self.y)

    def track_fit_time_ratio_vs_pytorch(self):
        return alternate_median_ratio(self._ours, self._torch, repeats=3)

    track_fit_time_ratio_vs_pytorch.unit = "ratio"
