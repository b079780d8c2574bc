"""ConvNetClassifier: the convolutional network for digit images.

Its engine is KerasClassifier's (tested there); these tests are about what
this estimator adds: its network, its parameters and defaults, and the
guarantees of the other two estimators, held by this network too.
"""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.ensemble import VotingClassifier
from sklearn.model_selection import GridSearchCV, cross_val_predict, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks
from test_keras_classifier import CONV_THREADS_REASON, UNPICKLE, _xla_threads_here

from skdigits import ConvNetClassifier, PixelScaler

DROPOUT_REASON = (
    "dropout=0.25 draws one mask per sample: repeated samples get different masks"
)


def small(**params):
    """A network small enough for tests on 8x8 digits."""
    defaults = dict(filters=(8,), kernel_size=3, hidden_layer_sizes=(16,))
    return ConvNetClassifier(**{**defaults, "random_state": 0, **params})


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(
    [ConvNetClassifier()],
    expected_failed_checks=lambda estimator: {
        "check_sample_weight_equivalence_on_dense_data": DROPOUT_REASON,
        "check_sample_weight_equivalence_on_sparse_data": DROPOUT_REASON,
    },
)
def test_sklearn_estimator_checks_at_the_defaults(estimator, check):
    check(estimator)


def test_sample_weights_equal_repetitions_without_dropout(digits):
    """What the declared checks test, without dropout: float32-close."""
    X, y = digits[0][:60], digits[1][:60]
    weights = np.random.default_rng(0).integers(0, 3, len(y))
    clf = small(dropout=0, max_iter=20, shuffle=False)
    weighted = clone(clf).fit(X, y, sample_weight=weights)
    repeated = clone(clf).fit(np.repeat(X, weights, 0), np.repeat(y, weights))
    np.testing.assert_allclose(
        weighted.predict_proba(X), repeated.predict_proba(X), atol=2e-4
    )


def test_the_network(digits):
    X, y = digits
    clf = ConvNetClassifier(
        filters=(4, 6), kernel_size=3, hidden_layer_sizes=(16, 12), max_iter=1
    ).fit(X, y)
    layers = clf.model_.layers
    assert [type(layer).__name__ for layer in layers] == [
        "Reshape",
        "Conv2D",
        "Conv2D",
        "Flatten",
        "Dense",
        "Dropout",
        "Dense",
        "Dropout",
        "Dense",
    ]
    # Each convolution halves the 8x8 image.
    assert [tuple(layer.output.shape) for layer in layers[:3]] == [
        (None, 8, 8, 1),
        (None, 4, 4, 4),
        (None, 2, 2, 6),
    ]
    assert layers[1].kernel.shape == (3, 3, 1, 4)
    assert layers[-1].units == 10
    assert clf.out_activation_ == "softmax"
    assert clf.n_layers_ == len(layers)
    no_dense = ConvNetClassifier(filters=3, hidden_layer_sizes=(), max_iter=1)
    names = [type(layer).__name__ for layer in no_dense.fit(X, y).model_.layers]
    assert names == ["Reshape", "Conv2D", "Flatten", "Dense"]


def test_strides_set_each_convolutions_stride(digits):
    X, y = digits
    clf = small(filters=(4, 6, 6), strides=(2, 1, 2), max_iter=1).fit(X, y)
    assert [layer.strides for layer in clf.model_.layers[1:4]] == [
        (2, 2),
        (1, 1),
        (2, 2),
    ]
    # "same" padding: a stride of 1 keeps the size, 2 halves it (rounding up).
    assert [tuple(layer.output.shape) for layer in clf.model_.layers[1:4]] == [
        (None, 4, 4, 4),
        (None, 4, 4, 6),
        (None, 2, 2, 6),
    ]
    # One int is every convolution's stride.
    clf = small(filters=(4, 6), strides=1, max_iter=1).fit(X, y)
    assert [tuple(layer.output.shape) for layer in clf.model_.layers[1:3]] == [
        (None, 8, 8, 4),
        (None, 8, 8, 6),
    ]


