"""Reading another data set's digits: load_digits through DigitNormalizer.

    python benchmarks/read_load_digits.py [--augmentation affine]
        [--augmentation-params '{"rotation": 10}'] [--normalize-mnist]

Trains the default ReluSoftmaxClassifier on the 60,000 MNIST training images
(pixels / 255), then reads scikit-learn's 1,797 ``load_digits`` images (8x8,
other writers, 0-16 ink on black) through ``DigitNormalizer``, and, as a
baseline, through a plain upsampling to 28x28. Prints both accuracies and the
rejection needed for 0.5% error on the MNIST test set. With
``--normalize-mnist`` the MNIST images themselves go through
``DigitNormalizer`` too, for training and testing (the pipeline
``DigitNormalizer() -> ReluSoftmaxClassifier()`` used for everything).
"""

import argparse
import json
import time
import warnings

import numpy as np
from scipy import ndimage
from sklearn.datasets import load_digits

from skdigits import ReluSoftmaxClassifier
from skdigits.datasets import fetch_mnist
from skdigits.metrics import rejection_at_error
from skdigits.preprocessing import DigitNormalizer


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--augmentation", choices=["affine", "elastic"])
    parser.add_argument("--augmentation-params", type=json.loads, default=None)
    parser.add_argument("--normalize-mnist", action="store_true")
    parser.add_argument("--max-iter", type=int, default=200)
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    X_train, y_train = fetch_mnist(return_X_y=True)
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    if args.normalize_mnist:
        start = time.perf_counter()
        X_train, X_test = (
            DigitNormalizer().fit_transform(X.reshape(-1, 28, 28)) * 255
            for X in (X_train, X_test)
        )
        print(f"MNIST normalized in {time.perf_counter() - start:.0f} s")
    start = time.perf_counter()
    model = ReluSoftmaxClassifier(
        random_state=args.random_state,
        augmentation=args.augmentation,
        augmentation_params=args.augmentation_params,
        max_iter=args.max_iter,
    ).fit(X_train / 255, y_train)
    print(f"fitted in {time.perf_counter() - start:.0f} s ({model.n_iter_} epochs)")
    print(f"MNIST test accuracy: {model.score(X_test / 255, y_test):.2%}")
    rejection = rejection_at_error(y_test, model.predict_proba(X_test / 255), 0.005)
    print(f"rejection for 0.5% error on MNIST: {rejection:.1%}")

    digits = load_digits()
    start = time.perf_counter()
    normalized = DigitNormalizer().fit_transform(digits.images)
    seconds = time.perf_counter() - start
    accuracy = model.score(normalized, digits.target)
    print(
        f"load_digits through DigitNormalizer: {accuracy:.2%} "
        f"({seconds:.2f} s for {len(normalized)} images)"
    )
    upsampled = np.stack([ndimage.zoom(i / 16, 3.5, order=1) for i in digits.images])
    print(
        "load_digits upsampled to 28x28: "
        f"{model.score(upsampled.reshape(len(upsampled), -1), digits.target):.2%}"
    )


if __name__ == "__main__":
    main()
