"""What a fitted network is, and how Keras builds it.

A `NetworkSpec` is everything that fixes the shapes and the computation of a
network: its layers, its output and its precision. It is recorded at fit, so
that `model_` can be rebuilt from the weights alone (after unpickling, or
after `set_params`), and it keys the cache of compiled trainers.
"""

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from skdigits.neural_network._outputs import OUTPUTS

# Keras names of the network's layers; the tests and users find them by name.
LOGITS = "logits"
OUTPUT = "output"

# MLPClassifier's name for each output (its `out_activation_`).
OUT_ACTIVATIONS = {
    "softmax": "softmax",
    "normalized_sigmoid": "logistic",
    "sigmoid": "logistic",
}


@dataclass(frozen=True)
class NetworkSpec:
    """The architecture of a network.

    ``inputs [-> Dropout] -> (Dense(h, relu) [-> Dropout])* -> Dense -> output``
    where the first Dropout exists only with ``input_dropout``.
    """

    name: str
    n_features: int
    n_outputs: int
    hidden_layer_sizes: tuple[int, ...]
    output: str
    dropout: float
    input_dropout: bool
    dtype: str

    def __post_init__(self):
        if self.output not in OUTPUTS:
            raise ValueError(f"output must be one of {OUTPUTS}, got {self.output!r}")

    @property
    def activations(self) -> list[str]:
        """The activation of each Dense layer, the output's last."""
        return ["relu"] * len(self.hidden_layer_sizes) + [self.output]

    @property
    def n_layers(self) -> int:
        """Layers in MLPClassifier's count: input, hidden and output."""
        return len(self.hidden_layer_sizes) + 2


def initial_weights(spec: NetworkSpec, seed: int) -> list[np.ndarray]:
    """Glorot-uniform kernels and zero biases, as Keras' Dense layers start.

    Drawn with numpy from ``seed``: Keras' initializers would compile a JAX
    random program per shape, in every new process (measured: 0.7 s of a
    3.4 s cold fit on load_digits).
    """
    sizes = [spec.n_features, *spec.hidden_layer_sizes, spec.n_outputs]
    weights = []
    for layer, (fan_in, fan_out) in enumerate(pairwise(sizes)):
        rng = np.random.default_rng([seed, layer])
        limit = np.sqrt(6 / (fan_in + fan_out))
        kernel = rng.uniform(-limit, limit, size=(fan_in, fan_out))
        weights += [kernel.astype(spec.dtype), np.zeros(fan_out, dtype=spec.dtype)]
    return weights


def build_network(keras, spec: NetworkSpec, seed: int = 0):
    """The Keras model of ``spec``, its weights zero (see `initial_weights`).

    ``seed`` seeds the dropout layers' random streams.
    """

    def dense(units, activation, layer_seed, name):
        return keras.layers.Dense(
            units,
            activation=activation,
            kernel_initializer="zeros",
            dtype=spec.dtype,
            name=name,
        )

    def dropout(layer_seed, name):
        return keras.layers.Dropout(
            spec.dropout, seed=layer_seed, dtype=spec.dtype, name=name
        )

    x = inputs = keras.Input(shape=(spec.n_features,), dtype=spec.dtype, name="inputs")
    if spec.dropout and spec.input_dropout:
        x = dropout(seed + 1, "dropout")(x)
    for i, units in enumerate(spec.hidden_layer_sizes, start=1):
        x = dense(units, "relu", seed + i, f"hidden_{i}")(x)
        if spec.dropout and not spec.input_dropout:
            x = dropout(seed + 1000 + i, f"dropout_{i}")(x)
    logits = dense(spec.n_outputs, None, seed, LOGITS)(x)
    activation = "softmax" if spec.output == "softmax" else "sigmoid"
    outputs = keras.layers.Activation(activation, dtype=spec.dtype, name=OUTPUT)(logits)
    return keras.Model(inputs, outputs, name=spec.name)
