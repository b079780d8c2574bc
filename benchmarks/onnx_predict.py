"""Prediction in onnxruntime against skdigits' own, on MNIST, in one run.

For each model: a pipeline ``PixelScaler() -> classifier`` fitted on MNIST
(the dense networks for 5 epochs, the convnet for 1 epoch on 10,000 images:
prediction's cost does not depend on training), exported with
`skdigits.onnx.to_onnx` (``zipmap=False``), then ``predict_proba`` of the
10,000 test images and of one image, skdigits' and onnxruntime's timed
alternately in this process (median of ``--repeats``). Prints one JSON line
per model: the seconds of each, their ratio (onnxruntime over skdigits), and
the largest difference of the probabilities.

    python onnx_predict.py [--models relu sigmoid convnet] [--repeats 7]
"""

import argparse
import json
import warnings

import numpy as np
import onnxruntime as ort
from benchmarks.common import alternate_medians
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

from skdigits import (
    ConvNetClassifier,
    PixelScaler,
    ReluSoftmaxClassifier,
    SigmoidNetClassifier,
)
from skdigits.datasets import fetch_mnist
from skdigits.onnx import to_onnx

warnings.simplefilter("ignore", ConvergenceWarning)

MODELS = {
    "relu": (lambda: ReluSoftmaxClassifier(max_iter=5, random_state=0), 60_000),
    "sigmoid": (lambda: SigmoidNetClassifier(max_iter=5, random_state=0), 60_000),
    "convnet": (lambda: ConvNetClassifier(max_iter=1, random_state=0), 10_000),
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models", nargs="+", choices=list(MODELS), default=list(MODELS)
    )
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)

    X_train, y_train = fetch_mnist(return_X_y=True)
    X_test, _ = fetch_mnist(subset="test", return_X_y=True)
    X_train, X_test = X_train.astype(np.float32), X_test.astype(np.float32)
    for name in args.models:
        make, n_train = MODELS[name]
        model = make_pipeline(PixelScaler(), make()).fit(
            X_train[:n_train], y_train[:n_train]
        )
        print(json.dumps({"model": name, **measure(model, X_test, args.repeats)}))


def measure(model, X_test, repeats: int) -> dict:
    """Seconds and ratios of skdigits' and onnxruntime's predictions."""
    session = ort.InferenceSession(
        to_onnx(model, X_test[:1], zipmap=False).SerializeToString(),
        providers=["CPUExecutionProvider"],
    )
    one = X_test[:1]
    proba = session.run(None, {"X": X_test})[1]
    medians = alternate_medians(
        {
            "skdigits_10000": lambda: model.predict_proba(X_test),
            "onnxruntime_10000": lambda: session.run(None, {"X": X_test}),
            "skdigits_one": lambda: model.predict_proba(one),
            "onnxruntime_one": lambda: session.run(None, {"X": one}),
        },
        repeats,
    )
    return {
        **{key: round(value, 6) for key, value in medians.items()},
        "ratio_10000": round(
            medians["onnxruntime_10000"] / medians["skdigits_10000"], 3
        ),
        "ratio_one": round(medians["onnxruntime_one"] / medians["skdigits_one"], 3),
        "max_probability_difference": float(
            np.abs(proba - model.predict_proba(X_test)).max()
        ),
    }


if __name__ == "__main__":
    main()