def test_the_image_shape(digits):
    X, y = digits
    wide = np.hstack([X, X])  # 128 features: not a square
    clf = small(max_iter=1).fit(wide, y)
    assert tuple(clf.model_.layers[0].output.shape) == (None, 1, 128, 1)
    clf = small(max_iter=1, image_shape=(8, 16)).fit(wide, y)
    assert tuple(clf.model_.layers[0].output.shape) == (None, 8, 16, 1)
    with pytest.raises(ValueError, match=r"image_shape=\(8, 8\) has 64 pixels"):
        small(image_shape=(8, 8)).fit(wide, y)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (dict(filters=()), "filters must be one or more positive integers"),
        (dict(filters=(8, 0)), "filters must be one or more positive integers"),
        (dict(hidden_layer_sizes=(16, -1)), "hidden_layer_sizes must be positive"),
        (dict(kernel_size=0), "kernel_size"),
        (dict(strides=0), "strides"),
        (dict(strides=(0,)), "strides must be one or more positive integers"),
        (dict(strides=(2, 2)), r"one stride for each of the 1 convolutions"),
        (dict(augmentation="wobbly"), "augmentation"),
        # image_shape is (height, width), two positive integers.
        (dict(image_shape=(4, 4, 4)), r"image_shape must be \(height, width\)"),
        (dict(image_shape=(64,)), r"image_shape must be \(height, width\)"),
        (dict(image_shape=(-8, -8)), r"two positive integers; got \(-8, -8\)"),
        (dict(image_shape=(0.5, 128)), r"two positive integers; got \(0.5, 128\)"),
        (dict(image_shape=(True, 64)), "two positive integers"),
        (dict(image_shape=8), "image_shape. parameter of ConvNetClassifier"),
    ],
)
def test_bad_parameters_are_refused(params, message, digits):
    X, y = digits
    with pytest.raises(ValueError, match=message):
        small(**params).fit(X, y)


def _mnist_like(n=40, seed=0):
    """Random 28x28 images of two classes, in MNIST's format."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, 784)).astype(np.float32)
    y = np.arange(n) % 2
    X[y == 1, :392] = 0  # class 1: the top half is blank
    return X, y


def test_automatic_augmentation_is_affine_for_28x28_images_only(digits):
    X, y = _mnist_like()
    fits = {
        augmentation: small(augmentation=augmentation, max_iter=2).fit(X, y)
        for augmentation in ("auto", "affine", None)
    }
    auto, affine, none = (fits[k].predict_proba(X) for k in ("auto", "affine", None))
    np.testing.assert_array_equal(auto, affine)
    assert not np.array_equal(auto, none)
    # 8x8 images are not distorted: "auto" is no augmentation there.
    X, y = digits
    auto = small(max_iter=2).fit(X, y).predict_proba(X)
    none = small(augmentation=None, max_iter=2).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(auto, none)


def test_it_swaps_for_mlp_classifier_in_a_pipeline_and_a_search(digits):
    X, y = digits
    grid = {"clf__hidden_layer_sizes": [(8,), (32,)], "clf__alpha": [1e-4]}
    order = np.random.default_rng(0).permutation(len(X))
    X, y = X[order], y[order]
    for clf in (
        MLPClassifier(max_iter=40, random_state=0),
        small(filters=(16, 32), max_iter=40),
    ):
        pipeline = Pipeline([("scale", PixelScaler(max_value=1)), ("clf", clf)])
        search = GridSearchCV(pipeline, grid, cv=2).fit(X, y)
        assert search.best_score_ > 0.8, type(clf).__name__
        assert search.best_estimator_.predict(X[:5]).shape == (5,)


def test_it_reads_8x8_digits(digits):
    X, y = digits
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    clf = small(filters=(16, 32), hidden_layer_sizes=(64,), max_iter=60)
    assert clf.fit(X_train, y_train).score(X_test, y_test) > 0.95


def test_random_state_fixes_the_bits(digits):
    X, y = digits
    first = small(max_iter=3).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, small(max_iter=3).fit(X, y).predict_proba(X))
    other = small(max_iter=3, random_state=1).fit(X, y).predict_proba(X)
    assert not np.array_equal(first, other)


def test_a_committee_of_seeds_averages_their_probabilities(digits):
    """The user guide's committee: a soft VotingClassifier of seeds."""
    X, y = digits
    network = small(max_iter=3)
    committee = VotingClassifier(
        [(f"seed{s}", clone(network).set_params(random_state=s)) for s in range(2)],
        voting="soft",
    ).fit(X, y)
    members = [clone(network).set_params(random_state=s).fit(X, y) for s in range(2)]
    np.testing.assert_allclose(
        committee.predict_proba(X),
        np.mean([m.predict_proba(X) for m in members], axis=0),
        rtol=1e-6,
    )
    # Two seeds disagree somewhere, or the average would teach nothing.
    assert not np.array_equal(members[0].predict(X), members[1].predict(X))


