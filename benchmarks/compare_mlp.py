"""Fit and predict times on full MNIST: skdigits against MLPClassifier and Keras.

The same network, 784 -> Dense(128, relu) -> Dense(10, softmax), trained for
the same epochs and batch size by:

- ``ReluSoftmaxClassifier(hidden_layer_sizes=(128,), dropout=0)``;
- the same network in plain Keras (``model.fit``), on the same backend;
- ``MLPClassifier(hidden_layer_sizes=(128,))`` (solver "adam").

Ours and MLPClassifier are fitted alternately, so that a change in the
machine's speed affects both; the script prints the median of each figure
and the ratios. Run it from the repository root::

    .venv/bin/python benchmarks/compare_mlp.py [--repeats 3] [--epochs 10]
"""

import argparse
import statistics
import warnings

import numpy as np
from benchmarks.common import median_time, timed
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from skdigits import ReluSoftmaxClassifier
from skdigits._jax_runtime.keras import import_keras
from skdigits.datasets import fetch_mnist


class PlainKeras:
    """The same network and training in plain Keras, with a predict method."""

    def __init__(self, epochs, batch_size, seed):
        self.epochs, self.batch_size, self.seed = epochs, batch_size, seed

    def fit(self, X, y):
        keras = import_keras()
        init = keras.initializers.GlorotUniform
        self.model = keras.Sequential(
            [
                keras.Input(shape=(X.shape[1],)),
                keras.layers.Dense(128, activation="relu", kernel_initializer=init(1)),
                keras.layers.Dense(
                    10, activation="softmax", kernel_initializer=init(2)
                ),
            ]
        )
        self.model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        self.model.fit(X, y, batch_size=self.batch_size, epochs=self.epochs, verbose=0)
        return self

    def predict(self, X):
        return np.argmax(self.model.predict_on_batch(X), axis=1)

    def score(self, X, y):
        return float(np.mean(self.predict(X) == y))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=128)
    args = parser.parse_args()

    X_train, y_train = fetch_mnist(return_X_y=True)
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    X_train = (X_train / 255).astype(np.float32)
    X_test = (X_test / 255).astype(np.float32)
    common = dict(max_iter=args.epochs, batch_size=args.batch_size, random_state=0)
    models = {
        "skdigits": lambda: ReluSoftmaxClassifier(
            hidden_layer_sizes=(128,), dropout=0.0, **common
        ),
        "MLPClassifier": lambda: MLPClassifier(hidden_layer_sizes=(128,), **common),
        "plain Keras": lambda: PlainKeras(args.epochs, args.batch_size, seed=0),
    }

    # The first fit of our network compiles it; later fits of the same
    # architecture (a grid search, a cross-validation) reuse the compiled code.
    first_fit, _ = timed(models["skdigits"]().fit, X_train, y_train)

    fit_times = {name: [] for name in models}
    fitted = {}
    warnings.simplefilter("ignore", ConvergenceWarning)
    for _ in range(args.repeats):
        for name in ("skdigits", "MLPClassifier"):
            seconds, fitted[name] = timed(models[name]().fit, X_train, y_train)
            fit_times[name].append(seconds)
    for _ in range(args.repeats):
        seconds, fitted["plain Keras"] = timed(
            models["plain Keras"]().fit, X_train, y_train
        )
        fit_times["plain Keras"].append(seconds)

    print(
        f"Full MNIST, {args.epochs} epochs, batch {args.batch_size}, "
        f"median of {args.repeats} (first skdigits fit, compiling: {first_fit:.2f} s)"
    )
    print(
        f"{'':<15}{'fit (s)':>9}{'test acc':>10}{'predict 10k (ms)':>18}"
        f"{'predict 1 (ms)':>16}"
    )
    results = {}
    for name, model in fitted.items():
        fit = statistics.median(fit_times[name])
        many = median_time(model.predict, X_test, repeats=20) * 1e3
        one = median_time(model.predict, X_test[:1], repeats=200) * 1e3
        results[name] = fit, many, one
        print(
            f"{name:<15}{fit:>9.2f}{model.score(X_test, y_test):>10.4f}"
            f"{many:>18.2f}{one:>16.3f}"
        )
    ours = results["skdigits"]
    for reference in ("MLPClassifier", "plain Keras"):
        ratios = [o / r for o, r in zip(ours, results[reference], strict=True)]
        print(
            f"skdigits / {reference}: fit {ratios[0]:.2f}x, "
            f"predict 10k {ratios[1]:.2f}x, predict 1 {ratios[2]:.2f}x"
        )


if __name__ == "__main__":
    main()
