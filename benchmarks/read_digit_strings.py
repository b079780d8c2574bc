"""Reading strings of MNIST test digits rendered as scanned fields.

    python benchmarks/read_digit_strings.py [--max-iter 200] [--n-strings 200]
        [--augmentation affine] [--augmentation-params '{"blur": 1.5}']

Fits a ReluSoftmaxClassifier on the 60,000 MNIST training images (pixels /
255), renders ``n_strings`` fields of 3-7 MNIST test digits with
``make_digit_strings(random_state=0)`` (random sizes, gaps, baselines, a
shadow and grain), and reads them with ``read_digits``: prints the share read
exactly, the share cut into the right number of digits, and the time.
"""

import argparse
import json
import time
import warnings

import numpy as np

from skdigits import ReluSoftmaxClassifier
from skdigits.datasets import fetch_mnist, make_digit_strings
from skdigits.reading import read_digits


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--augmentation", choices=["affine", "elastic"])
    parser.add_argument("--augmentation-params", type=json.loads, default=None)
    parser.add_argument("--n-strings", type=int, default=200)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    X, y = fetch_mnist(return_X_y=True)
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    model = ReluSoftmaxClassifier(
        max_iter=args.max_iter,
        random_state=0,
        augmentation=args.augmentation,
        augmentation_params=args.augmentation_params,
    )
    model.fit(X / 255, y)
    print(f"MNIST test accuracy: {model.score(X_test / 255, y_test):.2%}")
    fields, texts = make_digit_strings(
        X_test.reshape(-1, 28, 28), y_test, n_strings=args.n_strings, random_state=0
    )
    start = time.perf_counter()
    readings = [read_digits(field, model).text for field in fields]
    seconds = time.perf_counter() - start
    pairs = list(zip(readings, texts, strict=True))
    print(f"read exactly: {np.mean([r == t for r, t in pairs]):.1%}")
    print(
        f"right number of digits: {np.mean([len(r) == len(t) for r, t in pairs]):.1%}"
    )
    print(f"{seconds:.1f} s for {len(fields)} fields")


if __name__ == "__main__":
    main()
