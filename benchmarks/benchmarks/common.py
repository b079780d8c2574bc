"""What the benchmarks share: the data, the models, the timing of pairs,
the MNIST test figures and the scripts' JSON lines.

As in scikit-learn's ``asv_benchmarks``, data are prepared in ``setup`` or
``setup_cache``, never in the timed code. Each of our networks is measured
against ``MLPClassifier`` with the same network: no hidden layer for the
sigmoid net, one of 128 ReLU units for the ReLU-softmax net.
"""

import json
import statistics
import time
import warnings
from functools import lru_cache

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skdigits import ReluSoftmaxClassifier, SigmoidNetClassifier
from skdigits.datasets import fetch_mnist
from skdigits.metrics import rejection_at_error

warnings.simplefilter("ignore", ConvergenceWarning)

# Epochs and batch size of the timed fits (full MNIST: the comparison of
# benchmarks/compare_mlp.py). Accuracy is tracked at the defaults.
FIT_SETTINGS = {
    "digits": dict(max_iter=50, batch_size=128),
    "mnist": dict(max_iter=10, batch_size=128),
}
MODELS = ["SigmoidNetClassifier", "ReluSoftmaxClassifier"]
REFERENCES = {"SigmoidNetClassifier": (), "ReluSoftmaxClassifier": (128,)}
N_PREDICT = 10_000


@lru_cache(maxsize=2)
def get_data(dataset):
    """(X_train, X_test, y_train, y_test) with pixels scaled to [0, 1]."""
    if dataset == "digits":
        X, y = load_digits(return_X_y=True)
        X = (X / 16).astype(np.float32)
        return tuple(train_test_split(X, y, test_size=0.2, random_state=0))
    X_train, y_train = fetch_mnist(return_X_y=True)
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    return (
        (X_train / 255).astype(np.float32),
        (X_test / 255).astype(np.float32),
        y_train,
        y_test,
    )


def mnist_test_figures(proba, classes) -> dict:
    """The figures of probabilities of the 10,000 MNIST test images (in the
    order of ``get_data``; columns ``classes``): the accuracy, and the share
    of the images to reject, least confident first, for 0.1% and 0.5% error."""
    y_test = get_data("mnist")[3]

    def rejection(error):
        return rejection_at_error(y_test, proba, error, labels=classes)

    return {
        "mnist_test_accuracy": float(np.mean(classes[proba.argmax(1)] == y_test)),
        "rejection_for_0_1_percent_error": rejection(0.001),
        "rejection_for_0_5_percent_error": rejection(0.005),
    }


def report(**figures) -> None:
    """Print the figures as one JSON line: the scripts' output, a line a result."""
    print(json.dumps(figures), flush=True)


def predict_data(dataset):
    """10,000 test samples (the digits test set, repeated)."""
    X_test = get_data(dataset)[1]
    return np.resize(X_test, (N_PREDICT, X_test.shape[1]))


def make_model(model, dataset, defaults=False):
    """One of MODELS, or "MLPClassifier:<model>" for its reference."""
    settings = {} if defaults else FIT_SETTINGS[dataset]
    if model.startswith("MLPClassifier:"):
        hidden = REFERENCES[model.split(":")[1]]
        return MLPClassifier(hidden_layer_sizes=hidden, random_state=0, **settings)
    if model == "ReluSoftmaxClassifier" and not defaults:
        settings = dict(settings, dropout=0.0)  # the same network as the MLP's
    return {
        "SigmoidNetClassifier": SigmoidNetClassifier,
        "ReluSoftmaxClassifier": ReluSoftmaxClassifier,
    }[model](random_state=0, **settings)


def timed(function, *args):
    """``function(*args)``'s seconds and result."""
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def median_time(function, *args, repeats: int) -> float:
    """The median seconds of ``function(*args)`` over ``repeats`` calls."""
    return statistics.median(timed(function, *args)[0] for _ in range(repeats))


def alternate_medians(functions: dict, repeats: int) -> dict:
    """The median seconds of each function, timed in turn, ``repeats`` rounds.

    Timed alternately in one process, so that a change in the machine's
    speed during the measurement affects each alike: their ratios hold
    when the times drift.
    """
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            times[name].append(timed(function)[0])
    return {name: statistics.median(values) for name, values in times.items()}


def alternate_median_ratio(ours, reference, repeats=3):
    """Median time of ``ours()`` over median time of ``reference()``, timed
    alternately (`alternate_medians`)."""
    medians = alternate_medians({"ours": ours, "reference": reference}, repeats)
    return medians["ours"] / medians["reference"]
