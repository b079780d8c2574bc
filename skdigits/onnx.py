"""skdigits' estimators as ONNX graphs, through skl2onnx.

`to_onnx` converts a fitted skdigits classifier, or a scikit-learn pipeline
holding skdigits' estimators among scikit-learn's own, into one ONNX model,
which onnxruntime (in Java, C#, a phone, a browser) runs without Python. It
registers skdigits' converters with skl2onnx (`register_converters`), after
which ``skl2onnx.to_onnx`` converts them too.

What each estimator becomes:

- `PixelScaler`: a division by ``max_value``.
- `SigmoidNetClassifier`, `ReluSoftmaxClassifier`: the products, biases and
  ReLUs of the fitted weights, as skl2onnx's own converter of
  ``MLPClassifier`` emits them (no Keras is needed to export them).
- `ConvNetClassifier`, `KerasClassifier`: the fitted Keras network, layer by
  layer (`KERAS_LAYERS`): Dense, Conv1D/2D, pooling, BatchNormalization,
  Reshape, Flatten, Rescaling, activations, and the layers that pass their
  values on when predicting (Dropout, noise). A layer outside the list, a
  custom layer or a network whose layers branch is refused with an error
  naming it: never a graph that computes something else. Keras' own ONNX
  export (``model.export(format="onnx")``) is not used: on JAX it needs
  ``jax2onnx``, exports the network without the estimator's classes and
  output, and the exported JAX programs skdigits stores cannot be converted.

Every classifier ends as scikit-learn's converters end one: the network's
logits through its output (softmax, sigmoid units, normalised sigmoids, or
one sigmoid unit for two classes), then the label (the class of the highest
probability; indicators above 0.5 for multilabel targets) and the
probabilities, as a list of dicts (``zipmap=True``, skl2onnx's default) or
one tensor (``zipmap=False``, as onnxruntime-web needs).

Needs the ``onnx`` extra: ``pip install "skdigits[onnx]"``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from skdigits.neural_network._inference import DensePredictor
from skdigits.neural_network._keras_network import _PASS_THROUGH_LAYERS
from skdigits.reading import infer_pixel_max

if TYPE_CHECKING:
    import onnx

__all__ = [
    "KERAS_LAYERS",
    "TARGET_OPSET",
    "OnnxClassifier",
    "export_model",
    "register_converters",
    "to_onnx",
]

# The ONNX opset of the graphs: supported by onnxruntime 1.17 and later.
TARGET_OPSET = 17
# How far an exported graph's probabilities may be from the estimator's.
AGREEMENT = 1e-5

# Keras layers, by class name, that the converter emits; see `_emit_layer`.
KERAS_LAYERS = (
    "ActivityRegularization",
    "Activation",
    "AlphaDropout",
    "AveragePooling1D",
    "AveragePooling2D",
    "BatchNormalization",
    "Conv1D",
    "Conv2D",
    "Dense",
    "Dropout",
    "ELU",
    "Flatten",
    "GaussianDropout",
    "GaussianNoise",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Identity",
    "InputLayer",
    "LeakyReLU",
    "MaxPooling1D",
    "MaxPooling2D",
    "ReLU",
    "Rescaling",
    "Reshape",
    "Softmax",
    "SpatialDropout1D",
    "SpatialDropout2D",
)
# Layers that pass their values on when predicting: the engine's list, but
# for Reshape and Flatten, which move values between ONNX's layouts here.
_PASS_THROUGH = (_PASS_THROUGH_LAYERS - {"Reshape", "Flatten"}) | {"InputLayer"}
# Keras activations by name, as ONNX operators.
_ACTIVATIONS = {
    "linear": None,
    "relu": "Relu",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "elu": "Elu",
    "selu": "Selu",
    "softplus": "Softplus",
    "softsign": "Softsign",
    "softmax": "Softmax",
    "leaky_relu": "LeakyRelu",
}

# The slope of Keras' "leaky_relu" activation (keras.activations.leaky_relu).
LEAKY_RELU_SLOPE = 0.2

_registered = False


def _import_skl2onnx():
    try:
        import skl2onnx
    except ImportError as exc:
        raise ImportError(
            "Exporting to ONNX needs skl2onnx, onnx and onnxruntime: "
            'pip install "skdigits[onnx]"'
        ) from exc
    return skl2onnx


def register_converters() -> None:
    """Register skdigits' converters with skl2onnx (once per process).

    After it, ``skl2onnx.to_onnx`` and ``skl2onnx.convert_sklearn`` convert
    skdigits' estimators, alone or in pipelines. `to_onnx` calls it.

    Raises
    ------
    ImportError
        If skl2onnx is not installed: ``pip install "skdigits[onnx]"``.
    """
    global _registered
    if _registered:
        return
    skl2onnx = _import_skl2onnx()
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
    )
    from skl2onnx.common.utils import check_input_and_output_numbers

    from skdigits import (
        ConvNetClassifier,
        KerasClassifier,
        PixelScaler,
        ReluSoftmaxClassifier,
        SigmoidNetClassifier,
    )

    def classifier_shapes(operator):
        estimator = operator.raw_operator
        calculate_linear_classifier_output_shapes(operator)
        if estimator._predictor.output == "sigmoid":  # multilabel indicators
            from skl2onnx.common.data_types import Int64TensorType

            n_rows = operator.inputs[0].get_first_dimension()
            operator.outputs[0].type = Int64TensorType([n_rows, estimator.n_outputs_])

    def scaler_shapes(operator):
        check_input_and_output_numbers(
            operator, input_count_range=1, output_count_range=1
        )
        operator.outputs[0].type = operator.inputs[0].type.__class__(
            operator.inputs[0].type.shape
        )

    options = {"zipmap": [True, False, "columns"], "nocl": [False, True]}
    for cls in (
        SigmoidNetClassifier,
        ReluSoftmaxClassifier,
        ConvNetClassifier,
        KerasClassifier,
    ):
        skl2onnx.update_registered_converter(
            cls,
            f"Skdigits{cls.__name__}",
            classifier_shapes,
            _convert_classifier,
            options=options,
        )
    skl2onnx.update_registered_converter(
        PixelScaler, "SkdigitsPixelScaler", scaler_shapes, _convert_pixel_scaler
    )
    _registered = True


def to_onnx(
    model,
    X,
    *,
    zipmap: bool | str = True,
    target_opset: int | None = None,
) -> onnx.ModelProto:
    """Convert a fitted model (an estimator or a pipeline) to ONNX.

    Parameters
    ----------
    model : estimator or Pipeline
        Fitted; skdigits' estimators and any that skl2onnx converts.

    X : array-like of shape (n_samples, n_features)
        A sample of the input, for its type and width (float32 gives a
        float32 graph, as skl2onnx does): ``X[:1]``.

    zipmap : bool or "columns", default=True
        How a classifier's probabilities come out: a list of dicts from
        class to probability (True, skl2onnx's default), one float tensor of
        shape (n_samples, n_classes) (False), or one output per class
        ("columns"). For multilabel targets, the dicts map each label's
        index to its probability.

    target_opset : int, default=None
        The ONNX opset; None means `TARGET_OPSET`.

    Returns
    -------
    onx : onnx.ModelProto
        The model; ``onx.SerializeToString()`` is the file's content.

    Raises
    ------
    ImportError
        If skl2onnx is not installed: ``pip install "skdigits[onnx]"``.

    ValueError
        If a network holds a layer that cannot be exported, naming it.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdigits import PixelScaler, ReluSoftmaxClassifier
    >>> from skdigits.onnx import to_onnx
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X.astype(np.float32)
    >>> model = make_pipeline(
    ...     PixelScaler(max_value=16),
    ...     ReluSoftmaxClassifier(max_iter=50, random_state=0),
    ... ).fit(X, y)
    >>> onx = to_onnx(model, X[:1], zipmap=False)
    >>> session = ort.InferenceSession(onx.SerializeToString())
    >>> labels, proba = session.run(None, {"X": X})
    >>> bool(np.abs(proba - model.predict_proba(X)).max() < 1e-5)
    True
    >>> bool((labels == model.predict(X)).all())
    True
    """
    _import_skl2onnx()
    register_converters()
    from skl2onnx import to_onnx as skl2onnx_to_onnx
    from sklearn.base import is_classifier

    options = {}
    if is_classifier(model):
        final = model.steps[-1][1] if hasattr(model, "steps") else model
        options = {id(final): {"zipmap": zipmap}}
    onx = skl2onnx_to_onnx(
        model,
        np.asarray(X)[:1],
        options=options,
        target_opset=TARGET_OPSET if target_opset is None else target_opset,
    )
    metadata = {"skdigits.pixel_max": json.dumps(infer_pixel_max(model))}
    if is_classifier(model):
        metadata["skdigits.classes"] = json.dumps(np.asarray(model.classes_).tolist())
    for key, value in metadata.items():
        entry = onx.metadata_props.add()
        entry.key, entry.value = key, value
    return onx


def export_model(model, path, *, zipmap: bool | str = False) -> None:
    """Write ``model`` to ``path`` as ONNX, once onnxruntime agrees with it.

    The graph is written to a temporary file, run by onnxruntime on random
    rows of ``model.n_features_in_`` values in [0, pixel max] (some of their
    pixels inked, the others 0), and renamed
    to ``path`` only if its probabilities are within 1e-5 of
    ``predict_proba``'s and its labels are ``predict``'s (where the two
    best probabilities are more than 1e-5 apart). What is exported is
    float32: the graph takes float32 rows.

    Parameters
    ----------
    model : fitted classifier or Pipeline ending in one

    path : str or path-like
        The ``.onnx`` file to write.

    zipmap : bool or "columns", default=False
        See `to_onnx`; False gives one tensor, which every runtime reads.

    Raises
    ------
    ValueError
        If the model cannot be exported (naming the layer) or if the graph
        does not agree with it; ``path`` is then left as it was.
    """
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    from skdigits._atomic_write import atomic_write

    path = Path(path)
    if path.is_dir():
        raise ValueError(f"{path} is a folder; name the .onnx file to write.")
    if not hasattr(model, "predict_proba") or not hasattr(model, "fit"):
        raise ValueError(
            f"Only a fitted classifier is exported; got {type(model).__name__}."
        )
    try:
        check_is_fitted(model)
        n_features = model.n_features_in_
    except (NotFittedError, AttributeError) as exc:
        raise ValueError(f"The {type(model).__name__} is not fitted.") from exc
    try:
        onx = to_onnx(model, np.zeros((1, n_features), np.float32), zipmap=zipmap)
    except (RuntimeError, NotImplementedError, TypeError, KeyError) as exc:
        # skl2onnx's own refusals (a step it has no converter for, say).
        raise ValueError(f"skl2onnx cannot convert the model: {exc}") from exc
    # Random rows with a few to half of their pixels inked, so that some are
    # read with doubt: on saturated probabilities two graphs cannot differ.
    rng = np.random.default_rng(0)
    inked = rng.uniform(size=(64, n_features)) < rng.uniform(0.01, 0.5, (64, 1))
    X = (rng.uniform(0, infer_pixel_max(model), (64, n_features)) * inked).astype(
        np.float32
    )

    def verify(tmp_path):
        exported = OnnxClassifier(Path(tmp_path).read_bytes())
        proba, expected = exported.predict_proba(X), model.predict_proba(X)
        gap = float(np.abs(proba - expected).max())
        top_two = np.sort(expected, axis=1)[:, -2:]
        clear = top_two[:, 1] - top_two[:, 0] > AGREEMENT
        agree = np.array_equal(exported.predict(X)[clear], model.predict(X)[clear])
        if not gap <= AGREEMENT or not agree:
            raise ValueError(
                "The ONNX graph does not agree with the model on random rows "
                f"(probabilities apart by up to {gap:.3g}): not written."
            )

    with atomic_write(path, verify=verify) as file:
        file.write(onx.SerializeToString())


class OnnxClassifier:
    """A classifier exported to ONNX, run by onnxruntime.

    What ``draw --model model.onnx`` serves, and a way to check an exported
    file from Python: ``predict_proba`` and ``predict`` as the estimator's.
    The classes and the pixel scale are read from the metadata that
    `to_onnx` records; a graph without it (from skl2onnx alone) is refused,
    since its classes could only be guessed. Input is checked as
    scikit-learn checks it: 2-D, finite, of ``n_features_in_`` columns.

    Parameters
    ----------
    path : str, path-like or bytes
        The ``.onnx`` file, or its content.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)

    n_features_in_ : int

    pixel_max_ : float
        The value of a fully inked pixel in the model's input.
    """

    def __init__(self, path):
        import onnxruntime

        self.path = path
        where = "the ONNX model" if isinstance(path, bytes) else str(path)
        try:
            self._session = onnxruntime.InferenceSession(
                path if isinstance(path, bytes) else str(path),
                providers=["CPUExecutionProvider"],
            )
        except Exception as exc:  # onnxruntime raises its own for any damage
            raise ValueError(f"{where} is not a readable ONNX model: {exc}") from exc
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        metadata = self._session.get_modelmeta().custom_metadata_map
        if len(inputs) != 1 or len(outputs) != 2 or "skdigits.classes" not in metadata:
            # The classes of a graph from elsewhere could only be guessed.
            raise ValueError(
                f"{where} is not a classifier exported by skdigits (python -m "
                "skdigits export, or skdigits.onnx.to_onnx), which records its "
                "classes: export the model with it."
            )
        self._input = inputs[0].name
        self.n_features_in_ = inputs[0].shape[1]
        self.pixel_max_ = float(json.loads(metadata.get("skdigits.pixel_max", "1.0")))
        self.classes_ = np.asarray(json.loads(metadata["skdigits.classes"]))

    def _run(self, X):
        """The graph's (labels, probabilities) for validated X."""
        from sklearn.utils import check_array

        X = check_array(X, dtype=np.float32, ensure_all_finite=True)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but the ONNX model takes "
                f"{self.n_features_in_}."
            )
        return self._session.run(None, {self._input: X})

    def predict_proba(self, X) -> np.ndarray:
        """The probability of each class, from onnxruntime."""
        _, proba = self._run(X)
        if isinstance(proba, list):  # zipmap: a dict per row
            proba = np.array(
                [[row[c] for c in self.classes_.tolist()] for row in proba]
            )
        return np.asarray(proba, dtype=np.float64)

    def predict(self, X) -> np.ndarray:
        """The label of each row (indicators for multilabel targets)."""
        labels, _ = self._run(X)
        labels = np.asarray(labels)
        if labels.ndim == 1 and self.classes_.dtype.kind in "bf":
            # The graph gives int64 labels for booleans and floats, as
            # scikit-learn's converters do.
            return labels.astype(self.classes_.dtype)
        return labels


