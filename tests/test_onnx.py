"""ONNX export: onnxruntime's answers are the estimators' own."""

import sys

import keras_builders
import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from skdigits import (
    ConvNetClassifier,
    KerasClassifier,
    PixelScaler,
    ReluSoftmaxClassifier,
    SigmoidNetClassifier,
)

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("skl2onnx")

from skdigits.onnx import TARGET_OPSET, to_onnx  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TOLERANCE = 1e-5  # absolute, on every probability


@pytest.fixture(scope="module")
def split():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return train_test_split(X.astype(np.float32), y, random_state=0)


def run(model, X, zipmap=False):
    onx = to_onnx(model, X[:1], zipmap=zipmap)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def assert_same_answers(model, X, labels, proba):
    expected = model.predict_proba(X)
    assert proba.shape == expected.shape
    np.testing.assert_allclose(proba, expected, atol=TOLERANCE, rtol=0)
    # The same labels, but where the two best probabilities tie to 1e-5.
    top_two = np.sort(expected, axis=1)[:, -2:]
    clear = top_two[:, 1] - top_two[:, 0] > TOLERANCE
    np.testing.assert_array_equal(labels[clear], model.predict(X)[clear])


ESTIMATORS = {
    "sigmoid": lambda: SigmoidNetClassifier(max_iter=20, random_state=0),
    "relu": lambda: ReluSoftmaxClassifier(max_iter=20, random_state=0),
    "relu-deep": lambda: ReluSoftmaxClassifier(
        hidden_layer_sizes=(32, 16), dropout=0.1, max_iter=20, random_state=0
    ),
    "convnet": lambda: ConvNetClassifier(max_iter=2, random_state=0),
    "convnet-valid": lambda: ConvNetClassifier(
        filters=(4, 8), kernel_size=3, strides=(1, 2), max_iter=2, random_state=0
    ),
    "keras-dense": lambda: KerasClassifier(keras_builders.dense, max_iter=10),
    "keras-conv1d": lambda: KerasClassifier(keras_builders.conv, max_iter=3),
    "keras-bn-pool": lambda: KerasClassifier(keras_builders.image_conv, max_iter=3),
}


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize(
    "scaler",
    [
        lambda: PixelScaler(max_value=16),
        StandardScaler,
        MinMaxScaler,
        lambda: PCA(n_components=49, random_state=0),  # 7x7 for the convnets
    ],
    ids=["PixelScaler", "StandardScaler", "MinMaxScaler", "PCA"],
)
def test_pipelines_run_in_onnxruntime_as_in_skdigits(name, scaler, split):
    X_train, X_test, y_train, _ = split
    model = make_pipeline(scaler(), ESTIMATORS[name]()).fit(X_train, y_train)
    labels, proba = run(model, X_test)
    assert_same_answers(model, X_test, labels, proba)


def test_zipmap_gives_a_dict_per_row_as_scikit_learns_converters(split):
    X_train, X_test, y_train, _ = split
    model = make_pipeline(PixelScaler(max_value=16), ESTIMATORS["relu"]())
    model.fit(X_train, y_train)
    labels, rows = run(model, X_test[:20], zipmap=True)
    expected = model.predict_proba(X_test[:20])
    assert [sorted(row) for row in rows] == [list(model.classes_)] * 20
    for row, values in zip(rows, expected, strict=True):
        np.testing.assert_allclose(
            [row[c] for c in model.classes_], values, atol=TOLERANCE
        )
    np.testing.assert_array_equal(labels, model.predict(X_test[:20]))


def test_string_classes_and_a_binary_softmax(split):
    X_train, X_test, y_train, _ = split
    names = np.array(["even", "odd"])[y_train % 2]
    model = ReluSoftmaxClassifier(max_iter=20, random_state=0).fit(X_train / 16, names)
    labels, proba = run(model, X_test / 16)
    assert labels.dtype == object
    assert set(labels) <= {"even", "odd"}
    assert_same_answers(model, X_test / 16, labels, proba)


