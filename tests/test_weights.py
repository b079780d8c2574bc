"""Weights files: fitted networks saved and loaded without pickle or Keras,
and the models skdigits ships."""

import dataclasses

import numpy as np
import pytest
from python_processes import printed_by_python
from sklearn.exceptions import NotFittedError

from skdigits import ConvNetClassifier, ReluSoftmaxClassifier, weights
from skdigits.weights import load_weights, save_weights, shipped_model

SMALL = {"filters": (4, 8), "kernel_size": 3, "hidden_layer_sizes": (16,)}


@pytest.fixture(scope="module")
def fitted(digits):
    X, y = digits
    return ConvNetClassifier(**SMALL, max_iter=3, random_state=0).fit(X, y)


@pytest.mark.parametrize(
    "params",
    [
        SMALL,
        # An even kernel (its "same" padding is uneven), one stride of 1, no
        # dense layer.
        {
            "filters": (3, 5),
            "kernel_size": 4,
            "strides": (1, 2),
            "hidden_layer_sizes": (),
        },
        # Rows of pixels that are no square: one row, a 1-D convolution.
        {"filters": (4,), "kernel_size": 5, "hidden_layer_sizes": (8, 8), "strides": 3},
    ],
)
def test_a_loaded_convnet_predicts_as_the_fitted_one(tmp_path, digits, params):
    X, y = digits
    if params.get("strides") == 3:
        X = X[:, :60]
    clf = ConvNetClassifier(**params, max_iter=2, random_state=0).fit(X, y)
    path = tmp_path / "convnet.npz"
    save_weights(clf, path)
    assert [p.name for p in tmp_path.iterdir()] == ["convnet.npz"]
    loaded = load_weights(path)
    assert type(loaded) is ConvNetClassifier
    np.testing.assert_allclose(
        loaded.predict_proba(X), clf.predict_proba(X), rtol=1e-5, atol=1e-6
    )
    assert np.array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.get_params()["filters"] == tuple(clf.filters)
    assert loaded.n_features_in_ == clf.n_features_in_
    assert loaded.out_activation_ == "softmax"


def test_labels_and_multilabel_targets_survive_the_file(tmp_path, digits):
    X, y = digits
    words = np.array(["even", "odd"], dtype=object)[y % 2]
    Y = np.stack([y % 2, y > 4], axis=1).astype(int)
    for target in (words, Y):
        clf = ConvNetClassifier(**SMALL, max_iter=1, random_state=0).fit(X, target)
        save_weights(clf, tmp_path / "c.npz")
        loaded = load_weights(tmp_path / "c.npz")
        assert np.array_equal(loaded.classes_, clf.classes_)
        assert loaded.classes_.dtype == clf.classes_.dtype
        assert np.array_equal(loaded.predict(X), clf.predict(X))


def test_a_weights_file_holds_no_pickle_and_loads_without_keras(tmp_path, fitted):
    path = tmp_path / "convnet.npz"
    save_weights(fitted, path)
    with np.load(path, allow_pickle=False) as data:
        assert {"meta", "classes"} <= set(data.files)
    predicted, keras, jax = printed_by_python(LOAD_WITHOUT_KERAS, path)
    assert predicted == str(fitted.predict(np.zeros((1, 64)))[0])
    assert (keras, jax) == ("False", "False")


LOAD_WITHOUT_KERAS = """
import sys
import numpy as np
from skdigits.weights import load_weights
clf = load_weights(sys.argv[1])
print(clf.predict(np.zeros((1, 64)))[0], "keras" in sys.modules, "jax" in sys.modules)
"""


def test_a_loaded_convnet_is_fine_tuned_from_its_weights(tmp_path, digits, fitted):
    X, y = digits
    save_weights(fitted, tmp_path / "c.npz")
    loaded = load_weights(tmp_path / "c.npz")
    # Its Keras network holds the file's weights.
    keras_proba = np.asarray(
        loaded.model_.predict(X[:50].astype(np.float32), verbose=0)
    )
    np.testing.assert_allclose(keras_proba, fitted.predict_proba(X[:50]), atol=1e-5)
    loaded = load_weights(tmp_path / "c.npz").set_params(warm_start=True, max_iter=1)
    loaded.fit(X, y)
    assert loaded.n_iter_ == 1
    # It continued from the weights: its first epoch's loss is below a new
    # network's first, and its partial_fit goes on from there.
    fresh = ConvNetClassifier(**SMALL, max_iter=1, random_state=0).fit(X, y)
    assert loaded.loss_ < fresh.loss_
    partial = load_weights(tmp_path / "c.npz").partial_fit(X, y)
    assert partial.loss_ < fresh.loss_
    with pytest.raises(ValueError, match="classes"):
        load_weights(tmp_path / "c.npz").partial_fit(X, y + 10)


