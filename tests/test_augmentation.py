"""The random distortions of skdigits.augmentation (issue 7's first slice)."""

import itertools
import warnings

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter, map_coordinates
from sklearn.exceptions import ConvergenceWarning

from skdigits._jax_runtime.keras import import_keras

import_keras()  # JAX, as the estimators use it
jax = pytest.importorskip("jax")

from skdigits import augmentation  # noqa: E402
from skdigits.augmentation import (  # noqa: E402
    affine_distort,
    elastic_displacements,
    elastic_distort,
    random_blur,
    warp,
)


@pytest.fixture
def strokes():
    """Eight 28x28 images of one thick stroke each, at different places."""
    images = np.zeros((8, 28, 28), dtype=np.float32)
    for i in range(8):
        images[i, 6 + i : 20 + i // 2, 10 + i % 4 : 15 + i % 4] = 1.0
    return images


def test_warp_is_bilinear_with_zeros_outside(strokes):
    shifts = np.asarray(elastic_displacements(jax.random.key(3), 8, (28, 28)))
    expected = np.stack(
        [
            map_coordinates(
                image,
                [np.arange(28)[:, None] + shift[0], np.arange(28)[None, :] + shift[1]],
                order=1,
                mode="constant",
                cval=0.0,
            )
            for image, shift in zip(strokes, shifts, strict=True)
        ]
    )
    np.testing.assert_allclose(warp(strokes, shifts), expected, atol=1e-5)


def test_identity_without_distortion(strokes):
    key = jax.random.key(0)
    np.testing.assert_array_equal(warp(strokes, np.zeros((8, 2, 28, 28))), strokes)
    np.testing.assert_allclose(elastic_distort(key, strokes, alpha=0.0), strokes)
    identity = affine_distort(key, strokes, rotation=0, scale=0, shear=0, translation=0)
    np.testing.assert_allclose(identity, strokes, atol=1e-6)


def test_random_blur_is_a_gaussian_of_a_random_width(strokes):
    key = jax.random.key(5)
    blurred = np.asarray(random_blur(key, strokes, max_sigma=1.5))
    sigmas = np.asarray(jax.random.uniform(key, (8,), minval=0.0, maxval=1.5))
    assert np.ptp(sigmas) > 0.3  # the widths differ between images
    for image, sigma, got in zip(strokes, sigmas, blurred, strict=True):
        # scipy's filter, untruncated, zeros outside; the peak kept.
        want = gaussian_filter(image, sigma, mode="constant", truncate=30.0)
        want *= image.max() / want.max()
        np.testing.assert_allclose(got, want, atol=1e-5)
        assert got.max() == pytest.approx(image.max(), rel=1e-6)
    # Blurring spreads the ink: more pixels are inked.
    assert np.all(
        (blurred > 0.05).sum(axis=(1, 2)) >= (strokes > 0.05).sum(axis=(1, 2))
    )


def test_affine_blur_is_off_by_default_and_keeps_the_other_draws(strokes):
    key = jax.random.key(2)
    sharp = affine_distort(key, strokes)
    assert np.array_equal(affine_distort(key, strokes, blur=0.0), sharp)
    soft = np.asarray(affine_distort(key, strokes, blur=1.5))
    # The same rotation, scale, shear and shift, blurred: the centres of
    # mass stay where the sharp ones are.
    rows = np.arange(28)[None, :, None]
    centre = lambda x: (x * rows).sum(axis=(1, 2)) / x.sum(axis=(1, 2))  # noqa: E731
    np.testing.assert_allclose(centre(soft), centre(np.asarray(sharp)), atol=0.3)
    assert not np.allclose(soft, sharp)


def test_displacement_fields_are_smooth_and_scaled():
    key = jax.random.key(0)
    fields = np.asarray(elastic_displacements(key, 16, (28, 28), alpha=34.0, sigma=4.0))
    assert fields.shape == (16, 2, 28, 28)
    magnitude = np.abs(fields).mean()
    assert 0.3 < magnitude < 3.0  # a pixel or so, as in Simard et al.
    # Neighbouring pixels move nearly alike: far less than unsmoothed noise,
    # whose neighbours differ by 2/3 on average for values in [-1, 1].
    step = np.abs(np.diff(fields, axis=-1)).mean() / magnitude
    assert step < 0.25
    doubled = np.asarray(elastic_displacements(key, 16, (28, 28), alpha=68.0))
    np.testing.assert_allclose(doubled, 2 * fields, rtol=1e-5)


@pytest.mark.parametrize("distort", [elastic_distort, affine_distort])
def test_distorted_digit_stays_close(strokes, distort):
    """Over many random draws (not one), distorted strokes keep their ink,
    place and shape: the bounds hold for the distribution, whatever JAX's
    random numbers."""
    keys = jax.random.split(jax.random.key(1), 32)
    out = np.concatenate([np.asarray(distort(key, strokes)) for key in keys])
    reference = np.concatenate([strokes] * len(keys))
    assert out.shape == reference.shape
    # A smooth field compresses or stretches area locally by about its
    # gradient (~0.17 a pixel here, so up to ~+-35%); the ink follows.
    ink = out.sum(axis=(1, 2)) / reference.sum(axis=(1, 2))
    assert 0.9 < ink.mean() < 1.1
    assert np.mean((ink > 0.6) & (ink < 1.5)) > 0.95

    def centre(images):
        rows, cols = np.indices(images.shape[1:])
        mass = images.sum(axis=(1, 2))
        return np.stack(
            [
                (images * rows).sum(axis=(1, 2)) / mass,
                (images * cols).sum(axis=(1, 2)) / mass,
            ]
        )

    shift = np.abs(centre(out) - centre(reference)).max(axis=0)
    assert np.median(shift) < 1.5
    assert np.mean(shift < 3.0) > 0.95
    ink_kept = ((out > 0.5) & (reference > 0.5)).sum(axis=(1, 2))
    overlap = ink_kept / (reference > 0.5).sum(axis=(1, 2))
    assert np.mean(overlap) > 0.5


def test_reproducible_from_the_key_and_compiled(strokes):
    key = jax.random.key(7)
    first = np.asarray(elastic_distort(key, strokes))
    np.testing.assert_array_equal(np.asarray(elastic_distort(key, strokes)), first)
    assert not np.allclose(
        np.asarray(elastic_distort(jax.random.key(8), strokes)), first
    )
    compiled = jax.jit(lambda k, x: affine_distort(k, x))
    np.testing.assert_allclose(
        compiled(key, strokes), affine_distort(key, strokes), atol=1e-5
    )


# The estimators' augmentation ------------------------------------------------------

from skdigits import ReluSoftmaxClassifier, SigmoidNetClassifier  # noqa: E402

ELASTIC_8X8 = {"alpha": 8.0, "sigma": 1.0}


def fit(Estimator, X, y, **params):
    params = {"max_iter": 5, "random_state": 0, "learning_rate_init": 0.01, **params}
    return Estimator(**params).fit(X, y)


@pytest.mark.parametrize("Estimator", [ReluSoftmaxClassifier, SigmoidNetClassifier])
def test_unaugmented_path_unchanged(digits, Estimator):
    X, y = digits
    plain = fit(Estimator, X, y).predict_proba(X)
    # An elastic distortion of size 0 draws and applies nothing visible:
    # bit for bit the model without augmentation.
    zero = fit(
        Estimator, X, y, augmentation="elastic", augmentation_params={"alpha": 0.0}
    )
    np.testing.assert_array_equal(zero.predict_proba(X), plain)


def test_augmentation_is_reproducible_and_changes_training(digits):
    X, y = digits
    params = {"augmentation": "elastic", "augmentation_params": ELASTIC_8X8}
    first = fit(ReluSoftmaxClassifier, X, y, **params)
    second = fit(ReluSoftmaxClassifier, X, y, **params)
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))
    plain = fit(ReluSoftmaxClassifier, X, y)
    assert not np.allclose(first.predict_proba(X), plain.predict_proba(X))
    other_seed = fit(ReluSoftmaxClassifier, X, y, random_state=1, **params)
    assert not np.allclose(first.predict_proba(X), other_seed.predict_proba(X))