# Converters ---------------------------------------------------------------------


class _Graph:
    """The nodes and constants a converter adds, with skl2onnx's unique names."""

    def __init__(self, scope, container, dtype):
        self.scope = scope
        self.container = container
        self.dtype = np.dtype(dtype)

    @property
    def proto_dtype(self) -> int:
        from onnx import TensorProto

        return TensorProto.DOUBLE if self.dtype == np.float64 else TensorProto.FLOAT

    def constant(self, value, name: str = "constant", dtype=None) -> str:
        """A constant tensor of ``value`` (in the graph's dtype, unless given)."""
        from onnx import TensorProto, numpy_helper

        value = np.asarray(value, dtype=self.dtype if dtype is None else dtype)
        unique = self.scope.get_unique_variable_name(name)
        if value.dtype == object:  # strings
            content = [str(v).encode("utf-8") for v in value.ravel()]
            self.container.add_initializer(
                unique, TensorProto.STRING, list(value.shape), content
            )
        else:
            tensor = numpy_helper.from_array(np.ascontiguousarray(value), unique)
            self.container.add_initializer(
                unique, tensor.data_type, list(value.shape), tensor
            )
        return unique

    def node(self, op: str, inputs, output: str | None = None, **attributes) -> str:
        output = output or self.scope.get_unique_variable_name(op.lower())
        domain = attributes.pop("op_domain", None)
        kwargs = {"op_domain": domain, "op_version": 1} if domain else {}
        self.container.add_node(
            op,
            list(inputs),
            [output],
            name=self.scope.get_unique_operator_name(op),
            **kwargs,
            **attributes,
        )
        return output


