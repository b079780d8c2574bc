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
import dataclasses
import json
import random
import sys
import threading
import types
import warnings
import weakref
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils.validation import has_fit_parameter

from skdigits._warnings import find_stack_level

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
# Layers that pass their input's values on unchanged when predicting: after
# the final activation, they do not change what the network outputs.
_PASS_THROUGH_LAYERS = frozenset(
    {
        "ActivityRegularization",
        "AlphaDropout",
        "Dropout",
        "Flatten",
        "GaussianDropout",
        "GaussianNoise",
        "Identity",
        "Reshape",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
    }
)
# Rows of random input on which a network's outputs are checked to be
# scores: probabilities that no layer was recognised as making, or values
# that are never negative, are no logits.
_PROBE_ROWS = 32


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


# Keras models that builders returned, to find a builder that returns the
# same model again (see `build_keras_model`).
_built_by_builders = weakref.WeakSet()


@dataclass(frozen=True)
class SerializedKerasModel:
    """A Keras model as plain data: its configuration (JSON) and weights.

    What a pickle holds in place of a Keras model given to `KerasClassifier`:
    unpickling it imports nothing, and `to_keras` builds the model again on
    skdigits' backend when it is needed.
    """

    config: str
    weights: tuple = field(repr=False)

    @classmethod
    def of(cls, keras, model) -> "SerializedKerasModel":
        return cls(
            config=json.dumps(keras.saving.serialize_keras_object(model)),
            weights=tuple(np.asarray(w) for w in model.get_weights()),
        )

    def to_keras(self, keras):
        """The Keras model, with its weights."""
        model = keras.saving.deserialize_keras_object(json.loads(self.config))
        if self.weights:
            model.set_weights(list(self.weights))
        return model


def picklable_model(model):
    """``model`` as a pickle should hold it.

    A Keras model becomes a `SerializedKerasModel` when its configuration
    builds it again here (Keras' own layers, or custom ones registered with
    Keras); one that does not (a custom layer Keras cannot find by name) is
    left to Keras' own pickling, which imports Keras when unpickled. Any
    other object is returned as it is.
    """
    keras = sys.modules.get("keras")
    if keras is None or not isinstance(model, keras.Model):
        return model
    try:
        serialized = SerializedKerasModel.of(keras, model)
        serialized.to_keras(keras)
    except Exception:  # Keras raises anything for a configuration it cannot read
        return model
    return serialized


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
    if isinstance(model, SerializedKerasModel):
        model = model.to_keras(keras)
    with seeded_build(seed):
        if isinstance(model, keras.Model):
            _check_graph_network(model)
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
            if built in _built_by_builders:
                warnings.warn(
                    f"The builder {getattr(model, '__name__', model)!r} returned "
                    "a Keras model it had returned before; skdigits trains a "
                    "copy of it (keras.models.clone_model, new weights from "
                    "random_state), so that estimators do not share one model. "
                    "A builder should build a new model on each call.",
                    UserWarning,
                    stacklevel=find_stack_level(),
                )
                built = keras.models.clone_model(built)
            _built_by_builders.add(built)
        _check_graph_network(built)
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


def _is_graph_network(model) -> bool:
    """Whether ``model`` is a Sequential or functional Keras model (not subclassed).

    A functional model (a subclass built with ``inputs`` and ``outputs``
    too) knows its inputs from its construction; a subclassed one has none.
    """
    from keras import Sequential

    return isinstance(model, Sequential) or bool(getattr(model, "inputs", None))


def _check_graph_network(model) -> None:
    if not _is_graph_network(model):
        raise TypeError(
            f"The network is a subclassed keras.Model ({type(model).__name__}), "
            "whose call skdigits cannot read: KerasClassifier takes "
            "keras.Sequential and functional models (keras.Model(inputs, "
            "outputs)). Wrap it in one: inputs = keras.Input((n_features,)); "
            "keras.Model(inputs, MyModel()(inputs))."
        )


@dataclass(frozen=True)
class FinalActivation:
    """What a network computes last: its scores' activation, and where.

    ``layer`` holds it as its ``activation`` attribute (a Dense, an
    Activation layer), or is a ``Softmax`` layer (``standalone``). ``logits``
    is the symbolic tensor of the scores before it, at the network's top
    level; the layers after it, ``trailing``, pass their values on unchanged
    when predicting.
    """

    name: str  # "softmax", "sigmoid" or "linear"
    layer: object
    standalone: bool
    logits: object
    trailing: tuple = ()