def test_a_failed_continued_fit_leaves_the_loaded_estimator_as_it_was(
    tmp_path, digits, fitted
):
    X, y = digits
    save_weights(fitted, tmp_path / "c.npz")
    loaded = load_weights(tmp_path / "c.npz").set_params(warm_start=True)
    before = loaded.predict_proba(X)
    with pytest.raises(ValueError, match="features"):
        loaded.fit(X[:, :10], y)
    assert "_loaded" in loaded.__dict__
    np.testing.assert_array_equal(loaded.predict_proba(X), before)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_what_has_no_weights_file_is_named(tmp_path, digits):
    X, y = digits
    with pytest.raises(TypeError, match="pickle it"):
        save_weights(ReluSoftmaxClassifier(max_iter=1).fit(X, y), tmp_path / "r.npz")
    with pytest.raises(NotFittedError):
        save_weights(ConvNetClassifier(), tmp_path / "c.npz")
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda path: path.write_bytes(b"not a zip"), "not an .npz archive"),
        (lambda path: path.write_bytes(path.read_bytes()[:300]), "weights file"),
        (lambda path: np.savez(path, x=np.zeros(2)), "not a weights file"),
        (lambda path: _rewrite(path, drop="weights/conv_2/kernel"), "conv_2/kernel"),
        (lambda path: _rewrite(path, scale=np.nan), "non-finite"),
        (lambda path: _rewrite(path, meta={"estimator": "Lenet"}), "'Lenet'"),
        (lambda path: _rewrite(path, meta={"format": 9}), "layout 9"),
        (lambda path: _rewrite(path, params={"units": 3}), "unknown parameters"),
    ],
)
def test_a_damaged_weights_file_is_named(tmp_path, fitted, damage, message):
    path = tmp_path / "convnet.npz"
    save_weights(fitted, path)
    damage(path)
    with pytest.raises(ValueError, match=message):
        load_weights(path)


def test_a_file_declaring_huge_arrays_is_refused_unread(tmp_path, fitted):
    # A header may claim any shape: 2**40 float32 values in a few bytes.
    import zipfile

    path = tmp_path / "convnet.npz"
    save_weights(fitted, path)
    header = np.lib.format.header_data_from_array_1_0(np.zeros(1, np.float32))
    header["shape"] = (2**40,)
    with (
        zipfile.ZipFile(path, "a") as archive,
        archive.open("weights/huge.npy", "w") as member,
    ):
        np.lib.format.write_array_header_1_0(member, header)
        member.write(b"\0" * 16)
    with pytest.raises(ValueError, match=r"declare 4,398,046,\d{3},\d{3} bytes"):
        load_weights(path)


def _rewrite(path, *, drop=None, scale=1.0, meta=None, params=None):
    import json

    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files if k != drop}
    described = json.loads(str(arrays["meta"]))
    described.update(meta or {})
    described["params"].update(params or {})
    arrays["meta"] = np.array(json.dumps(described))
    arrays["weights/conv_1/kernel"] = arrays["weights/conv_1/kernel"] * scale
    np.savez(path, **arrays)


def test_a_field_reader_file_is_not_a_classifier_file(tmp_path, fitted):
    from skdigits.field_reader import load_reader

    save_weights(fitted, tmp_path / "c.npz")
    with pytest.raises(ValueError, match="not of a field reader"):
        load_reader(tmp_path / "c.npz")


@pytest.mark.parametrize("name", ["convnet", "field_reader"])
def test_a_shipped_model_is_the_recorded_file(monkeypatch, tmp_path, name):
    shipped = weights.SHIPPED_MODELS[name]
    assert shipped_model(name).n_features_in_ > 0
    changed = tmp_path / shipped.file
    data = bytearray(shipped.path.read_bytes())
    data[-1] ^= 1
    changed.write_bytes(bytes(data))
    monkeypatch.setitem(
        weights.SHIPPED_MODELS, name, dataclasses.replace(shipped, file=str(changed))
    )
    with pytest.raises(ValueError, match="not the file skdigits shipped"):
        shipped_model(name)
    with pytest.raises(ValueError, match="name must be one of"):
        shipped_model("lenet")


@pytest.mark.mnist
def test_the_shipped_convnet_reads_mnist_test_digits_as_recorded(mnist_home):
    from skdigits.datasets import fetch_mnist
    from skdigits.metrics import rejection_at_error

    X, y = fetch_mnist(data_home=mnist_home, subset="test", return_X_y=True)
    clf = shipped_model("convnet")
    figures = weights.SHIPPED_MODELS["convnet"].figures
    proba = clf.predict_proba(X / 255)
    # The numpy forward pass gives the accuracy the training script measured
    # with the fitted network, within a digit or two of rounding's ties.
    accuracy = np.mean(clf.classes_[proba.argmax(axis=1)] == y)
    assert abs(accuracy - figures["accuracy"]) <= 2e-4
    assert clf.classes_[proba.argmax(axis=1)].tolist() == clf.predict(X / 255).tolist()
    assert rejection_at_error(y, proba, 0.005, labels=clf.classes_) == pytest.approx(
        0.0, abs=0.002
    )


def test_the_drawing_page_serves_the_shipped_convnet_without_training(monkeypatch):
    from skdigits.draw import _models, default_model

    def train(*args):
        raise AssertionError("the shipped convnet needs no training")

    monkeypatch.setattr(_models, "_train_default", train)
    served = default_model("convnet")
    figures = weights.SHIPPED_MODELS["convnet"].figures
    assert f"{figures['accuracy']:.2%}" in served.description
    assert served.reject_threshold == figures["reject_threshold"]
    stroke = np.zeros((1, 28, 28), np.uint8)
    stroke[0, 4:24, 13:15] = 255  # a vertical bar: a 1
    assert served.estimator.predict(stroke.reshape(1, -1))[0] == 1
