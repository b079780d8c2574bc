"""One hidden layer of 800 ReLU units with elastic distortions, on full MNIST.

Simard, Steinkraus and Platt (ICDAR 2003) reach 99.3% test accuracy with
this network trained on elastically distorted images. This script trains
``ReluSoftmaxClassifier(hidden_layer_sizes=(800,), augmentation="elastic",
learning_rate="cosine")`` on the first 50,000 training images, keeps the last
10,000 as the validation split that chooses settings, and prints, every few
epochs, the validation and test accuracy against wall time. The test set is
only reported, never used to choose. Run it from the repository root::

    .venv/bin/python benchmarks/elastic_mnist.py --epochs 60 [--every 5]

With ``--final``, it then trains on all 60,000 images with the same settings.
"""

import argparse
import time

import numpy as np

from skdigits import ReluSoftmaxClassifier
from skdigits._jax_runtime.keras import import_keras
from skdigits.datasets import fetch_mnist


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--every", type=int, default=5)
    parser.add_argument("--hidden", type=int, default=800)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--alpha", type=float, default=34.0, help="elastic scale")
    parser.add_argument("--sigma", type=float, default=4.0, help="elastic smoothing")
    parser.add_argument("--dropout", type=float, default=0.0)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--final", action="store_true")
    args = parser.parse_args()

    X, y = fetch_mnist(return_X_y=True)
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    X, X_test = (X / 255).astype(np.float32), (X_test / 255).astype(np.float32)
    X_train, y_train, X_val, y_val = X[:50_000], y[:50_000], X[50_000:], y[50_000:]
    keras = import_keras()
    start = time.perf_counter()

    class Curve(keras.callbacks.Callback):
        """Validation and test accuracy every few epochs, with the wall time."""

        def __init__(self, estimator):
            super().__init__()
            self.estimator = estimator

        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % args.every and epoch + 1 != args.epochs:
                return

            # `model_` holds this epoch's weights: score it as Keras would.
            def accuracy(X, y):
                proba = self.model.predict(X, batch_size=2048, verbose=0)
                return np.mean(np.argmax(proba, axis=1) == y)

            print(
                f"epoch {epoch + 1:>4}  {time.perf_counter() - start:>7.0f} s  "
                f"loss {logs['loss']:.4f}  validation {accuracy(X_val, y_val):.4f}  "
                f"test {accuracy(X_test, y_test):.4f}",
                flush=True,
            )

    def make():
        return ReluSoftmaxClassifier(
            hidden_layer_sizes=(args.hidden,),
            dropout=args.dropout,
            batch_size=args.batch_size,
            learning_rate_init=args.learning_rate,
            learning_rate="cosine",
            augmentation="elastic",
            augmentation_params={"alpha": args.alpha, "sigma": args.sigma},
            max_iter=args.epochs,
            n_iter_no_change=args.epochs,  # the schedule decides the length
            random_state=args.random_state,
        )

    print(f"{vars(args)}", flush=True)
    estimator = make()
    estimator.set_params(callbacks=[Curve(estimator)])
    estimator.fit(X_train, y_train)
    validation = estimator.score(X_val, y_val)
    test = estimator.score(X_test, y_test)
    print(
        f"trained on 50,000 in {time.perf_counter() - start:.0f} s: "
        f"validation {validation:.4f}, test {test:.4f}"
    )
    if args.final:
        start = time.perf_counter()
        final = make().fit(X, y)
        print(
            f"trained on 60,000 in {time.perf_counter() - start:.0f} s: test "
            f"{final.score(X_test, y_test):.4f}"
        )


if __name__ == "__main__":
    main()
