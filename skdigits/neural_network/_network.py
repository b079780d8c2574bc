"""The dense networks of SigmoidNetClassifier and ReluSoftmaxClassifier.

A `NetworkSpec` is everything that fixes the shapes and the computation of a
dense network: its layers, its output and its precision. It is recorded at
fit, so that `model_` can be rebuilt from the weights alone (after
unpickling, or after `set_params`), and it keys the cache of compiled
trainers.

What the engine (`_base.BaseKerasClassifier`, `_fit_loop.FitLoop`) asks of
any network is the `Network` protocol; `NetworkSpec` answers it for the
dense networks, `_keras_network.KerasNetwork` for any Keras model.
"""

import dataclasses
from collections.abc import Hashable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol, runtime_checkable

import numpy as np

from skdigits.neural_network._inference import DensePredictor, inference_weights
from skdigits.neural_network._outputs import OUTPUTS

# Keras names of the network's layers; the tests and users find them by name.
LOGITS = "logits"
OUTPUT = "output"


@runtime_checkable
class Network(Protocol):
    """A network as the engine trains it: what a fit asks of it.

    A new kind of network (a sequence model, say) is a class with these
    members, returned by an estimator's ``_make_network``.
    """

    n_features: int  # the width of a row of X
    n_outputs: int  # the scores per row: classes, labels, or 1 (binary)
    output: str  # how its scores become probabilities (`_outputs.OUTPUTS`)
    dtype: str  # "float32" or "float64"
    persistent: bool  # whether its programs may be kept on disk
    # Training steps per compiled call, or None for a loop over the epoch.
    steps_per_call: int | None

    def trainer_key(self) -> Hashable:
        """What names its compiled programs: equal keys, equal programs."""

    def initial_state(self, seed: int) -> tuple[list, list]:
        """The trainable and non-trainable values a new fit starts from."""

    def continued_non_trainable(
        self, fitted: "Network", non_trainable: list, seed: int, how: str
    ) -> list:
        """The fitted network's non-trainable values for this network, or a
        ValueError if this network cannot continue ``fitted``."""

    def build_model(self, keras: Any, state: Any = None) -> Any:
        """The Keras model, holding ``state``'s values if given."""

    def build_logits_model(self, keras: Any) -> Any:
        """The Keras model of the logits, which training differentiates."""

    def predictor(self, state: Any, trainer: Any) -> Any:
        """What predicts with ``state``: an `_inference.Predictor`."""

    def fitted_attributes(self, state: Any) -> dict:
        """The fitted attributes this network adds to the common ones."""


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

    # The engine's interface -----------------------------------------------

    persistent = True  # its programs may be kept on disk: the spec fixes them
    steps_per_call = None  # an epoch is one compiled loop over its batches

    def trainer_key(self):
        """What names the network's compiled programs (not its name)."""
        return dataclasses.replace(self, name="")

    def initial_state(self, seed: int) -> tuple[list, list]:
        """The trainable and non-trainable values a fit starts from."""
        return initial_weights(self, seed), initial_non_trainable(self, seed)

    def continued_non_trainable(self, fitted, non_trainable, seed, how):
        """The fitted network's non-trainable values, for this network.

        Raises if this network cannot continue ``fitted`` (``how`` names the
        continuation in the message).
        """
        if self.hidden_layer_sizes != fitted.hidden_layer_sizes:
            raise ValueError(
                f"hidden_layer_sizes is {list(self.hidden_layer_sizes)} but the "
                f"fitted network has {list(fitted.hidden_layer_sizes)}: {how} "
                "continues the fitted network. Fit with warm_start=False to "
                "build a new one."
            )
        if self.dropout != fitted.dropout:
            # Dropout layers come or go, and with them their seed's state.
            return initial_non_trainable(self, seed)
        return non_trainable

    def build_model(self, keras, state=None):
        """The Keras model, holding ``state``'s values if given."""
        model = build_network(keras, self, seed=0)
        if state is not None:
            assign(model, state)
        return model

    def build_logits_model(self, keras):
        """The Keras model of the logits, for training: no output activation.

        The loss is computed from the logits, exact where the probabilities
        underflow.
        """
        model = build_network(keras, self, seed=0)
        check_initial_non_trainable(model, self, seed=0)
        # The single input, not a list of one: Keras 3.6 warns when a list
        # model is called with a tensor.
        logits = keras.Model(model.input, model.get_layer(LOGITS).output)
        assert [v.path for v in logits.trainable_variables] == [
            v.path for v in model.trainable_variables
        ]
        return logits

    def predictor(self, state, trainer) -> DensePredictor:
        """The prediction of ``state``'s weights, in numpy (no trainer needed)."""
        return DensePredictor(inference_weights(self, state))

    def fitted_attributes(self, state) -> dict:
        """The fitted attributes this network adds to the common ones."""
        return {
            "n_layers_": self.n_layers,
            "coefs_": [np.asarray(w, np.float64) for w in state.trainable[::2]],
            "intercepts_": [np.asarray(b, np.float64) for b in state.trainable[1::2]],
        }