def _convert_pixel_scaler(scope, operator, container):
    scaler = operator.raw_operator
    dtype = _input_dtype(operator)
    graph = _Graph(scope, container, dtype)
    graph.node(
        "Div",
        [operator.inputs[0].full_name, graph.constant(scaler.max_value, "max_value")],
        operator.outputs[0].full_name,
    )


def _input_dtype(operator):
    from skl2onnx.common.data_types import DoubleTensorType

    return (
        np.float64
        if isinstance(operator.inputs[0].type, DoubleTensorType)
        else np.float32
    )


def _convert_classifier(scope, operator, container):
    from onnx import TensorProto

    estimator = operator.raw_operator
    predictor = estimator._predictor
    output = predictor.output
    dense = isinstance(predictor, DensePredictor)
    dtype = _input_dtype(operator) if dense else np.float32
    graph = _Graph(scope, container, dtype)
    x = graph.node("Cast", [operator.inputs[0].full_name], to=graph.proto_dtype)
    if dense:
        logits = _dense_logits(graph, predictor.weights[np.dtype(dtype).name], x)
    else:
        logits = _keras_logits(graph, estimator, x)
    proba = _probabilities(graph, logits, output)
    if graph.dtype != _input_dtype(operator):  # a float32 network, float64 input
        proba = graph.node("Cast", [proba], to=TensorProto.DOUBLE)
    graph.node("Identity", [proba], operator.outputs[1].full_name)
    if output == "sigmoid":
        above = graph.node("Greater", [proba, graph.constant(0.5, "half")])
        graph.node("Cast", [above], operator.outputs[0].full_name, to=TensorProto.INT64)
        return
    classes = np.asarray(estimator.classes_)
    if container.get_options(estimator, dict(nocl=False))["nocl"]:
        # skl2onnx's option: labels as the classes' indices.
        classes = np.arange(len(classes))
    if classes.dtype.kind in "biuf":
        classes = graph.constant(_int64_classes(classes), "classes", np.int64)
    else:
        classes = graph.constant(classes.astype(str).astype(object), "classes", object)
    best = graph.node("ArgMax", [proba], axis=1)
    label = graph.node("ArrayFeatureExtractor", [classes, best], op_domain="ai.onnx.ml")
    graph.node(
        "Reshape",
        [label, graph.constant([-1], "flat", np.int64)],
        operator.outputs[0].full_name,
    )


