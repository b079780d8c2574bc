"""ConvNetClassifier on the real MNIST: its figures, seeds, committees, networks.

    python benchmarks/convnet.py fit [--params '{"max_iter": 60}']
        [--random-state 0] [--committee 3] [--n-strings 200]
        [--save model.pkl | --load model.pkl [more.pkl ...]]
    python benchmarks/convnet.py seeds --params '{"max_iter": 55}' [--params ...]
        --seeds 3 4 5 [--jobs 4]
    python benchmarks/convnet.py committees model.pkl more.pkl [...]
    python benchmarks/convnet.py architectures epoch-time NAME [NAME ...]
    python benchmarks/convnet.py architectures fit NAME [--augmentation affine]
        [--max-iter 30]

Each prints JSON lines, with the other scripts' names for the figures
(``fit_s``, ``mnist_test_accuracy``, ``rejection_for_0_1_percent_error``,
``rejection_for_0_5_percent_error``); ``python benchmarks/convnet.py COMMAND
--help`` says what each command measures.
"""

import argparse
import inspect
import itertools
import json
import multiprocessing
import pickle
import statistics
import warnings
from pathlib import Path

import numpy as np
from benchmarks.bench_keras_networks import convnet as gallery_convnet
from benchmarks.common import (
    alternate_medians,
    get_data,
    median_time,
    mnist_test_figures,
    report,
    timed,
)
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.ensemble import VotingClassifier
from sklearn.frozen import FrozenEstimator

from skdigits import ConvNetClassifier, KerasClassifier
from skdigits._jax_runtime.keras import import_keras
from skdigits.datasets import make_digit_strings
from skdigits.preprocessing import DigitNormalizer
from skdigits.reading import read_digits


def load(path):
    """The classifier pickled at ``path``."""
    with open(path, "rb") as file:
        return pickle.load(file)


def fitted(params: dict, random_state: int, committee: int = 1):
    """``ConvNetClassifier(random_state=random_state, **params)``, or a soft
    committee of ``committee`` of them (seeds ``random_state`` on), fitted on
    the MNIST training images, and the fit's seconds."""
    X_train, _, y_train, _ = get_data("mnist")
    model = ConvNetClassifier(random_state=random_state, **params)
    if committee > 1:
        model = VotingClassifier(
            [
                (f"seed{seed}", clone(model).set_params(random_state=seed))
                for seed in range(random_state, random_state + committee)
            ],
            voting="soft",
        )
    fit_s, _ = timed(model.fit, X_train, y_train)
    return model, round(fit_s, 1)