def test_augmentation_is_off_at_prediction(digits):
    X, y = digits
    clf = fit(
        ReluSoftmaxClassifier,
        X,
        y,
        augmentation="affine",
        early_stopping=True,
        n_iter_no_change=2,
        max_iter=10,
    )
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    # The Keras network, not trained on the fly, gives the same probabilities.
    keras_proba = np.asarray(clf.model_.predict(X, verbose=0))
    np.testing.assert_allclose(proba, keras_proba, atol=1e-5)
    # Early stopping scored the validation split undistorted: the best score
    # is that of the kept weights on data the network could have seen whole.
    assert clf.best_validation_score_ == max(clf.validation_scores_)


def test_augmentation_needs_an_image_shape(digits):
    X, y = digits
    with pytest.raises(ValueError, match="Pass image_shape"):
        ReluSoftmaxClassifier(augmentation="elastic").fit(X[:, :30], y)
    clf = fit(
        ReluSoftmaxClassifier,
        X[:, :30],
        y,
        augmentation="elastic",
        augmentation_params=ELASTIC_8X8,
        image_shape=(5, 6),
    )
    assert clf.n_iter_ == 5
    with pytest.raises(ValueError, match=r"\['beta'\] are not parameters"):
        ReluSoftmaxClassifier(
            augmentation="elastic", augmentation_params={"beta": 1}
        ).fit(X, y)


