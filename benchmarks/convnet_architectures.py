"""The architectures compared for ConvNetClassifier's defaults.

    python benchmarks/convnet_architectures.py epoch-time [NAME ...]
    python benchmarks/convnet_architectures.py fit NAME [--augmentation affine]
        [--max-iter 30]

``epoch-time`` fits each named network through ``KerasClassifier`` on 6,000
MNIST images for one epoch (which compiles), then two, and prints the time
of an epoch of 60,000 images (two epochs' time times 5). ``fit`` fits one on
the 60,000 training images with a cosine schedule, and prints its fit time
and test accuracy. Names: those of `NETWORKS`, or ``strided_F1_F2_D[_P]``,
two strided 5x5 convolutions of F1 and F2 filters, a dense layer of D units
and P% dropout (50 if not given); or a JSON object of `ConvNetClassifier`
parameters, such as ``'{"filters": [32, 64, 64], "strides": [2, 2, 1]}'``,
for that estimator's network (with its defaults for the rest but the
augmentation and the schedule, which are this script's).
"""

import argparse
import json
import time
import warnings

import numpy as np

from skdigits import ConvNetClassifier, KerasClassifier
from skdigits._jax_runtime.keras import import_keras
from skdigits.datasets import fetch_mnist


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
        "gallery": [conv(16, 3), pool(2), conv(32, 3), pool(2), flat()],
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
    keras = import_keras()
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Reshape((28, 28, 1)),
            *_layers(name),
            keras.layers.Dense(meta["n_outputs_"], activation="softmax"),
        ]
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["epoch-time", "fit"])
    parser.add_argument("names", nargs="+")
    parser.add_argument("--augmentation", choices=["affine", "elastic"])
    parser.add_argument("--max-iter", type=int, default=30)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    X, y = fetch_mnist(return_X_y=True)
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    X, X_test = (X / 255).astype(np.float32), (X_test / 255).astype(np.float32)
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
        if args.command == "epoch-time":
            clf.set_params(max_iter=1).fit(X[:6000], y[:6000])
            start = time.perf_counter()
            clf.set_params(max_iter=2).fit(X[:6000], y[:6000])
            seconds = (time.perf_counter() - start) * 5
            print(json.dumps({"network": name, "s_per_epoch_of_60000": seconds}))
            continue
        clf.set_params(max_iter=args.max_iter, learning_rate="cosine")
        start = time.perf_counter()
        clf.fit(X, y)
        print(
            json.dumps(
                {
                    "network": name,
                    "augmentation": args.augmentation,
                    "fit_s": round(time.perf_counter() - start),
                    "test_accuracy": clf.score(X_test, y_test),
                    "final_loss": clf.loss_,
                }
            )
        )


if __name__ == "__main__":
    main()
