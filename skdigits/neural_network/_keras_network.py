"""Any Keras network as a network of the engine.

A `KerasNetwork` is what a fit keeps of a user's Keras model: how to build
it again (the user's ``model`` and the parameters routed to it), its
configuration, which names its compiled programs, and its output, the way its
scores become probabilities. It answers what the engine
(`_base.BaseKerasClassifier`) asks of a network, as `_network.NetworkSpec`
does for the dense networks.

A network is built seeded by the estimator's ``random_state``: Keras draws
the seed of each unseeded initializer and layer (Dropout, noise) from
Python's `random` module, and here it draws them from a `random.Random` of
the estimator's seed instead, for the time of the build; the global state is
not touched. Keras' automatic layer names are counted afresh in the same
time, so the same build gives the same configuration in any process.

Prediction runs the network's logits as an exported JAX program
(`_inference.ExportedPredictor`), with the weights as arguments: a fitted
estimator, unpickled, predicts without importing Keras.
"""

import collections
import contextlib
import json
import random
import threading
import types
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils.validation import has_fit_parameter

# Imported here also for the estimators pickled when the predictor was
# defined in this module: their pickles name it here.
from skdigits.neural_network._inference import ExportedPredictor

# Builds share Keras' seed source and name counter: one at a time.
_build_lock = threading.RLock()

# Training steps per compiled call for a network with convolutions (see
# `KerasNetwork.steps_per_call`); fewer where an epoch has fewer batches.
STEPS_PER_CALL = 8

# Final activations and what they say the network outputs.
_SCORE_ACTIVATIONS = ("softmax", "sigmoid", "linear")


@contextlib.contextmanager
def seeded_build(seed: int):
    """Keras' unseeded layers draw their seeds from ``seed``, and names restart.

    Uses two of Keras' private names (tested on the lowest and newest Keras
    declared): the `random` module its seed generator draws default seeds
    from, and its per-thread counter of automatic layer names.
    """
    from keras.src.backend.common import global_state
    from keras.src.random import seed_generator

    with _build_lock:
        python_random = seed_generator.python_random
        names = global_state.get_global_attribute("object_name_uids")
        seed_generator.python_random = random.Random(seed)
        global_state.set_global_attribute(
            "object_name_uids", collections.defaultdict(int)
        )
        try:
            yield
        finally:
            seed_generator.python_random = python_random
            global_state.set_global_attribute("object_name_uids", names)


def _takes_meta(build) -> bool:
    """Whether the callable ``build`` declares a parameter named ``meta``."""
    # scikit-learn's public test of a callable's parameter, which it asks of
    # an estimator's fit: the callable stands in for one.
    return has_fit_parameter(types.SimpleNamespace(fit=build), "meta")


def build_keras_model(keras, model, params: dict, meta: dict, seed: int = 0):
    """The user's network: ``model(**params[, meta=meta])``, or a clone of it.

    Built for inputs of ``meta["n_features_in_"]`` values, inside
    `seeded_build`. A Keras model given as it is is cloned (new weights, from
    ``seed``), never changed.
    """
    n_features = meta["n_features_in_"]
    with seeded_build(seed):
        if isinstance(model, keras.Model):
            built = keras.models.clone_model(model)
        else:
            kwargs = dict(params)
            if _takes_meta(model):
                kwargs["meta"] = meta
            built = model(**kwargs)
        if not isinstance(built, keras.Model):
            raise TypeError(
                "model must be a Keras model, or a callable that returns one; "
                f"it returned {type(built).__name__}."
            )
        if not built.built:
            built.build((None, n_features))
    inputs = getattr(built, "inputs", None) or []
    outputs = getattr(built, "outputs", None) or []
    if len(inputs) != 1 or len(outputs) != 1:
        raise ValueError(
            "The network must have one input and one output; it has "
            f"{len(inputs)} and {len(outputs)}."
        )
    if tuple(inputs[0].shape[1:]) != (n_features,):
        raise ValueError(
            f"The network takes inputs of shape {tuple(inputs[0].shape)}, but X "
            f"has {n_features} features: its input must be "
            "(None, meta['n_features_in_']) (an image network starts with a "
            "Reshape)."
        )
    return built


def _has_convolutions(model) -> bool:
    """Whether the model or a model inside it has a convolutional layer."""
    return any(
        "Conv" in type(layer).__name__ or _has_convolutions(layer)
        for layer in getattr(model, "layers", ())
    )


def _final_activation(keras, model) -> tuple[object, str]:
    """The model's last layer and its activation's name (softmax, sigmoid, linear)."""
    layer = model.layers[-1]
    activation = getattr(layer, "activation", None)
    if activation is None:
        return layer, "linear"
    for name in _SCORE_ACTIVATIONS:
        if activation is keras.activations.get(name):
            return layer, name
    raise ValueError(
        f"The network's last layer {layer.name!r} ends in "
        f"{getattr(activation, '__name__', activation)!r}; it must end in "
        "'softmax', 'sigmoid' or no activation (logits), from which skdigits "
        "computes the probabilities and the loss."
    )


