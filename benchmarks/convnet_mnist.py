"""ConvNetClassifier on the real MNIST: every figure of its issue, in one run.

    python benchmarks/convnet_mnist.py [--params '{"max_iter": 60}']
        [--random-state 0] [--committee 3] [--n-strings 200]
        [--save model.pkl | --load model.pkl [more.pkl ...]]

Fits ``ConvNetClassifier(random_state=R, **params)`` (the defaults unless
``--params`` says otherwise) on the 60,000 MNIST training images (pixels /
255), in this fresh process, timed; or loads a model saved by an earlier run.
``--committee N`` fits N of them instead (``random_state`` R to R + N - 1)
and averages their probabilities, as scikit-learn's soft
``VotingClassifier``; ``--load`` with several files makes that committee of
models saved by earlier runs (each run's ``fit_s`` adds up to its fit).
Then prints, as JSON lines:

- the MNIST test accuracy, and the share of test images it must reject
  (refuse to answer, least confident first) for 0.1% and 0.5% error;
- scikit-learn's ``load_digits`` (8x8, other writers) read through
  ``DigitNormalizer``;
- ``n_strings`` fields of 3-7 MNIST test digits (``make_digit_strings``),
  the share read exactly by ``read_digits``;
- the time to predict one sample (median of 200 calls), and the time to
  predict the 10,000 test images over the same network's ``model.predict``
  in raw Keras (default batch size, and 256), medians of 5, alternating.
"""

import argparse
import json
import pickle
import time
import warnings

import numpy as np
from benchmarks.common import alternate_medians, median_time
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.ensemble import VotingClassifier
from sklearn.frozen import FrozenEstimator

from skdigits import ConvNetClassifier
from skdigits.datasets import fetch_mnist, make_digit_strings
from skdigits.metrics import rejection_at_error
from skdigits.preprocessing import DigitNormalizer
from skdigits.reading import read_digits


def report(**figures) -> None:
    print(json.dumps(figures), flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", type=json.loads, default={})
    parser.add_argument("--committee", type=int, default=1)
    parser.add_argument("--save", default=None)
    parser.add_argument("--load", nargs="+", default=None)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--n-strings", type=int, default=200)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    X_train, y_train = fetch_mnist(return_X_y=True)
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    images_test = X_test.reshape(-1, 28, 28)
    X_train = (X_train / 255).astype(np.float32)
    X_test = (X_test / 255).astype(np.float32)

    if args.load:
        models = []
        for path in args.load:
            with open(path, "rb") as file:
                models.append(pickle.load(file))
        model = models[0]
        if len(models) > 1:
            # Fitted already: FrozenEstimator's fit does nothing.
            model = VotingClassifier(
                [(f"model{i}", FrozenEstimator(m)) for i, m in enumerate(models)],
                voting="soft",
            ).fit(X_test[:100], y_test[:100])
    else:
        model = ConvNetClassifier(random_state=args.random_state, **args.params)
        if args.committee > 1:
            model = VotingClassifier(
                [
                    (f"seed{seed}", clone(model).set_params(random_state=seed))
                    for seed in range(
                        args.random_state, args.random_state + args.committee
                    )
                ],
                voting="soft",
            )
        start = time.perf_counter()
        model.fit(X_train, y_train)
        report(
            params=args.params,
            random_state=args.random_state,
            committee=args.committee,
            fit_s=round(time.perf_counter() - start, 1),
        )
        if args.save:
            with open(args.save, "wb") as file:
                pickle.dump(model, file)

    proba = model.predict_proba(X_test)
    report(
        mnist_test_accuracy=float(np.mean(model.classes_[proba.argmax(1)] == y_test)),
        rejection_for_0_1_percent_error=rejection_at_error(y_test, proba, 0.001),
        rejection_for_0_5_percent_error=rejection_at_error(y_test, proba, 0.005),
    )

    digits = load_digits()
    normalized = DigitNormalizer().fit_transform(digits.images)
    report(load_digits_accuracy=model.score(normalized, digits.target))

    fields, texts = make_digit_strings(
        images_test,
        y_test,
        n_strings=args.n_strings,
        random_state=0,
    )
    readings = [read_digits(field, model).text for field in fields]
    report(
        strings_read_exactly=float(
            np.mean([r == t for r, t in zip(readings, texts, strict=True)])
        ),
        n_strings=len(fields),
    )

    one = X_test[:1]
    model.predict(one)
    report(predict_one_ms=round(median_time(model.predict, one, repeats=200) * 1e3, 3))
    if not hasattr(model, "model_"):  # a committee
        return
    keras_model = model.model_
    keras_model.predict(X_test[:256], verbose=0)  # compiled before timing
    keras_model.predict(X_test, verbose=0)
    medians = alternate_medians(
        {
            "ours": lambda: model.predict_proba(X_test),
            "keras_32": lambda: keras_model.predict(X_test, verbose=0),
            "keras_256": lambda: keras_model.predict(X_test, batch_size=256, verbose=0),
        },
        repeats=5,
    )
    report(
        predict_10k_s=round(medians["ours"], 3),
        predict_10k_ratio_vs_keras_predict=round(
            medians["ours"] / medians["keras_32"], 3
        ),
        predict_10k_ratio_vs_keras_predict_batch_256=round(
            medians["ours"] / medians["keras_256"], 3
        ),
    )


if __name__ == "__main__":
    main()
