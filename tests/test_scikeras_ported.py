"""SciKeras' own tests of build functions, routed parameters and input/output
shapes, ported to KerasClassifier (SciKeras 0.13, ``tests/``).

Ported:

- ``test_param_routing.py::test_routing_basic``: a builder gets its routed
  parameters, as the very objects given, and ``meta``.
- ``test_param_routing.py::test_exclude_parameters_with_further_routing``,
  changed: SciKeras drops ``optimizer__xyz__abc`` silently; here it is an
  error naming it, as any optimizer parameter its configuration lacks.
- ``test_input_outputs.py::test_output_shapes_and_dtypes_against_sklearn_cls``
  for its single-output cases (binary with one sigmoid unit, multiclass with
  a softmax, multilabel with sigmoids, each over SciKeras' target dtypes):
  ``predict`` has MLPClassifier's shape and dtype, and the score its bound.
- ``test_input_outputs.py::test_incompatible_output_dimensions``: a network
  with two outputs is refused with a clear message.
- ``test_api.py``'s build-function forms: a function, a function taking
  ``meta``, and a Keras model given as it is.

Left, with the reason:

- Unrouted parameters passed to the builder (``test_routed_unrouted_equivalence``,
  ``foo=`` in ``test_routing_basic``): here a parameter without a route is
  an error at fit, so that a typo is not silently dropped.
- ``params``/``compile_kwargs`` given to the builder, ``loss``/``metrics``
  routing, ``fit__``/``predict__`` routing and the ``test_loss_auto.py``
  tests: skdigits compiles no Keras model. It computes the loss from the
  network's logits, and runs its own compiled epoch.
- One-hot targets with a softmax (``single_output_binary_softmax``,
  ``single_output_multiclass_one_hot``): scikit-learn reads a 0/1 matrix as
  a multilabel target, as MLPClassifier does; pass the labels.
- Multiple inputs or outputs (``test_multi_input``, ``multiclass_multioutput``,
  ``feature_encoder``/``target_encoder``): scikit-learn's X is one 2-D
  array, and the engine trains one output.
- Regressors: skdigits has classifiers only.
"""

import numpy as np
import pytest
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skdigits import KerasClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

META = {"n_features_in_", "n_classes_", "classes_", "n_outputs_", "target_type_"}


def create_model(activation, n_units):
    """SciKeras' ``create_model``: hidden Dense layers, then ``n_units`` outputs."""

    def get_model(meta, hidden_layer_sizes=(200,)):
        import keras

        inputs = keras.Input((meta["n_features_in_"],))
        x = inputs
        for size in hidden_layer_sizes:
            x = keras.layers.Dense(size)(x)
        outputs = [keras.layers.Dense(n, activation=activation)(x) for n in n_units]
        return keras.Model(inputs, outputs[0] if len(outputs) == 1 else outputs)

    return get_model


def test_routing_basic():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(20, 3))
    y = rng.choice(3, size=20)
    foo_val = object()

    def build_fn(hidden_layer_sizes, foo, meta):
        assert set(meta) == META
        assert foo is foo_val
        return create_model("softmax", [3])(meta, hidden_layer_sizes)

    est = KerasClassifier(
        build_fn, model__hidden_layer_sizes=(100,), model__foo=foo_val, max_iter=2
    )
    est.fit(X, y)
    assert est.get_params()["model__foo"] is foo_val


def test_exclude_parameters_with_further_routing():
    X, y = [[1], [2]], [0, 1]
    clf = KerasClassifier(
        create_model("sigmoid", [1]), optimizer__this_should_not_pass__abc="error!"
    )
    with pytest.raises(ValueError, match="this_should_not_pass__abc"):
        clf.fit(X, y)


def test_incompatible_output_dimensions():
    rng = np.random.default_rng(0)
    X, y = rng.random((10, 20)), rng.integers(0, 3, size=10)
    clf = KerasClassifier(create_model("softmax", [1, 2]))
    with pytest.raises(ValueError, match="one input and one output"):
        clf.fit(X, y)


DTYPES = ("float32", "float64", "int64", "int32", "uint8", "uint16", "<U1")


def _cases():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=2000)
    for dtype in ("float32", "float64", "int64", "int32", "uint8", "uint16", "<U1"):
        yield (
            "binary_sigmoid",
            create_model("sigmoid", [1]),
            y.reshape(-1, 1),
            y.astype(dtype),
            0.95,
        )
    y = rng.integers(0, 3, size=4000)
    for dtype in ("float32", "float64", "int64", "int32", "uint8", "uint16", "<U1"):
        yield (
            "multiclass_softmax",
            create_model("softmax", [3]),
            y.reshape(-1, 1),
            y.astype(dtype),
            0.95,
        )
    X = rng.integers(0, 4, size=(2000, 1))
    Y = np.zeros((2000, 2))
    Y[X[:, 0] == 1, 0] = 1
    Y[X[:, 0] == 2, 1] = 1
    Y[X[:, 0] == 3] = 1
    for dtype in ("float32", "float64", "int64", "int32", "uint8", "uint16"):
        yield (
            "multilabel_sigmoid",
            create_model("sigmoid", [2]),
            X,
            Y.astype(dtype),
            0.4,
        )


@pytest.mark.parametrize(
    ("name", "build", "X", "y", "min_score"),
    list(_cases()),
    ids=[f"{case[0]}-{case[3].dtype}" for case in _cases()],
)
def test_output_shapes_and_dtypes_against_sklearn_cls(name, build, X, y, min_score):
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    ours = KerasClassifier(
        build, model__hidden_layer_sizes=(200,), max_iter=15, random_state=0
    ).fit(X_train, y_train)
    mlp = MLPClassifier(hidden_layer_sizes=(200,), max_iter=15, random_state=0)
    ours_pred = ours.predict(X_test)
    mlp_pred = mlp.fit(X_train, y_train).predict(X_test)
    assert ours_pred.shape == mlp_pred.shape
    assert ours_pred.dtype == mlp_pred.dtype
    assert accuracy_score(y_test, ours_pred) >= min_score


def test_build_function_forms(digits):
    """A function, a function of meta, and a Keras model given as it is."""
    from skdigits._jax_runtime.keras import import_keras

    X, y = digits
    keras = import_keras()

    def plain():
        return keras.Sequential(
            [keras.Input((64,)), keras.layers.Dense(10, activation="softmax")]
        )

    def with_meta(meta):
        return keras.Sequential(
            [
                keras.Input((meta["n_features_in_"],)),
                keras.layers.Dense(meta["n_classes_"], activation="softmax"),
            ]
        )

    for model in (plain, with_meta, plain()):
        clf = KerasClassifier(model, max_iter=100, random_state=0).fit(X, y)
        assert clf.score(X, y) > 0.9  # a linear model: 0.95 for MLPClassifier
