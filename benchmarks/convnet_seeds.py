"""ConvNetClassifier's MNIST test accuracy over seeds, several fits at once.

    python benchmarks/convnet_seeds.py --params '{"max_iter": 55}' [--params ...]
        --seeds 3 4 5 [--jobs 4]

Fits ``ConvNetClassifier(random_state=S, **params)`` on the 60,000 MNIST
training images (pixels / 255) for every ``--params`` and every seed, each
fit in a fresh process, ``--jobs`` processes at a time (in the order given:
all seeds of the first ``--params``, then the next). As each fit ends, prints
a JSON line: the parameters, the seed, the fit's seconds (not comparable
between runs of different ``--jobs``), the MNIST test accuracy and the share
of test images rejected for 0.1% error. Then, per ``--params``, the mean,
lowest and highest accuracy of the seeds that finished.

It measures how an accuracy spreads over seeds, which one fit per process
alone (``convnet_mnist.py``) is too slow for on two cores; run it where
cores or an accelerator allow several fits at once (with JAX on a GPU, set
``XLA_PYTHON_CLIENT_PREALLOCATE=false`` so that the processes share its
memory). Fit times come from ``convnet_mnist.py``, one fit alone.
"""

import argparse
import json
import multiprocessing
import statistics
import time


def fit_one(run: tuple[dict, int]) -> dict:
    import warnings

    import numpy as np

    from skdigits import ConvNetClassifier
    from skdigits.datasets import fetch_mnist
    from skdigits.metrics import rejection_at_error

    params, seed = run
    warnings.filterwarnings("ignore")
    X_train, y_train = fetch_mnist(return_X_y=True)
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    model = ConvNetClassifier(random_state=seed, **params)
    start = time.perf_counter()
    model.fit((X_train / 255).astype(np.float32), y_train)
    fit_s = time.perf_counter() - start
    proba = model.predict_proba((X_test / 255).astype(np.float32))
    return {
        "params": params,
        "random_state": seed,
        "fit_s": round(fit_s, 1),
        "mnist_test_accuracy": float(
            np.mean(model.classes_[proba.argmax(1)] == y_test)
        ),
        "rejection_for_0_1_percent_error": rejection_at_error(y_test, proba, 0.001),
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", type=json.loads, action="append", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    accuracies = {json.dumps(p, sort_keys=True): [] for p in args.params}
    runs = [(params, seed) for params in args.params for seed in args.seeds]
    # A fresh process for each fit ("spawn", one task per process), as a
    # user's own script would be.
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.jobs, maxtasksperchild=1) as pool:
        try:
            for result in pool.imap_unordered(fit_one, runs):
                print(json.dumps(result), flush=True)
                key = json.dumps(result["params"], sort_keys=True)
                accuracies[key].append(result["mnist_test_accuracy"])
        finally:
            for key, values in accuracies.items():
                if values:
                    print(
                        json.dumps(
                            {
                                "params": json.loads(key),
                                "n_seeds": len(values),
                                "mean_accuracy": round(statistics.mean(values), 5),
                                "min_accuracy": min(values),
                                "max_accuracy": max(values),
                            }
                        ),
                        flush=True,
                    )


if __name__ == "__main__":
    main()