@pytest.mark.xfail(_xla_threads_here() > 1, reason=CONV_THREADS_REASON, strict=False)
def test_the_same_bits_under_any_n_jobs(digits):
    X, y = digits
    clf = small(max_iter=3)
    serial = cross_val_predict(clf, X, y, cv=2, method="predict_proba", n_jobs=1)
    parallel = cross_val_predict(clf, X, y, cv=2, method="predict_proba", n_jobs=2)
    np.testing.assert_array_equal(serial, parallel)


def test_the_same_predictions_under_any_n_jobs(digits):
    """Where the bits may differ (above), the fits agree to rounding."""
    X, y = digits
    clf = small(max_iter=3)
    serial = cross_val_predict(clf, X, y, cv=2, method="predict_proba", n_jobs=1)
    parallel = cross_val_predict(clf, X, y, cv=2, method="predict_proba", n_jobs=2)
    np.testing.assert_allclose(serial, parallel, atol=1e-4)


def test_partial_fit_and_warm_start_continue_one_live_model(digits):
    X, y = digits
    clf = small()
    clf.partial_fit(X, y, classes=np.arange(10))
    model, first = clf.model_, clf.predict_proba(X)
    clf.partial_fit(X, y)
    assert clf.model_ is model
    assert clf.t_ == 2 * len(X)
    assert not np.array_equal(clf.predict_proba(X), first)
    np.testing.assert_allclose(
        clf.predict_proba(X[:10]), model.predict(X[:10], verbose=0), atol=1e-6
    )
    clf.set_params(warm_start=True, max_iter=2).fit(X, y)
    assert clf.model_ is model
    assert clf.n_iter_ == 2
    with pytest.raises(ValueError, match="other weights than the fitted one"):
        clf.set_params(filters=(4,)).fit(X, y)
    assert clf.model_ is model


def test_early_stopping_keeps_the_best_epoch(digits):
    X, y = digits
    clf = small(early_stopping=True, learning_rate="constant", max_iter=50)
    clf.set_params(n_iter_no_change=3).fit(X, y)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.n_iter_ < 50 or len(clf.validation_scores_) == 50


def test_multilabel_targets_get_sigmoid_outputs(digits):
    X, y = digits
    Y = np.column_stack([y % 2, y > 4])
    clf = small(max_iter=20).fit(X, Y)
    assert clf.out_activation_ == "logistic"
    assert clf.predict(X).shape == Y.shape
    assert np.mean(clf.predict(X) == Y) > 0.8


def test_an_unpickled_estimator_predicts_without_keras(tmp_path, digits):
    X, y = digits
    clf = small(max_iter=2).fit(X, y)
    path = tmp_path / "clf.pkl"
    path.write_bytes(pickle.dumps((clf, X[:40], clf.predict_proba(X[:40]))))
    out = subprocess.run(
        [sys.executable, "-c", UNPICKLE, str(path)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=240,
    )
    assert out.stdout.split() == ["False"], out.stderr