def test_cosine_schedule_decays_to_zero(digits):
    from keras.callbacks import Callback

    class RecordWeights(Callback):
        def __init__(self):
            super().__init__()
            self.kernels = []

        def on_epoch_end(self, epoch, logs=None):
            self.kernels.append(np.array(self.model.get_weights()[0]))

    X, y = digits
    steps = {}
    for schedule in ("constant", "cosine"):
        record = RecordWeights()
        fit(
            ReluSoftmaxClassifier,
            X,
            y,
            max_iter=20,
            learning_rate=schedule,
            callbacks=[record],
        )
        steps[schedule] = [
            np.abs(b - a).max() for a, b in itertools.pairwise(record.kernels)
        ]
    # A cosine schedule runs its max_iter epochs whatever tol says.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = fit(ReluSoftmaxClassifier, X, y, learning_rate="cosine", tol=10.0)
    assert clf.n_iter_ == 5
    # The last epoch runs at lr * (1 + cos(19/20 pi)) / 2 = 0.6% of the rate.
    assert steps["cosine"][-1] < 0.1 * steps["constant"][-1]
    assert steps["cosine"][0] > 0.5 * steps["constant"][0]


@pytest.mark.parametrize(
    ("augmentation", "params", "message"),
    [
        ("affine", {"rotation": np.nan}, "'rotation' parameter .* Got nan"),
        ("affine", {"rotation": np.inf}, "'rotation' parameter"),
        ("affine", {"scale": 1.5}, "'scale' parameter"),
        ("affine", {"translation": -2.0}, "'translation' parameter"),
        ("affine", {"blur": "wide"}, "'blur' parameter"),
        ("elastic", {"alpha": -1e9, "sigma": 4.0}, "'alpha' parameter"),
        ("elastic", {"sigma": -1.0}, "'sigma' parameter"),
        ("elastic", {"sigma": 0.0}, "'sigma' parameter"),
        ("elastic", {"alpha": True}, r"\['alpha'\] of 'elastic' are booleans"),
        ("affine", {"translation": 1e30}, "moves the 8x8 images out of their frame"),
    ],
)
def test_bad_augmentation_params_are_refused_before_training(
    augmentation, params, message, digits
):
    X, y = digits
    clf = ReluSoftmaxClassifier(
        augmentation=augmentation, augmentation_params=params, max_iter=1
    )
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)
    assert not hasattr(clf, "n_iter_")  # refused before the first epoch


def test_the_constraints_name_each_distortions_parameters():
    """One list of parameters per distortion: its function's keywords."""
    functions = {
        "affine": augmentation.affine_distort,
        "elastic": augmentation.elastic_distort,
    }
    assert set(augmentation.PARAMETER_CONSTRAINTS) == set(functions)
    for name, function in functions.items():
        keywords = list(function.__kwdefaults__)
        assert list(augmentation.PARAMETER_CONSTRAINTS[name]) == keywords
        for keyword, default in function.__kwdefaults__.items():
            # Each default satisfies its own constraint.
            assert any(
                c.is_satisfied_by(default)
                for c in augmentation.PARAMETER_CONSTRAINTS[name][keyword]
            )