def fit(args) -> None:
    """ConvNetClassifier on the real MNIST: every figure of its issue, in one run.

        python benchmarks/convnet.py fit [--params '{"max_iter": 60}']
            [--random-state 0] [--committee 3] [--n-strings 200]
            [--save model.pkl | --load model.pkl [more.pkl ...]]

    Fits ``ConvNetClassifier(random_state=R, **params)`` (the defaults unless
    ``--params`` says otherwise) on the 60,000 MNIST training images (pixels /
    255), in this fresh process, timed; or loads a model saved by an earlier
    run. ``--committee N`` fits N of them instead (``random_state`` R to R +
    N - 1) and averages their probabilities, as scikit-learn's soft
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
    _, X_test, _, y_test = get_data("mnist")
    if args.load:
        models = [load(path) for path in args.load]
        model = models[0]
        if len(models) > 1:
            # Fitted already: FrozenEstimator's fit does nothing.
            model = VotingClassifier(
                [(f"model{i}", FrozenEstimator(m)) for i, m in enumerate(models)],
                voting="soft",
            ).fit(X_test[:100], y_test[:100])
    else:
        model, fit_s = fitted(args.params, args.random_state, args.committee)
        report(
            params=args.params,
            random_state=args.random_state,
            committee=args.committee,
            fit_s=fit_s,
        )
        if args.save:
            with open(args.save, "wb") as file:
                pickle.dump(model, file)

    report(**mnist_test_figures(model.predict_proba(X_test), model.classes_))

    digits = load_digits()
    normalized = DigitNormalizer().fit_transform(digits.images)
    report(load_digits_accuracy=model.score(normalized, digits.target))

    # The test images' own grey levels (0-255), as fetch_mnist gives them.
    images_test = np.rint(X_test * 255).reshape(-1, 28, 28)
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


def fit_one(run: tuple[dict, int]) -> dict:
    """One fit of ``seeds``, in its own process: its figures."""
    params, seed = run
    warnings.filterwarnings("ignore")
    model, fit_s = fitted(params, seed)
    X_test = get_data("mnist")[1]
    return {
        "params": params,
        "random_state": seed,
        "fit_s": fit_s,
        **mnist_test_figures(model.predict_proba(X_test), model.classes_),
    }


def seeds(args) -> None:
    """ConvNetClassifier's MNIST test accuracy over seeds, several fits at once.

        python benchmarks/convnet.py seeds --params '{"max_iter": 55}'
            [--params ...] --seeds 3 4 5 [--jobs 4]

    Fits ``ConvNetClassifier(random_state=S, **params)`` on the 60,000 MNIST
    training images (pixels / 255) for every ``--params`` and every seed, each
    fit in a fresh process, ``--jobs`` processes at a time (in the order
    given: all seeds of the first ``--params``, then the next). As each fit
    ends, prints a JSON line: the parameters, the seed, the fit's seconds (not
    comparable between runs of different ``--jobs``), the MNIST test accuracy
    and the share of test images rejected for 0.1% and 0.5% error. Then, per
    ``--params``, the mean, lowest and highest accuracy of the seeds that
    finished.

    It measures how an accuracy spreads over seeds, which one fit per process
    alone (``convnet.py fit``) is too slow for on two cores; run it where
    cores or an accelerator allow several fits at once (with JAX on a GPU, set
    ``XLA_PYTHON_CLIENT_PREALLOCATE=false`` so that the processes share its
    memory). Fit times come from ``convnet.py fit``, one fit alone.
    """
    accuracies = {json.dumps(p, sort_keys=True): [] for p in args.params}
    runs = [(params, seed) for params in args.params for seed in args.seeds]
    # A fresh process for each fit ("spawn", one task per process), as a
    # user's own script would be.
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.jobs, maxtasksperchild=1) as pool:
        try:
            for result in pool.imap_unordered(fit_one, runs):
                report(**result)
                key = json.dumps(result["params"], sort_keys=True)
                accuracies[key].append(result["mnist_test_accuracy"])
        finally:
            for key, values in accuracies.items():
                if values:
                    report(
                        params=json.loads(key),
                        n_seeds=len(values),
                        mean_accuracy=round(statistics.mean(values), 5),
                        min_accuracy=min(values),
                        max_accuracy=max(values),
                    )


SHIFTS = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]


def shifted(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """The images moved by (dy, dx) pixels, blank where nothing moved in, as rows."""
    moved = np.zeros_like(images)
    height, width = images.shape[1:]
    moved[:, max(dy, 0) : height + min(dy, 0), max(dx, 0) : width + min(dx, 0)] = (
        images[:, max(-dy, 0) : height + min(-dy, 0), max(-dx, 0) : width + min(-dx, 0)]
    )
    return moved.reshape(len(images), -1)


def committees(args) -> None:
    """Soft votes of saved classifiers on the MNIST test set, with and without shifts.

        python benchmarks/convnet.py committees model.pkl more.pkl [...]

    Loads classifiers saved by ``convnet.py fit --save`` (or any pickled
    classifier of 784-pixel rows scaled to [0, 1]) and prints, as JSON lines,
    the MNIST test figures of each one and of every committee of two or more
    of them (their ``predict_proba`` averaged, as a soft ``VotingClassifier``):
    plain, and (``..._with_shifts``) with each model's probabilities averaged
    over its input and the input moved by one pixel up, down, left and right.
    """
    images = get_data("mnist")[1].reshape(-1, 28, 28)
    plain, averaged, classes = {}, {}, None
    for path in args.models:
        model = load(path)
        if classes is not None and not np.array_equal(model.classes_, classes):
            raise ValueError(f"{path} has other classes than the models before it")
        classes = model.classes_
        probabilities = [model.predict_proba(shifted(images, *s)) for s in SHIFTS]
        name = Path(path).name
        plain[name], averaged[name] = probabilities[0], np.mean(probabilities, 0)

    for size in range(1, len(plain) + 1):
        for names in itertools.combinations(plain, size):
            with_shifts = mnist_test_figures(
                np.mean([averaged[n] for n in names], 0), classes
            )
            report(
                models=list(names),
                **mnist_test_figures(np.mean([plain[n] for n in names], 0), classes),
                **{f"{key}_with_shifts": value for key, value in with_shifts.items()},
            )


def _layers(name):
    layers = import_keras().layers

    def conv(filters, size, **kwargs):
        return layers.Conv2D(filters, size, activation="relu", **kwargs)

    def conv_bn(filters):
        return [
            layers.Conv2D(filters, 3, use_bias=False),
            layers.BatchNormalization(),
            layers.Activation("relu"),
        ]

    pool, flat = layers.MaxPooling2D, layers.Flatten

    def dense(units):
        return layers.Dense(units, activation="relu")

    networks = {
        "keras_example": [conv(32, 3), pool(2), conv(64, 3), pool(2), flat()],
        "keras_example_dense": [
            *[conv(32, 3), pool(2), conv(64, 3), pool(2), flat()],
            dense(128),
        ],
        "lenet_like": [
            *[conv(32, 5, padding="same"), pool(2)],
            *[conv(64, 5, padding="same"), pool(2), flat()],
            dense(256),
        ],
        "vgg_like": [
            *[conv(32, 3), conv(32, 3), pool(2), conv(64, 3), conv(64, 3), pool(2)],
            *[flat(), dense(128)],
        ],
        "vgg_like_bn": [
            *[*conv_bn(32), *conv_bn(32), pool(2), *conv_bn(64), *conv_bn(64)],
            *[pool(2), flat(), dense(128)],
        ],
    }
    if name.startswith("strided_"):
        sizes = [int(part) for part in name.split("_")[1:]]
        first, second, units = sizes[:3]
        dropout = sizes[3] / 100 if len(sizes) > 3 else 0.5
        return [
            conv(first, 5, strides=2, padding="same"),
            conv(second, 5, strides=2, padding="same"),
            flat(),
            dense(units),
            layers.Dropout(dropout),
        ]
    return [*networks[name], layers.Dropout(0.5)]


def network(meta, name="strided_32_64_256_25"):
    """The named network, for KerasClassifier."""
    if name == "gallery":  # the gallery's, with these networks' dropout
        return gallery_convnet(meta, dropout=0.5)
    keras = import_keras()
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Reshape((28, 28, 1)),
            *_layers(name),
            keras.layers.Dense(meta["n_outputs_"], activation="softmax"),
        ]
    )


def architectures(args) -> None:
    """The architectures compared for ConvNetClassifier's defaults.

        python benchmarks/convnet.py architectures epoch-time NAME [NAME ...]
        python benchmarks/convnet.py architectures fit NAME
            [--augmentation affine] [--max-iter 30]

    ``epoch-time`` fits each named network through ``KerasClassifier`` on
    6,000 MNIST images for one epoch (which compiles), then two, and prints
    the time of an epoch of 60,000 images (two epochs' time times 5). ``fit``
    fits each on the 60,000 training images with a cosine schedule, and prints
    its fit time, MNIST test figures and final loss. Names: ``gallery`` (the
    gallery's network, ``plot_keras_convnet_grid_search.py``),
    ``keras_example``, ``keras_example_dense``, ``lenet_like``, ``vgg_like``,
    ``vgg_like_bn``, or ``strided_F1_F2_D[_P]``, two strided 5x5 convolutions
    of F1 and F2 filters, a dense layer of D units and P% dropout (50 if not
    given); or a JSON object of `ConvNetClassifier` parameters, such as
    ``'{"filters": [32, 64, 64], "strides": [2, 2, 1]}'``, for that
    estimator's network (with its defaults for the rest but the augmentation
    and the schedule, which are this command's).
    """
    X, X_test, y, _ = get_data("mnist")
    for name in args.names:
        if name.startswith("{"):
            clf = ConvNetClassifier(
                **json.loads(name),
                augmentation=args.augmentation,
                learning_rate="constant",
                random_state=0,
            )
        else:
            clf = KerasClassifier(
                network,
                model__name=name,
                augmentation=args.augmentation,
                random_state=0,
            )
        if args.mode == "epoch-time":
            clf.set_params(max_iter=1).fit(X[:6000], y[:6000])
            seconds, _ = timed(clf.set_params(max_iter=2).fit, X[:6000], y[:6000])
            report(network=name, s_per_epoch_of_60000=seconds * 5)
            continue
        clf.set_params(max_iter=args.max_iter, learning_rate="cosine")
        fit_s, _ = timed(clf.fit, X, y)
        report(
            network=name,
            augmentation=args.augmentation,
            fit_s=round(fit_s, 1),
            **mnist_test_figures(clf.predict_proba(X_test), clf.classes_),
            final_loss=clf.loss_,
        )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)

    def command(function, name=None):
        doc = inspect.cleandoc(function.__doc__)
        subparser = commands.add_parser(
            name or function.__name__,
            help=doc.split("\n")[0],
            description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        subparser.set_defaults(run=function)
        return subparser

    fit_parser = command(fit)
    fit_parser.add_argument("--params", type=json.loads, default={})
    fit_parser.add_argument("--committee", type=int, default=1)
    fit_parser.add_argument("--save", default=None)
    fit_parser.add_argument("--load", nargs="+", default=None)
    fit_parser.add_argument("--random-state", type=int, default=0)
    fit_parser.add_argument("--n-strings", type=int, default=200)

    seeds_parser = command(seeds)
    seeds_parser.add_argument(
        "--params", type=json.loads, action="append", required=True
    )
    seeds_parser.add_argument("--seeds", type=int, nargs="+", required=True)
    seeds_parser.add_argument("--jobs", type=int, default=1)

    command(committees).add_argument("models", nargs="+")

    architectures_parser = command(architectures)
    architectures_parser.add_argument("mode", choices=["epoch-time", "fit"])
    architectures_parser.add_argument("names", nargs="+")
    architectures_parser.add_argument("--augmentation", choices=["affine", "elastic"])
    architectures_parser.add_argument("--max-iter", type=int, default=30)

    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    args.run(args)


if __name__ == "__main__":
    main()