def _int64_classes(classes: np.ndarray) -> np.ndarray:
    """Numeric classes as the int64 labels of the graph, or an error."""
    as_int = classes.astype(np.int64)
    if not np.array_equal(as_int, classes) or (
        classes.dtype.kind == "u" and classes.max() > np.iinfo(np.int64).max
    ):
        raise ValueError(
            f"The classes {classes.tolist()} are not all int64 values: an ONNX "
            "classifier's labels are int64 or strings. Encode them first "
            "(sklearn.preprocessing.LabelEncoder)."
        )
    return as_int


def _dense_logits(graph, layers, x) -> str:
    """The logits of a dense network's (coef, intercept, activation) layers."""
    *hidden, (coef, intercept, _) = layers
    for hidden_coef, hidden_intercept, activation in hidden:
        x = graph.node("MatMul", [x, graph.constant(hidden_coef, "coef")])
        x = graph.node("Add", [x, graph.constant(hidden_intercept, "intercept")])
        x = graph.node(_ACTIVATIONS[activation], [x])
    x = graph.node("MatMul", [x, graph.constant(coef, "coef")])
    return graph.node("Add", [x, graph.constant(intercept, "intercept")])


def _probabilities(graph, logits, output) -> str:
    """The output's probabilities from the logits (see `_outputs`)."""
    if output == "softmax":
        return graph.node("Softmax", [logits], axis=1)
    if output == "sigmoid":
        return graph.node("Sigmoid", [logits])
    if output == "binary":
        positive = graph.node("Sigmoid", [logits])
        negative = graph.node("Sigmoid", [graph.node("Neg", [logits])])
        return graph.node("Concat", [negative, positive], axis=1)
    if output == "normalized_sigmoid":
        # A softmax of the log-sigmoids, -softplus(-z), as the estimators
        # compute it: exact where sigmoids saturate.
        softplus = graph.node("Softplus", [graph.node("Neg", [logits])])
        return graph.node("Softmax", [graph.node("Neg", [softplus])], axis=1)
    raise ValueError(f"Unknown output {output!r}.")