def test_one_sigmoid_unit_for_two_classes(split):
    X_train, X_test, y_train, _ = split
    model = KerasClassifier(keras_builders.binary_unit, max_iter=20, random_state=0)
    model.fit(X_train / 16, y_train % 2)
    labels, proba = run(model, X_test / 16)
    assert proba.shape == (len(X_test), 2)
    assert_same_answers(model, X_test / 16, labels, proba)


@pytest.mark.parametrize(
    "make",
    [
        lambda: ReluSoftmaxClassifier(max_iter=20, random_state=0),
        lambda: KerasClassifier(
            keras_builders.dense, model__activation="sigmoid", max_iter=20
        ),
    ],
    ids=["relu", "keras"],
)
def test_multilabel_targets_give_indicators(make, split):
    X_train, X_test, y_train, _ = split
    Y = np.column_stack([y_train % 2, y_train > 4, y_train == 0]).astype(int)
    model = make().fit(X_train / 16, Y)
    labels, proba = run(model, X_test / 16)
    expected = model.predict_proba(X_test / 16)
    np.testing.assert_allclose(proba, expected, atol=TOLERANCE, rtol=0)
    # With zipmap, a dict per row from each label's index to its probability.
    _, rows = run(model, X_test / 16, zipmap=True)
    np.testing.assert_allclose(
        [[row[label] for label in range(3)] for row in rows], expected, atol=TOLERANCE
    )
    clear = np.abs(expected - 0.5) > TOLERANCE
    np.testing.assert_array_equal(labels[clear], model.predict(X_test / 16)[clear])
    assert labels.dtype == np.int64


def test_a_float64_dense_network_runs_in_double(split):
    X_train, X_test, y_train, _ = split
    model = ReluSoftmaxClassifier(dtype="float64", max_iter=20, random_state=0)
    model.fit(X_train.astype(np.float64) / 16, y_train)
    X64 = X_test.astype(np.float64) / 16
    labels, proba = run(model, X64)
    assert proba.dtype == np.float64
    np.testing.assert_array_equal(labels, model.predict(X64))
    np.testing.assert_allclose(proba, model.predict_proba(X64), atol=1e-12)


@pytest.mark.parametrize(
    ("builder", "message"),
    [
        (keras_builders.with_custom_layer, r"layer 'scale' \(Scale\) cannot be"),
        (keras_builders.with_lambda, r"layer 'lambda' \(Lambda\) cannot be"),
    ],
)
def test_a_layer_that_cannot_be_exported_is_named(builder, message, split):
    X_train, _, y_train, _ = split
    model = KerasClassifier(builder, max_iter=2, random_state=0).fit(X_train, y_train)
    with pytest.raises(ValueError, match=message):
        to_onnx(model, X_train[:1])


def test_a_branching_network_is_refused_naming_the_layer(split):
    def branching(meta):
        import keras

        inputs = keras.Input((meta["n_features_in_"],))
        a = keras.layers.Dense(8, activation="relu")(inputs)
        b = keras.layers.Dense(8, activation="tanh")(inputs)
        merged = keras.layers.Add(name="merge")([a, b])
        return keras.Model(inputs, keras.layers.Dense(10)(merged))

    X_train, _, y_train, _ = split
    model = KerasClassifier(branching, max_iter=2, random_state=0).fit(X_train, y_train)
    with pytest.raises(ValueError, match=r"only a chain of layers"):
        to_onnx(model, X_train[:1])


def test_without_skl2onnx_the_message_says_what_to_install(monkeypatch, split):
    import skdigits.onnx

    monkeypatch.setitem(sys.modules, "skl2onnx", None)
    monkeypatch.setattr(skdigits.onnx, "_registered", False)
    with pytest.raises(ImportError, match=r'pip install "skdigits\[onnx\]"'):
        to_onnx(PixelScaler(), split[0][:1])


# The command line and the drawing page ------------------------------------------