def _producer(model, tensor):
    """The layer of ``model`` whose output is ``tensor``, or None (an input)."""
    for layer in model.layers:
        try:
            output = layer.output
        except (AttributeError, ValueError):  # a layer called more than once
            continue
        if output is tensor:
            return layer
    return None


def _final_activation(keras, model) -> FinalActivation:
    """The network's last operation that changes values: its final activation.

    Layers that pass their values on (Dropout, noise, Reshape, Flatten) are
    looked through, and models nested in the network looked into. A last
    operation that is neither a softmax, a sigmoid nor linear is refused;
    so is one that skdigits cannot follow.
    """
    layer = model.layers[-1]
    trailing = []
    while type(layer).__name__ in _PASS_THROUGH_LAYERS:
        previous = _producer(model, layer.input)
        if previous is None:
            raise ValueError(
                f"The network ends in {type(layer).__name__} layers on its "
                "input: it computes no scores."
            )
        trailing.insert(0, layer)
        layer = previous
    final = _final_operation(keras, layer)
    _check_single_activation(keras, model, final)
    return dataclasses.replace(final, trailing=tuple(trailing))


def _check_single_activation(keras, model, final: FinalActivation) -> None:
    """Refuse an activation layer applied to what another activation gave.

    A ``Softmax`` or ``Activation`` layer at the end computes nothing but
    the activation: on probabilities (a softmax's, a sigmoid's) it gives
    probabilities squeezed towards uniform, trained silently wrong.
    """
    if final.name == "linear" or type(final.layer).__name__ not in (
        "Softmax",
        "Activation",
    ):
        return
    producer = _producer(model, final.layer.input)
    while producer is not None and type(producer).__name__ in _PASS_THROUGH_LAYERS:
        producer = _producer(model, producer.input)
    if producer is None:
        return
    if isinstance(producer, keras.Model) and _is_graph_network(producer):
        before = _final_activation(keras, producer).name
    elif type(producer).__name__ == "Softmax":
        before = "softmax"
    else:
        activation = getattr(producer, "activation", None)
        before = (
            "linear"
            if activation is None
            else getattr(activation, "__name__", str(activation))
        )
    if before != "linear":
        raise ValueError(
            f"The network applies its final {final.name} ({final.layer.name!r}) "
            f"to the output of {producer.name!r}, which ends in {before!r}: two "
            "activations in a row would be trained as one. Remove one of them."
        )


def _final_operation(keras, layer) -> FinalActivation:
    """The `FinalActivation` computed by ``layer``, the last that changes values."""
    logits = layer.output
    if isinstance(layer, keras.Model):
        if not _is_graph_network(layer):
            return FinalActivation("linear", layer, False, logits)
        inner = _final_activation(keras, layer)
        if inner.standalone:
            raise ValueError(
                f"The network's nested model {layer.name!r} ends in a Softmax "
                "layer, which skdigits cannot take out of a nested model to "
                "compute the loss from the logits: end it in "
                "Dense(..., activation='softmax'), or put the Softmax layer "
                "in the outer network."
            )
        return FinalActivation(inner.name, inner.layer, False, logits)
    if type(layer).__name__ == "Softmax":
        axis = getattr(layer, "axis", -1)
        if axis not in (-1, 1, [-1], [1], (-1,), (1,)):
            raise ValueError(
                f"The network's last Softmax layer {layer.name!r} acts on axis "
                f"{axis}; the scores' softmax must act on the last axis."
            )
        return FinalActivation("softmax", layer, True, layer.input)
    activation = getattr(layer, "activation", None)
    if activation is None:
        if any(
            base.__name__ in ("ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax")
            for base in type(layer).__mro__
        ):
            raise ValueError(
                f"The network's last operation is a {type(layer).__name__} layer "
                f"({layer.name!r}); it must end in 'softmax', 'sigmoid' or no "
                "activation (logits), from which skdigits computes the "
                "probabilities and the loss."
            )
        return FinalActivation("linear", layer, False, logits)
    for name in _SCORE_ACTIVATIONS:
        if activation is keras.activations.get(name):
            return FinalActivation(name, layer, False, logits)
    raise ValueError(
        f"The network's last layer {layer.name!r} ends in "
        f"{getattr(activation, '__name__', activation)!r}; it must end in "
        "'softmax', 'sigmoid' or no activation (logits), from which skdigits "
        "computes the probabilities and the loss."
    )


