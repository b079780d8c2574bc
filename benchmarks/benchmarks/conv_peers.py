"""The convolutional networks timed against the peers, in each framework.

`epoch_trainer` gives, for a network and a framework (skdigits, raw Keras on
JAX, PyTorch), a function that trains one epoch: the same layers, batches
of 200, Adam at 0.001, no penalty and no augmentation in each
(``benchmarks/conv_epoch.py``, ``bench_keras_networks.py``).
"""

import json
import os

import numpy as np

from skdigits._jax_runtime.keras import import_keras

BATCH_SIZE = 200


def bn_pool_convnet(meta):
    """Two 3x3 convolutions of 32 and 64 filters, each batch-normalized, ReLU
    and max-pooled, a dense layer of 128 and dropout 0.5: the network with
    batch normalization and pooling of ``benchmarks/conv_epoch.py``."""
    keras = import_keras()
    layers = keras.layers
    network = [keras.Input((meta["n_features_in_"],)), layers.Reshape((28, 28, 1))]
    for filters in (32, 64):
        network += [
            layers.Conv2D(filters, 3, padding="same"),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.MaxPooling2D(2),
        ]
    network += [
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.5),
        layers.Dense(meta["n_classes_"], activation="softmax"),
    ]
    return keras.Sequential(network)


def convnet_params(network: str) -> dict:
    """The `ConvNetClassifier` parameters of ``network``: none for
    ``"default"``, else the JSON object ``network`` is."""
    if network == "default":
        return {}
    if not network.startswith("{"):
        raise ValueError(
            f"network must be default, bn_pool or a JSON object of "
            f"ConvNetClassifier parameters, got {network!r}"
        )
    return json.loads(network)


def network_params(network: str) -> dict:
    """`convnet`'s parameters for the `ConvNetClassifier` of ``network``, for
    28x28 images."""
    from skdigits import ConvNetClassifier

    return ConvNetClassifier(**convnet_params(network))._network_params(784)


def keras_network(network: str):
    """The Keras model of ``network`` (``"bn_pool"``, or a `ConvNetClassifier`'s
    as `convnet_params` reads it), with a softmax output."""
    meta = {"n_features_in_": 784, "n_classes_": 10, "n_outputs_": 10}
    if network == "bn_pool":
        return bn_pool_convnet(meta)
    from skdigits.neural_network._convnet import convnet

    meta["target_type_"] = "multiclass"
    return convnet(meta, **network_params(network))


def torch_network(network: str):
    """The same layers as `keras_network` in PyTorch, ending in logits."""
    import torch.nn as nn

    if network == "bn_pool":
        return nn.Sequential(
            nn.Unflatten(1, (1, 28, 28)),
            *[
                layer
                for c_in, c_out in ((1, 32), (32, 64))
                for layer in (
                    nn.Conv2d(c_in, c_out, 3, padding=1),
                    nn.BatchNorm2d(c_out),
                    nn.ReLU(),
                    nn.MaxPool2d(2),
                )
            ],
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 128),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(128, 10),
        )
    params = network_params(network)
    layers, channels, size = [nn.Unflatten(1, (1, 28, 28))], 1, 28
    k = params["kernel_size"]
    for filters, stride in zip(params["filters"], params["strides"], strict=True):
        layers += [nn.Conv2d(channels, filters, k, stride, padding=k // 2), nn.ReLU()]
        channels, size = filters, -(-size // stride)
    layers.append(nn.Flatten())
    width = channels * size * size
    for units in params["hidden_layer_sizes"]:
        layers += [nn.Linear(width, units), nn.ReLU(), nn.Dropout(params["dropout"])]
        width = units
    return nn.Sequential(*layers, nn.Linear(width, 10))


def parameter_counts(network: str) -> dict:
    """The trainable values of ``network`` in Keras and in PyTorch, which
    must agree for the epochs to be the same work."""
    return {
        "keras": sum(
            int(np.prod(v.shape)) for v in keras_network(network).trainable_weights
        ),
        "torch": sum(p.numel() for p in torch_network(network).parameters()),
    }


def epoch_trainer(framework: str, network: str):
    """A function of (X, y) that trains ``network`` one epoch in ``framework``."""
    if framework == "skdigits":
        from skdigits import ConvNetClassifier, KerasClassifier

        settings = dict(
            max_iter=1,
            batch_size=BATCH_SIZE,
            alpha=0,
            learning_rate="constant",
            augmentation=None,
            random_state=0,
        )
        if network == "bn_pool":
            clf = KerasClassifier(bn_pool_convnet, **settings)
        else:
            clf = ConvNetClassifier(**{**convnet_params(network), **settings})
        return clf.fit
    if framework == "keras":
        model = keras_network(network)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")

        def fit(X, y):
            model.fit(X, y, batch_size=BATCH_SIZE, epochs=1, verbose=0)

        return fit
    import torch

    torch.set_num_threads(len(os.sched_getaffinity(0)))
    torch.manual_seed(0)
    model = torch_network(network)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_function = torch.nn.CrossEntropyLoss()

    def fit(X, y):
        X, y = torch.from_numpy(X), torch.from_numpy(y)
        model.train()
        for batch in torch.randperm(len(X)).split(BATCH_SIZE):
            optimizer.zero_grad()
            loss_function(model(X[batch]), y[batch]).backward()
            optimizer.step()

    return fit