@pytest.fixture(scope="module")
def mnist_pipeline():
    """A PixelScaler pipeline on 784 pixels in [0, 255] (bars and boxes)."""
    from draw_helpers import bar_digits

    X, y = bar_digits()
    X = (X * 255).astype(np.float32)
    model = make_pipeline(
        PixelScaler(), ReluSoftmaxClassifier(hidden_layer_sizes=(16,), max_iter=30)
    )
    return model.set_params(relusoftmaxclassifier__random_state=0).fit(X, y), X


def test_export_writes_a_graph_that_agrees_and_reads_as_the_model(
    mnist_pipeline, tmp_path, capsys
):
    import pickle

    from draw_helpers import paper

    from skdigits.__main__ import main
    from skdigits.draw import load_model
    from skdigits.onnx import OnnxClassifier
    from skdigits.reading import read_digits

    model, X = mnist_pipeline
    source = tmp_path / "model.pkl"
    source.write_bytes(pickle.dumps(model))
    target = tmp_path / "model.onnx"
    assert main(["export", str(source), str(target)]) == 0
    assert "onnxruntime agrees" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx", "model.pkl"]
    exported = OnnxClassifier(target)
    assert exported.pixel_max_ == 255.0
    np.testing.assert_array_equal(exported.classes_, model.classes_)
    np.testing.assert_allclose(
        exported.predict_proba(X), model.predict_proba(X), atol=TOLERANCE
    )
    # draw --model model.onnx serves it, on the pipeline's pixel scale.
    served = load_model(target)
    assert served.pixel_max == 255.0
    canvas = paper()
    canvas[20:120, 40:52] = 0
    canvas[20:120, 120:170] = 0
    canvas[32:108, 132:158] = 255
    reading = read_digits(canvas, served.estimator, pixel_max=served.pixel_max)
    original = read_digits(canvas, model)
    assert reading.text == original.text == "01"
    np.testing.assert_allclose(reading.proba, original.proba, atol=TOLERANCE)


def test_export_refuses_a_network_it_cannot_convert_and_writes_nothing(
    split, tmp_path, capsys
):
    import pickle

    from skdigits.__main__ import main

    X_train, _, y_train, _ = split
    model = KerasClassifier(keras_builders.with_custom_layer, max_iter=2)
    source = tmp_path / "model.pkl"
    source.write_bytes(pickle.dumps(model.fit(X_train, y_train)))
    assert main(["export", str(source), str(tmp_path / "model.onnx")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: The network's layer 'scale' (Scale) cannot be")
    assert "Traceback" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["model.pkl"]


def test_a_graph_that_disagrees_is_not_written(mnist_pipeline, tmp_path, monkeypatch):
    import skdigits.onnx

    model, X = mnist_pipeline
    other = clone_fitted_with_other_weights(model, X)
    real_to_onnx = skdigits.onnx.to_onnx
    monkeypatch.setattr(
        skdigits.onnx, "to_onnx", lambda m, X, **kw: real_to_onnx(other, X, **kw)
    )
    target = tmp_path / "model.onnx"
    target.write_bytes(b"what was there")
    with pytest.raises(ValueError, match="does not agree with the model"):
        skdigits.onnx.export_model(model, target)
    assert target.read_bytes() == b"what was there"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]


def clone_fitted_with_other_weights(model, X):
    from sklearn.base import clone

    other = clone(model).set_params(relusoftmaxclassifier__random_state=1)
    return other.fit(X, model.predict(X))


@pytest.mark.parametrize(
    "content", [b"", b"not an onnx model", b"\x08\x07" + b"\xff" * 64]
)
def test_a_damaged_onnx_file_is_refused_in_one_line(tmp_path, content):
    from skdigits.draw import load_model

    path = tmp_path / "model.onnx"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"model.onnx is not a readable ONNX model"):
        load_model(path)


# What could be converted wrongly, and what must be refused -----------------------


