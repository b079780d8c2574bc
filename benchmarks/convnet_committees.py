"""Soft votes of saved classifiers on the MNIST test set, with and without shifts.

    python benchmarks/convnet_committees.py model.pkl more.pkl [...]

Loads classifiers saved by ``convnet_mnist.py --save`` (or any pickled
classifier of 784-pixel rows scaled to [0, 1]) and prints, as JSON lines, the
MNIST test accuracy of each one and of every committee of two or more of them
(their ``predict_proba`` averaged, as a soft ``VotingClassifier``): plain, and
with each model's probabilities averaged over its input and the input moved
by one pixel up, down, left and right.
"""

import argparse
import itertools
import json
import pickle
import warnings
from pathlib import Path

import numpy as np

from skdigits.datasets import fetch_mnist

SHIFTS = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]


def shifted(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """The images moved by (dy, dx) pixels, blank where nothing moved in, as rows."""
    moved = np.zeros_like(images)
    height, width = images.shape[1:]
    moved[:, max(dy, 0) : height + min(dy, 0), max(dx, 0) : width + min(dx, 0)] = (
        images[:, max(-dy, 0) : height + min(-dy, 0), max(-dx, 0) : width + min(-dx, 0)]
    )
    return moved.reshape(len(images), -1)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    images = (X_test / 255).astype(np.float32).reshape(-1, 28, 28)

    plain, averaged, classes = {}, {}, None
    for path in args.models:
        with open(path, "rb") as file:
            model = pickle.load(file)
        if classes is not None and not np.array_equal(model.classes_, classes):
            raise ValueError(f"{path} has other classes than the models before it")
        classes = model.classes_
        probabilities = [model.predict_proba(shifted(images, *s)) for s in SHIFTS]
        name = Path(path).name
        plain[name], averaged[name] = probabilities[0], np.mean(probabilities, 0)

    def accuracy(probabilities):
        return float(np.mean(classes[probabilities.argmax(axis=1)] == y_test))

    for size in range(1, len(plain) + 1):
        for names in itertools.combinations(plain, size):
            print(
                json.dumps(
                    {
                        "models": list(names),
                        "accuracy": accuracy(np.mean([plain[n] for n in names], 0)),
                        "accuracy_with_shifts": accuracy(
                            np.mean([averaged[n] for n in names], 0)
                        ),
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
