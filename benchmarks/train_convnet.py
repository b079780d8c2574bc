"""Train the ConvNetClassifier that skdigits ships, on MNIST's training digits.

    python benchmarks/train_convnet.py --weights convnet.npz

Fits ``PixelScaler() -> ConvNetClassifier(random_state=0)`` at its defaults
on MNIST's 60,000 training images, with its progress
(`skdigits.model_fitting.fit_default_model`, as the drawing page trains its
default models); measures on the 10,000 test images its accuracy and the
probability below which a digit is rejected for 0.5% error; writes the
classifier's weights (`skdigits.weights.save_weights`) and prints one JSON
line: the fit's time, the two figures and the file's SHA-256, which
``skdigits/_shipped/__init__.py`` records.
"""

import argparse
import hashlib
import time
from pathlib import Path

from benchmarks.common import report

from skdigits.datasets import fetch_mnist
from skdigits.model_fitting import fit_default_model
from skdigits.weights import save_weights


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", required=True, type=Path)
    args = parser.parse_args(argv)

    X_train, y_train = fetch_mnist(return_X_y=True)
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    start = time.perf_counter()
    fitted = fit_default_model("convnet", X_train, y_train, X_test, y_test)
    fit_s = time.perf_counter() - start
    pipeline = fitted["estimator"]
    classifier = pipeline[-1]
    save_weights(classifier, args.weights)
    report(
        params=classifier.get_params(deep=False) | {"callbacks": None},
        fit_and_measure_s=round(fit_s, 1),
        epochs=classifier.n_iter_,
        accuracy=fitted["accuracy"],
        reject_threshold=fitted["reject_threshold"],
        weights_bytes=args.weights.stat().st_size,
        weights_sha256=hashlib.sha256(args.weights.read_bytes()).hexdigest(),
    )


if __name__ == "__main__":
    main()