def _image_network(meta):
    import keras

    L = keras.layers
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            L.Reshape((8, 8, 1)),
            L.Conv2D(4, 3, padding="same", activation="leaky_relu"),
            L.Rescaling(scale=[0.5, 1.0, 2.0, 4.0], offset=[0.0, 0.1, 0.2, 0.3]),
            L.Conv2D(6, 2, strides=3, dilation_rate=1, activation="elu"),
            L.LeakyReLU(negative_slope=0.3),
            L.BatchNormalization(center=False),
            L.AveragePooling2D(2, padding="same"),
            L.Flatten(),
            L.Dense(16, activation="leaky_relu"),
            L.Rescaling(0.5, offset=0.25),
            L.Dense(meta["n_outputs_"], activation="softmax"),
        ]
    )


def test_activations_and_per_channel_scales_are_exported_as_keras_computes_them(split):
    X_train, X_test, y_train, _ = split
    model = KerasClassifier(_image_network, max_iter=5, random_state=0)
    model.fit(X_train / 16, y_train)
    labels, proba = run(model, X_test / 16)
    assert_same_answers(model, X_test / 16, labels, proba)
    # float64 rows: the float32 network's probabilities, as float64.
    labels, proba = run(model, (X_test / 16).astype(np.float64))
    assert proba.dtype == np.float64
    assert_same_answers(model, (X_test / 16).astype(np.float64), labels, proba)


def test_a_scale_along_the_images_width_is_refused(split):
    def by_width(meta):
        import keras

        L = keras.layers
        return keras.Sequential(
            [
                keras.Input((64,)),
                L.Reshape((8, 8, 1)),
                L.Conv2D(2, 3, padding="same"),
                L.Rescaling(scale=np.linspace(0.5, 1.5, 8).reshape(8, 1, 1)),  # rows
                L.Flatten(),
                L.Dense(10),
            ]
        )

    X_train, _, y_train, _ = split
    model = KerasClassifier(by_width, max_iter=2, random_state=0).fit(X_train, y_train)
    with pytest.raises(ValueError, match=r"\(Rescaling\) cannot be .* one value per"):
        to_onnx(model, X_train[:1])


def test_labels_are_exported_as_int64_or_strings_only(split):
    X_train, _, y_train, _ = split
    huge = ReluSoftmaxClassifier(max_iter=2, random_state=0)
    huge.fit(X_train / 16, y_train.astype(np.uint64) + np.uint64(2**63))
    with pytest.raises(ValueError, match="not all int64 values"):
        to_onnx(huge, X_train[:1])


@pytest.mark.parametrize(
    "labels",
    [lambda y: y % 2 == 1, lambda y: (y % 3).astype(float)],
    ids=["bool", "float"],
)
def test_bool_and_float_labels_come_back_as_they_were(labels, split, tmp_path):
    from skdigits.onnx import OnnxClassifier, export_model

    X_train, X_test, y_train, _ = split
    model = ReluSoftmaxClassifier(max_iter=20, random_state=0)
    model.fit(X_train / 16, labels(y_train))
    export_model(model, tmp_path / "model.onnx")
    predicted = OnnxClassifier(tmp_path / "model.onnx").predict(X_test / 16)
    assert predicted.dtype == model.classes_.dtype
    np.testing.assert_array_equal(predicted, model.predict(X_test / 16))