# Keras networks -------------------------------------------------------------------


def _keras_logits(graph, estimator, x) -> str:
    """The logits of the estimator's fitted Keras network, layer by layer."""
    from skdigits._jax_runtime.keras import import_keras
    from skdigits.neural_network._keras_network import _final_activation

    keras = import_keras()
    model = estimator.model_
    final = _final_activation(keras, model)
    tensor = _Tensor(x, (model.inputs[0].shape[-1],), channels_first=False)
    for layer in _chain(keras, model):
        if layer is final.layer and final.standalone:
            continue  # the final Softmax: the head applies the output
        activation = None if layer is final.layer else "keep"
        tensor = _emit_layer(graph, keras, layer, tensor, activation)
    if len(tensor.shape) != 1:
        raise ValueError(
            f"The network outputs scores of shape {tensor.shape}; ONNX export "
            "needs one score per class."
        )
    return tensor.name


def _chain(keras, model):
    """The layers of ``model`` in order, nested models' layers included.

    Only a chain, each layer taking the previous one's output, is exported:
    a network whose layers branch or merge is refused, naming the layer.
    """
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    previous = model.inputs[0] if getattr(model, "inputs", None) else None
    for layer in layers:
        try:
            layer_input = layer.input
        except (AttributeError, ValueError) as exc:
            raise ValueError(
                f"The network's layer {layer.name!r} ({type(layer).__name__}) is "
                "used more than once: only a chain of layers is exported to ONNX."
            ) from exc
        if previous is not None and layer_input is not previous:
            raise ValueError(
                f"The network's layer {layer.name!r} ({type(layer).__name__}) does "
                "not take the previous layer's output: only a chain of layers "
                "(no branches, no merges) is exported to ONNX."
            )
        if isinstance(layer, keras.Model):
            yield from _chain(keras, layer)
        else:
            yield layer
        previous = layer.output