def initial_weights(spec: NetworkSpec, seed: int) -> list[np.ndarray]:
    """Glorot-uniform kernels and zero biases, as Keras' Dense layers start.

    Drawn with numpy from ``seed``: Keras' initializers would compile a JAX
    random program per shape, in every new process (docs/design.rst).
    """
    sizes = [spec.n_features, *spec.hidden_layer_sizes, spec.n_outputs]
    weights = []
    for layer, (fan_in, fan_out) in enumerate(pairwise(sizes)):
        rng = np.random.default_rng([seed, layer])
        limit = np.sqrt(6 / (fan_in + fan_out))
        kernel = rng.uniform(-limit, limit, size=(fan_in, fan_out))
        weights += [kernel.astype(spec.dtype), np.zeros(fan_out, dtype=spec.dtype)]
    return weights


def dropout_seeds(spec: NetworkSpec, seed: int) -> list[int]:
    """The seed of each Dropout layer of `build_network`, in layer order."""
    if not spec.dropout:
        return []
    if spec.input_dropout:
        return [seed + 1]
    return [seed + 1000 + i for i in range(1, len(spec.hidden_layer_sizes) + 1)]


def initial_non_trainable(spec: NetworkSpec, seed: int) -> list[np.ndarray]:
    """The network's non-trainable variables as `build_network` starts them.

    They are the Dropout layers' random states, which Keras starts at
    ``[layer_seed, 0]`` (``keras.random.SeedGenerator``); computed here, a
    fit needs no Keras model to begin. `check_initial_non_trainable` holds
    Keras to it.
    """
    return [np.array([s, 0], dtype=np.uint32) for s in dropout_seeds(spec, seed)]


def check_initial_non_trainable(model, spec: NetworkSpec, seed: int) -> None:
    """Raise if ``model``'s non-trainable variables are not as computed."""
    keras_values = [np.asarray(v.value) for v in model.non_trainable_variables]
    ours = initial_non_trainable(spec, seed)
    if len(keras_values) != len(ours) or not all(
        a.dtype == b.dtype and np.array_equal(a, b)
        for a, b in zip(keras_values, ours, strict=False)
    ):
        raise RuntimeError(
            "This Keras version starts the Dropout layers' random states as "
            f"{keras_values}, not as skdigits expects ({ours}); please report "
            "it to skdigits with your Keras version."
        )


def build_network(keras, spec: NetworkSpec, seed: int = 0):
    """The Keras model of ``spec``, its weights zero (see `initial_weights`).

    ``seed`` seeds the dropout layers' random streams.
    """

    def dense(units, activation, name):
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

    seeds = iter(dropout_seeds(spec, seed))
    x = inputs = keras.Input(shape=(spec.n_features,), dtype=spec.dtype, name="inputs")
    if spec.dropout and spec.input_dropout:
        x = dropout(next(seeds), "dropout")(x)
    for i, units in enumerate(spec.hidden_layer_sizes, start=1):
        x = dense(units, "relu", f"hidden_{i}")(x)
        if spec.dropout and not spec.input_dropout:
            x = dropout(next(seeds), f"dropout_{i}")(x)
    logits = dense(spec.n_outputs, None, LOGITS)(x)
    activation = "softmax" if spec.output == "softmax" else "sigmoid"
    outputs = keras.layers.Activation(activation, dtype=spec.dtype, name=OUTPUT)(logits)
    return keras.Model(inputs, outputs, name=spec.name)


def assign(model, state) -> None:
    """Copy the values of ``state`` (a `TrainingState`) into the Keras ``model``."""
    for variable, value in zip(model.trainable_variables, state.trainable, strict=True):
        variable.assign(value)
    for variable, value in zip(
        model.non_trainable_variables, state.non_trainable, strict=True
    ):
        variable.assign(value)