def output_kind(activation: str, width: int, n_outputs: int, multilabel: bool) -> str:
    """The output (see `_outputs`) of a network's scores, or a ValueError."""
    if multilabel:
        if activation == "softmax":
            raise ValueError(
                "A multilabel target needs one sigmoid unit (or logit) per "
                "label; the network ends in a softmax."
            )
        kind = "sigmoid"
    elif width == 1 and n_outputs == 2 and activation != "softmax":
        return "binary"
    else:
        kind = "normalized_sigmoid" if activation == "sigmoid" else "softmax"
    if width != n_outputs:
        raise ValueError(
            f"The network outputs {width} scores, but y has {n_outputs} "
            + ("labels" if multilabel else "classes")
            + ": its last layer must have meta['n_outputs_'] units"
            + ("" if multilabel or n_outputs != 2 else " (or one sigmoid unit)")
            + "."
        )
    return kind


def _configuration(keras, model) -> tuple[str, bool]:
    """The model's configuration as text, and whether it fixes its code.

    It does when every class in it is one of Keras' own and the
    configuration is plain data; a custom layer's name does not fix its code,
    nor a Lambda's configuration its closure.
    """
    config = keras.saving.serialize_keras_object(model)
    fixed = True

    def visit(value):
        nonlocal fixed
        if isinstance(value, dict):
            module = value.get("module")
            if isinstance(module, str) and module.split(".")[0] != "keras":
                fixed = False
            if value.get("class_name") in ("Lambda", "__lambda__", "function"):
                fixed = False
            for item in value.values():
                visit(item)
        elif isinstance(value, list | tuple):
            for item in value:
                visit(item)

    visit(config)
    try:
        text = json.dumps(config, sort_keys=True)
    except TypeError:
        text, fixed = json.dumps(config, sort_keys=True, default=repr), False
    if type(model).__module__.split(".")[0] != "keras":  # a subclassed model
        fixed = False
    return text, fixed


@dataclass(frozen=True, eq=False)
class KerasNetwork:
    """A user's Keras network, as a fit keeps it (see the module's docstring)."""

    model: object  # the estimator's ``model``: a callable or a Keras model
    params: dict  # the routed ``model__`` parameters, without the prefix
    meta: dict
    config: str
    persistent: bool
    output: str
    activation: str
    n_layers: int
    weight_shapes: tuple
    initial: tuple = field(repr=False)  # (trainable, non-trainable) values
    dtype: str = "float32"
    # For a network with convolutions, the training steps of a compiled call,
    # in sequence without a loop (None: the whole epoch in a loop, as for the
    # dense networks). XLA's CPU convolutions ran 3 to 4 times slower inside
    # the loop of an epoch program (`benchmarks/`).
    steps_per_call: int | None = None

    @classmethod
    def build(cls, keras, model, params, meta, seed, multilabel):
        """Build the network once, seeded, and record what a fit needs."""
        built = build_keras_model(keras, model, params, meta, seed)
        dtypes = {v.dtype for v in built.trainable_variables}
        if dtypes - {"float32"}:
            raise ValueError(
                f"The network's weights are {sorted(dtypes)}; KerasClassifier "
                "trains float32 networks."
            )
        _, activation = _final_activation(keras, built)
        width = built.outputs[0].shape[-1]
        kind = output_kind(activation, width, meta["n_outputs_"], multilabel)
        config, fixed = _configuration(keras, built)
        trainable = [np.asarray(v.value) for v in built.trainable_variables]
        non_trainable = [np.asarray(v.value) for v in built.non_trainable_variables]
        return cls(
            model=model,
            params=dict(params),
            meta=meta,
            config=config,
            persistent=fixed,
            output=kind,
            activation=activation,
            n_layers=len(built.layers),
            weight_shapes=tuple(
                (v.shape, v.dtype.str) for v in trainable + non_trainable
            ),
            initial=(trainable, non_trainable),
            steps_per_call=STEPS_PER_CALL if _has_convolutions(built) else None,
        )

    # The engine's interface (as `NetworkSpec`'s) ------------------------------

    @property
    def n_features(self) -> int:
        return self.meta["n_features_in_"]

    @property
    def n_outputs(self) -> int:
        return self.meta["n_outputs_"]

    def trainer_key(self):
        """What names the network's compiled programs."""
        return ("keras", self.config, self.output)

    def initial_state(self, seed: int) -> tuple[list, list]:
        return [v.copy() for v in self.initial[0]], [v.copy() for v in self.initial[1]]

    def continued_non_trainable(self, fitted, non_trainable, seed, how):
        if self.weight_shapes != fitted.weight_shapes:
            raise ValueError(
                "The network built now has other weights than the fitted one "
                f"(a changed model or model__ parameter?): {how} continues the "
                "fitted network. Fit with warm_start=False to build a new one."
            )
        return non_trainable

    def build_model(self, keras, state=None):
        """The Keras model, holding ``state``'s values if given."""
        from skdigits.neural_network._network import assign

        model = build_keras_model(keras, self.model, self.params, self.meta)
        if state is not None:
            assign(model, state)
        return model

    def build_logits_model(self, keras):
        """The network with a linear last activation: its logits."""
        model = self.build_model(keras)
        layer, _ = _final_activation(keras, model)
        if self.activation != "linear":
            layer.activation = keras.activations.get("linear")
        return model

    def predictor(self, state, trainer) -> "ExportedPredictor":
        program, batch = trainer.inference_program()
        return ExportedPredictor(
            program, batch, state.trainable, state.non_trainable, self.output
        )

    def fitted_attributes(self, state) -> dict:
        return {"n_layers_": self.n_layers}