class _Tensor:
    """A value in the graph: its name, and its Keras shape without the batch.

    Image tensors (rank above 1) are kept channels first, ONNX's layout, while
    their ``shape`` is Keras' (channels last).
    """

    def __init__(self, name, shape, channels_first):
        self.name = name
        self.shape = tuple(shape)
        self.channels_first = channels_first

    @property
    def spatial_rank(self) -> int:
        return len(self.shape) - 1


def _unsupported(layer, why: str):
    return ValueError(
        f"The network's layer {layer.name!r} ({type(layer).__name__}) cannot be "
        f"exported to ONNX: {why}."
    )


def _activation_node(graph, layer, name, x) -> str:
    if name == "linear":
        return x
    if name not in _ACTIVATIONS:
        raise _unsupported(layer, f"its activation {name!r} has no ONNX operator here")
    if name == "softmax":
        return graph.node("Softmax", [x], axis=1)
    if name == "leaky_relu":  # Keras' default slope; ONNX's is 0.01
        return graph.node("LeakyRelu", [x], alpha=LEAKY_RELU_SLOPE)
    return graph.node(_ACTIVATIONS[name], [x])


def _activation_name(layer) -> str:
    activation = getattr(layer, "activation", None)
    if activation is None:
        return "linear"
    return getattr(activation, "__name__", str(activation))


