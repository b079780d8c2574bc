"""A Keras network through KerasClassifier against the same network's
``model.fit`` in raw Keras on JAX, in one process.

The network is the gallery's small convolutional network; the data 6,000
MNIST images, two epochs of batches of 200 each way, after one warm-up fit
of each (which compiles), timed alternately.
"""

from skdigits import KerasClassifier
from skdigits._keras import import_keras

from .common import alternate_median_ratio, get_data

N_TRAIN = 6000
EPOCHS = 2


def convnet(meta, filters=16):
    """The gallery's network (plot_keras_convnet_grid_search.py)."""
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
            keras.layers.Dropout(0.25),
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