def _check_scores(model, final: FinalActivation, n_features: int) -> None:
    """Refuse a network whose outputs are not what ``final`` says they are.

    Run on random rows, for a network of several outputs: outputs that are
    probabilities (each row non-negative and summing to 1) from a network
    skdigits read as giving logits come from a softmax it did not recognise
    (a custom layer, a Lambda); outputs never negative and often exactly 0
    come from a ReLU. Either would be trained as logits, and be wrong. (One
    output is left alone: a narrow network's few logits may all be
    positive on a few rows by chance.)
    """
    if final.name != "linear":
        return
    rows = np.random.default_rng(0).standard_normal((_PROBE_ROWS, n_features))
    scores = np.asarray(model(rows.astype("float32"), training=False), dtype=float)
    if scores.shape[-1] < 2 or not np.isfinite(scores).all():
        return  # the fit reports non-finite losses itself
    where = f"its last operation ({type(final.layer).__name__} {final.layer.name!r})"
    sums_to_one = np.allclose(scores.sum(axis=-1), 1, atol=1e-4)
    if sums_to_one and scores.min() >= 0:
        raise ValueError(
            "The network's outputs are probabilities (each row sums to 1), "
            f"but {where} is not one skdigits recognises as a softmax, so "
            "they would be taken as logits. End the network in "
            "Dense(..., activation='softmax') or keras.layers.Softmax()."
        )
    if scores.min() >= 0 and (scores == 0).any() and (scores > 0).any():
        raise ValueError(
            "The network's outputs are never negative and often 0, as a "
            f"ReLU's, so they are not logits: {where} must be a softmax, a "
            "sigmoid or linear (logits)."
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


def sequence_output_kind(activation: str, width: int, n_outputs: int) -> str:
    """The output of a sequence network's frames (`_ctc`), or a ValueError."""
    if activation not in ("softmax", "linear"):
        raise ValueError(
            "A network that reads texts scores each frame with a softmax over "
            f"the blank and the alphabet (or logits); it ends in a {activation}."
        )
    if width != n_outputs:
        raise ValueError(
            f"The network scores {width} symbols a frame, but the alphabet and "
            f"the blank are {n_outputs}: its last layer must have "
            "meta['n_outputs_'] units."
        )
    return "ctc"


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
    # dense networks): XLA's CPU convolutions run slower inside the loop of an
    # epoch program (docs/design.rst).
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
        final = _final_activation(keras, built)
        width = built.outputs[0].shape[-1]
        sequence = meta["target_type_"] == "sequence"
        scores = "(None, n_frames, n_outputs)" if sequence else "(None, n_outputs)"
        if tuple(final.logits.shape[1:]) != tuple(built.outputs[0].shape[1:]) or (
            len(final.logits.shape) != (3 if sequence else 2)
        ):
            raise ValueError(
                f"The network's final {final.name} acts on scores of shape "
                f"{tuple(final.logits.shape)}, and it outputs "
                f"{tuple(built.outputs[0].shape)}: it must act on the {scores} "
                "scores."
            )
        _check_scores(built, final, meta["n_features_in_"])
        activation = final.name
        if sequence:
            kind = sequence_output_kind(activation, width, meta["n_outputs_"])
        else:
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

    def __getstate__(self):
        # A Keras model given as it is pickles as plain data where it can.
        return {**self.__dict__, "model": picklable_model(self.model)}

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
        """The network without its final activation: its logits.

        The layers after the activation, which pass their values on when
        predicting (Dropout, noise, Reshape), stay, on the logits.
        """
        model = self.build_model(keras)
        final = _final_activation(keras, model)
        if not final.standalone:
            if self.activation != "linear":
                final.layer.activation = keras.activations.get("linear")
            return model
        # A Softmax layer: the same layers, called without it.
        outputs = final.logits
        for layer in final.trailing:
            outputs = layer(outputs)
        return keras.Model(model.inputs, outputs, name=model.name)

    def predictor(self, state, trainer) -> "ExportedPredictor":
        program, batch = trainer.inference_program()
        return ExportedPredictor(
            program, batch, state.trainable, state.non_trainable, self.output
        )

    def fitted_attributes(self, state) -> dict:
        return {"n_layers_": self.n_layers}