def _emit_layer(graph, keras, layer, tensor, activation):
    """Emit ``layer`` on ``tensor``; ``activation`` None leaves its activation out."""
    kind = type(layer).__name__
    if kind not in KERAS_LAYERS or type(layer).__module__.split(".")[0] != "keras":
        raise _unsupported(
            layer,
            "skdigits exports Keras' own layers "
            f"({', '.join(name for name in KERAS_LAYERS if name != 'InputLayer')})",
        )
    if kind in _PASS_THROUGH:
        return tensor
    weights = [np.asarray(w, dtype=np.float32) for w in layer.get_weights()]
    x = tensor.name
    if kind in ("Reshape", "Flatten"):
        return _reshape(graph, layer, tensor)
    if kind == "Dense":
        if tensor.spatial_rank:
            raise _unsupported(layer, "a Dense layer on images is not exported")
        x = graph.node("MatMul", [x, graph.constant(weights[0], "kernel")])
        if layer.use_bias:
            x = graph.node("Add", [x, graph.constant(weights[1], "bias")])
        shape = (weights[0].shape[1],)
    elif kind in ("Conv1D", "Conv2D"):
        x, shape = _convolution(graph, layer, tensor, weights)
    elif "Pooling" in kind:
        x, shape = _pooling(graph, layer, tensor, kind)
    elif kind == "BatchNormalization":
        x = _batch_normalization(graph, layer, tensor, weights)
        shape = tensor.shape
    elif kind == "Rescaling":
        scale, offset = (
            _per_channel(layer, tensor, value) for value in (layer.scale, layer.offset)
        )
        x = graph.node("Mul", [x, graph.constant(scale, "scale")])
        x = graph.node("Add", [x, graph.constant(offset, "offset")])
        shape = tensor.shape
    elif kind == "Softmax":
        if tensor.spatial_rank:
            raise _unsupported(layer, "a Softmax on images is not exported")
        return _Tensor(graph.node("Softmax", [x], axis=1), tensor.shape, False)
    elif kind in ("ReLU", "LeakyReLU", "ELU"):
        return _Tensor(
            _relu_family(graph, layer, kind, x), tensor.shape, tensor.channels_first
        )
    elif kind == "Activation":
        shape = tensor.shape
    else:  # pragma: no cover - every name of KERAS_LAYERS is handled above
        raise _unsupported(layer, "no emitter")
    channels_first = len(shape) > 1
    if activation is not None:
        name = _activation_name(layer)
        if name == "softmax" and channels_first:
            raise _unsupported(layer, "a softmax on images is not exported")
        x = _activation_node(graph, layer, name, x)
    return _Tensor(x, shape, channels_first)


def _per_channel(layer, tensor, value) -> np.ndarray:
    """A scalar, or one value per channel, shaped to broadcast in ONNX's layout."""
    value = np.asarray(value, dtype=np.float32)
    if value.ndim == 0:
        return value
    channels = tensor.shape[-1]
    if value.size != channels:
        raise _unsupported(
            layer, f"only a scalar or one value per channel ({channels}) is exported"
        )
    if tensor.channels_first:
        return value.reshape(channels, *([1] * tensor.spatial_rank))
    return value.reshape(channels)


def _relu_family(graph, layer, kind, x) -> str:
    if kind == "ELU":
        return graph.node("Elu", [x], alpha=float(layer.alpha))
    if kind == "LeakyReLU":
        return graph.node("LeakyRelu", [x], alpha=float(layer.negative_slope))
    if layer.max_value is not None or layer.threshold != 0:
        raise _unsupported(layer, "a ReLU with max_value or threshold is not exported")
    if layer.negative_slope:
        return graph.node("LeakyRelu", [x], alpha=float(layer.negative_slope))
    return graph.node("Relu", [x])