def test_an_exported_model_checks_its_input(mnist_pipeline, tmp_path):
    from skdigits.onnx import OnnxClassifier, export_model

    model, X = mnist_pipeline
    export_model(model, tmp_path / "model.onnx", zipmap=True)
    exported = OnnxClassifier(tmp_path / "model.onnx")
    # zipmap's dicts come back as one array, in the order of classes_.
    np.testing.assert_allclose(
        exported.predict_proba(X[:5]), model.predict_proba(X[:5]), atol=TOLERANCE
    )
    bad = X[:3].copy()
    bad[1, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        exported.predict_proba(bad)
    with pytest.raises(
        ValueError, match="X has 10 features, but the ONNX model takes 784"
    ):
        exported.predict(X[:3, :10])
    with pytest.raises(ValueError, match="2D array"):
        exported.predict_proba(X[0])


def test_a_graph_without_skdigits_metadata_is_not_guessed_at(split, tmp_path):
    """Its classes could only be guessed: a drawn 3 must not read as 0."""
    from skl2onnx import to_onnx as skl2onnx_to_onnx
    from sklearn.linear_model import LogisticRegression

    from skdigits.draw import load_model

    X_train, _, y_train, _ = split
    keep = np.isin(y_train, [3, 8])
    plain = LogisticRegression(max_iter=200).fit(X_train[keep], y_train[keep])
    path = tmp_path / "plain.onnx"
    onx = skl2onnx_to_onnx(
        plain, X_train[:1], options={"zipmap": False}, target_opset=TARGET_OPSET
    )
    path.write_bytes(onx.SerializeToString())
    with pytest.raises(ValueError, match="not a classifier exported by skdigits"):
        load_model(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda: ReluSoftmaxClassifier(), "is not fitted"),
        (lambda: np.zeros((3, 784)), "Only a fitted classifier is exported"),
        (
            lambda: make_pipeline(
                __import__("sklearn.preprocessing").preprocessing.FunctionTransformer(
                    np.sqrt
                ),
                ReluSoftmaxClassifier(max_iter=2),
            ).fit(np.random.default_rng(0).uniform(size=(50, 784)), np.arange(50) % 2),
            "skl2onnx cannot convert the model",
        ),
    ],
    ids=["unfitted", "an array", "a step skl2onnx cannot convert"],
)
def test_export_refuses_what_it_cannot_export_in_one_line(
    content, message, tmp_path, capsys
):
    import pickle

    from skdigits.__main__ import main

    source = tmp_path / "model.pkl"
    source.write_bytes(pickle.dumps(content()))
    assert main(["export", str(source), str(tmp_path / "model.onnx")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert message in err
    assert ".part" not in err
    assert [p.name for p in tmp_path.iterdir()] == ["model.pkl"]


def test_export_to_a_folder_is_refused(mnist_pipeline, tmp_path):
    from skdigits.onnx import export_model

    with pytest.raises(ValueError, match="is a folder"):
        export_model(mnist_pipeline[0], tmp_path)


def test_nocl_gives_the_classes_indices_as_labels(split):
    """skl2onnx's "nocl" option, as its own converters take it."""
    from skl2onnx import to_onnx as skl2onnx_to_onnx

    from skdigits.onnx import register_converters

    register_converters()
    X_train, X_test, y_train, _ = split
    names = np.array(list("abcdefghij"))[y_train]
    model = ReluSoftmaxClassifier(max_iter=5, random_state=0).fit(X_train, names)
    onx = skl2onnx_to_onnx(
        model,
        X_train[:1],
        options={"nocl": True, "zipmap": False},
        target_opset=TARGET_OPSET,
    )
    session = ort.InferenceSession(onx.SerializeToString())
    labels, proba = session.run(None, {"X": X_test})
    assert labels.dtype == np.int64
    assert_same_answers(model, X_test, model.classes_[labels], proba)


def test_a_convnet_loaded_from_weights_exports(tmp_path, split):
    # A loaded convnet predicts in numpy; its export builds the Keras network
    # from the weights file.
    from skdigits.weights import load_weights, save_weights

    X_train, X_test, y_train, _ = split
    model = ConvNetClassifier(
        filters=(4, 8),
        kernel_size=3,
        hidden_layer_sizes=(16,),
        max_iter=2,
        random_state=0,
    ).fit(X_train / 16, y_train)
    save_weights(model, tmp_path / "convnet.npz")
    loaded = load_weights(tmp_path / "convnet.npz")
    labels, proba = run(loaded, X_test / 16)
    assert_same_answers(loaded, X_test / 16, labels, proba)