def _reshape(graph, layer, tensor):
    """Reshape and Flatten: between rows of values and channels-first images."""
    target = tuple(layer.output.shape[1:])
    x = tensor.name
    if tensor.channels_first:  # back to Keras' channels-last order first
        rank = tensor.spatial_rank
        x = graph.node("Transpose", [x], perm=[0, *range(2, rank + 2), 1])
    x = graph.node("Reshape", [x, graph.constant([-1, *target], "shape", np.int64)])
    if len(target) > 1:  # an image, channels last: to channels first
        rank = len(target) - 1
        x = graph.node("Transpose", [x], perm=[0, rank + 1, *range(1, rank + 1)])
    return _Tensor(x, target, len(target) > 1)


def _same_pads(sizes, kernel, strides, dilation):
    """Keras' (TensorFlow's) "same" padding: the extra pixel at the end."""
    before, after = [], []
    for size, k, s, d in zip(sizes, kernel, strides, dilation, strict=True):
        out = math.ceil(size / s)
        total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
        before.append(total // 2)
        after.append(total - total // 2)
    return before + after


def _window(layer, tensor, kernel, strides, dilation, padding):
    if not tensor.channels_first:
        raise _unsupported(layer, "it needs images (after a Reshape)")
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        raise _unsupported(layer, "only channels_last data is exported")
    sizes = tensor.shape[:-1]
    if padding == "valid":
        pads = [0] * (2 * len(sizes))
    elif padding == "same":
        pads = _same_pads(sizes, kernel, strides, dilation)
    else:
        raise _unsupported(layer, f"its padding {padding!r} is not exported")
    return pads


def _convolution(graph, layer, tensor, weights):
    rank = tensor.spatial_rank
    kernel = weights[0]  # (*window, in, out) in Keras; (out, in, *window) in ONNX
    if layer.groups != 1:
        raise _unsupported(layer, "grouped convolutions are not exported")
    strides = tuple(layer.strides)
    dilation = tuple(layer.dilation_rate)
    window = kernel.shape[:rank]
    pads = _window(layer, tensor, window, strides, dilation, layer.padding)
    onnx_kernel = np.ascontiguousarray(kernel.transpose(rank + 1, rank, *range(rank)))
    inputs = [tensor.name, graph.constant(onnx_kernel, "kernel")]
    if layer.use_bias:
        inputs.append(graph.constant(weights[1], "bias"))
    x = graph.node(
        "Conv",
        inputs,
        kernel_shape=list(window),
        strides=list(strides),
        dilations=list(dilation),
        pads=pads,
    )
    return x, tuple(layer.output.shape[1:])


def _pooling(graph, layer, tensor, kind):
    if kind.startswith("Global"):
        if not tensor.channels_first:
            raise _unsupported(layer, "it needs images (after a Reshape)")
        op = "GlobalAveragePool" if "Average" in kind else "GlobalMaxPool"
        pooled = graph.node(op, [tensor.name])
        x = graph.node("Flatten", [pooled], axis=1)
        return x, tuple(layer.output.shape[1:])
    window = tuple(layer.pool_size)
    strides = tuple(layer.strides)
    pads = _window(layer, tensor, window, strides, (1,) * len(window), layer.padding)
    op = "MaxPool" if kind.startswith("Max") else "AveragePool"
    attributes = {"kernel_shape": list(window), "strides": list(strides), "pads": pads}
    if op == "AveragePool":
        attributes["count_include_pad"] = 0  # Keras averages the real pixels
    return graph.node(op, [tensor.name], **attributes), tuple(layer.output.shape[1:])


def _batch_normalization(graph, layer, tensor, weights):
    axis = layer.axis if isinstance(layer.axis, int) else layer.axis[0]
    if axis not in (-1, len(tensor.shape)):
        raise _unsupported(layer, "only a normalisation of the last axis is exported")
    channels = tensor.shape[-1]
    values = iter(weights)
    gamma = next(values) if layer.scale else np.ones(channels, np.float32)
    beta = next(values) if layer.center else np.zeros(channels, np.float32)
    mean, variance = next(values), next(values)
    return graph.node(
        "BatchNormalization",
        [
            tensor.name,
            graph.constant(gamma, "gamma"),
            graph.constant(beta, "beta"),
            graph.constant(mean, "mean"),
            graph.constant(variance, "variance"),
        ],
        epsilon=float(layer.epsilon),
    )
