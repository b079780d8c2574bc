"""Hostile input to reading and the normalizer: each test is an attack and the
answer it must get. Nothing is read from noise, and nothing ambiguous is
guessed at: a bad value is refused with a message naming it."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from skdigits.preprocessing import (
    DigitNormalizer,
    NoInkError,
    PixelScaler,
    normalize_digit,
)
from skdigits.reading import read_digits, segment_digits


def field_with_digits(n=3, shape=(80, 300)):
    field = np.full(shape, 235.0)
    for i in range(n):
        field[10:60, 20 + 70 * i : 28 + 70 * i] = 20.0
    return field


class ProbaClassifier(ClassifierMixin, BaseEstimator):
    """Gives ``proba`` for each row, and records the largest pixel it saw."""

    def __init__(self, proba=None):
        self.proba = proba

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        self.seen_max_ = float(np.max(X))
        row = np.full(len(self.classes_), 1 / len(self.classes_))
        if self.proba is not None:
            row = np.asarray(self.proba, dtype=float)
        return np.tile(row, (len(X), 1))


def fitted_proba_classifier(proba=None):
    return ProbaClassifier(proba).fit(np.zeros((10, 784)), np.arange(10))


# 1. One image is never read as many ----------------------------------------------


def test_one_square_image_as_a_2d_array_is_refused_as_ambiguous():
    image = np.zeros((64, 64))
    image[10:54, 28:36] = 255
    with pytest.raises(ValueError, match=r"ambiguous.*pass \[image\]"):
        DigitNormalizer(on_empty="zeros").fit_transform(image)
    # Said plainly, it is one image...
    assert DigitNormalizer().fit_transform([image]).shape == (1, 784)
    assert DigitNormalizer().fit_transform(image[np.newaxis]).shape == (1, 784)
    # ...or 64 rows of 8x8 pixels.
    rows = DigitNormalizer(image_shape=(8, 8), on_empty="zeros").fit_transform(image)
    assert rows.shape == (64, 784)


def test_one_28x28_image_as_a_2d_array_gets_a_message_saying_how():
    image = np.zeros((28, 28))
    image[4:24, 12:16] = 1
    with pytest.raises(ValueError, match=r"rows of pixels.*pass \[image\]"):
        DigitNormalizer().fit_transform(image)


def test_a_colour_image_is_named_as_such_not_read_as_28_thin_images():
    rgb = np.zeros((28, 28, 3))
    rgb[4:24, 12:16] = 1
    with pytest.raises(ValueError, match="colour image"):
        DigitNormalizer().fit_transform(rgb)
    with pytest.raises(ValueError, match="colour image"):
        DigitNormalizer().fit_transform([rgb])
    with pytest.raises(ValueError, match="colour image"):
        normalize_digit(rgb)


# 2. Specks are not digits -----------------------------------------------------------


def test_a_field_of_specks_reads_nothing():
    field = np.full((60, 600), 235.0)
    field[30, 10:600:20] = 20.0  # 30 one-pixel specks
    with pytest.raises(NoInkError, match="only specks"):
        read_digits(field, fitted_proba_classifier())
    with pytest.raises(NoInkError, match="only specks"):
        segment_digits(field)


def test_specks_beside_digits_are_dropped():
    field = field_with_digits(3)
    field[70, 250:290:4] = 20.0  # ten specks after the digits
    assert len(segment_digits(field)) == 3


def test_one_speck_on_a_clean_page_is_no_digit():
    page = np.full((100, 100), 255.0)
    page[50, 50] = 0.0
    with pytest.raises(NoInkError, match="only specks"):
        normalize_digit(page)
    page[50:52, 50:52] = 0.0  # a 2x2 blot: still a speck
    with pytest.raises(NoInkError):
        normalize_digit(page)
    assert DigitNormalizer(on_empty="zeros").fit_transform([page]).sum() == 0


def test_a_small_real_digit_is_still_read():
    # A "1" 8 pixels tall in a 100x100 image is small, not a speck.
    page = np.full((100, 100), 255.0)
    page[40:48, 50:52] = 0.0
    digit = normalize_digit(page)
    assert digit.max() == pytest.approx(1.0)
    # ...but not with min_size asking for a tenth of the side.
    with pytest.raises(NoInkError):
        normalize_digit(page, min_size=0.1)


# 3. Probabilities that cannot be right are refused --------------------------------


@pytest.mark.parametrize(
    ("proba", "match"),
    [
        ([np.nan] * 10, "NaN or infinite"),
        ([np.inf] + [0.0] * 9, "NaN or infinite"),
        ([1.5] + [0.0] * 9, "outside"),
        ([-0.5, 1.5] + [0.0] * 8, "outside"),
        ([0.5] * 5, "shape"),
    ],
    ids=["nan", "inf", "above-one", "negative", "wrong-shape"],
)
def test_probabilities_that_cannot_be_right_are_refused(proba, match):
    with pytest.raises(ValueError, match=match):
        read_digits(field_with_digits(), fitted_proba_classifier(proba))
    with pytest.raises(ValueError, match=match):
        read_digits(
            field_with_digits(), fitted_proba_classifier(proba), reject_threshold=0.9
        )


# 4. The README's pipeline reads what it was trained on ------------------------------


def test_a_pixel_scaler_pipeline_gets_pixels_on_its_scale():
    X = np.zeros((10, 784))
    pipeline = make_pipeline(PixelScaler(), ProbaClassifier()).fit(X, np.arange(10))
    read_digits(field_with_digits(), pipeline)
    assert pipeline[-1].seen_max_ == pytest.approx(1.0)  # 255 / 255
    bare = fitted_proba_classifier()
    read_digits(field_with_digits(), bare)
    assert bare.seen_max_ == pytest.approx(1.0)
    read_digits(field_with_digits(), pipeline, pixel_max=1.0)  # said: obeyed
    assert pipeline[-1].seen_max_ == pytest.approx(1 / 255)


# 5. Parameters and input of the wrong kind ------------------------------------------

IMAGE = field_with_digits(1, shape=(80, 80))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"box": 0},
        {"box": -5},
        {"box": 2.5},
        {"size": 0},
        {"box": 30},  # larger than size
        {"min_piece": 2},
        {"min_piece": -0.1},
        {"min_contrast": np.nan},
        {"min_contrast": -1},
        {"min_size": np.nan},
        {"polarity": "dark"},
    ],
)
def test_normalize_digit_refuses_bad_parameters(kwargs):
    with pytest.raises((InvalidParameterError, ValueError)):
        normalize_digit(IMAGE, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"overlap": -1},
        {"overlap": 2},
        {"min_height": np.nan},
        {"min_height": 1.5},
        {"polarity": None},
    ],
)
def test_segment_digits_refuses_bad_parameters(kwargs):
    with pytest.raises(InvalidParameterError):
        segment_digits(field_with_digits(), **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"reject_threshold": np.nan},
        {"reject_threshold": -1},
        {"reject_threshold": 1.5},
        {"reject_threshold": True},
        {"reject_threshold": "0.5"},
        {"pixel_max": 0},
        {"pixel_max": -255},
        {"pixel_max": np.nan},
    ],
)
def test_read_digits_refuses_bad_parameters(kwargs):
    with pytest.raises((InvalidParameterError, TypeError)):
        read_digits(field_with_digits(), fitted_proba_classifier(), **kwargs)


def test_read_digits_refuses_what_is_no_classifier():
    with pytest.raises(InvalidParameterError, match="predict_proba"):
        read_digits(field_with_digits(), object())


@pytest.mark.parametrize(
    ("image", "match"),
    [
        (IMAGE + 1j, "complex"),
        (np.ma.masked_array(IMAGE, mask=IMAGE < 100), "masked array"),
        (IMAGE.astype(str), "not numeric"),
        (IMAGE.astype(object), "not numeric"),
        (sp.csr_matrix(IMAGE), "sparse"),
        (IMAGE[0], "2-D"),
        (np.zeros((0, 5)), "2-D"),
        (np.where(IMAGE > 100, np.nan, IMAGE), "finite"),
    ],
    ids=["complex", "masked", "strings", "objects", "sparse", "1-D", "empty", "nan"],
)
def test_images_of_the_wrong_kind_are_refused_by_name(image, match):
    with pytest.raises((TypeError, ValueError), match=match):
        normalize_digit(image)
    with pytest.raises((TypeError, ValueError), match=match):
        read_digits(image, fitted_proba_classifier())


def test_digit_normalizer_refuses_wrong_kinds_and_takes_sparse_rows():
    rows = np.zeros((2, 784))
    rows[:, 28 * 5 + 10 : 28 * 5 + 14] = 1  # a bar in each
    for r in range(5, 23):
        rows[:, 28 * r + 12 : 28 * r + 15] = 1
    dense = DigitNormalizer().fit_transform(rows)
    np.testing.assert_array_equal(
        DigitNormalizer().fit_transform(sp.csr_matrix(rows)), dense
    )
    with pytest.raises(TypeError, match="masked array"):
        DigitNormalizer().fit_transform(np.ma.masked_array(rows))
    with pytest.raises(ValueError, match="complex"):
        DigitNormalizer().fit_transform(rows + 1j)
    with pytest.raises(ValueError, match="not numeric"):
        DigitNormalizer().fit_transform([IMAGE.astype(str)])


# 6. A huge image in bounded memory -------------------------------------------------


def test_a_huge_image_is_read_within_a_few_times_its_memory():
    # The case: 100 MB, which once peaked at 3.4 GB. Work is done on a
    # reduced copy of at most 4 Mpx, so the peak does not grow with the input.
    image = np.full((10_000, 10_000), 235, dtype=np.uint8)
    image[2000:8000, 4700:5300] = 20  # a "1"
    tracemalloc.start()
    try:
        digit = normalize_digit(image)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * image.nbytes  # one float64 copy of it would be 8x
    assert digit.shape == (28, 28)
    rows, cols = np.nonzero(digit > 0.5)
    assert np.ptp(rows) + 1 >= 18  # the bar, 20 pixels tall as MNIST's digits
    assert np.ptp(cols) + 1 <= 4


# A box or a rule around a field is paper --------------------------------------------


def one_stroke_field(dark_on_light=True):
    """A 60x40 field holding one vertical stroke, a "1"."""
    paper, ink = (255, 0) if dark_on_light else (0, 255)
    field = np.full((60, 40), paper, dtype=np.uint8)
    field[10:50, 18:22] = ink
    return field, ink


def framed(field, ink, thickness=1, inset=0):
    field = field.copy()
    inner = inset + thickness
    field[inset:inner, inset : field.shape[1] - inset] = ink
    field[field.shape[0] - inner : field.shape[0] - inset, inset : -inset or None] = ink
    field[inset : field.shape[0] - inset, inset:inner] = ink
    field[
        inset : field.shape[0] - inset, field.shape[1] - inner : field.shape[1] - inset
    ] = ink
    return field


@pytest.mark.parametrize("dark_on_light", [True, False])
@pytest.mark.parametrize("polarity", ["auto", "given"])
@pytest.mark.parametrize(("thickness", "inset"), [(1, 0), (2, 0), (3, 1), (1, 1)])
def test_a_box_around_the_field_changes_nothing(
    dark_on_light, polarity, thickness, inset
):
    """A field scanned with its printed box reads as the field alone: the box
    is neither evidence of the polarity nor ink."""
    field, ink = one_stroke_field(dark_on_light)
    box = framed(field, ink, thickness, inset)
    polarity = (
        ("dark_on_light" if dark_on_light else "light_on_dark")
        if polarity == "given"
        else "auto"
    )
    expected = segment_digits(field, polarity=polarity)
    segments = segment_digits(box, polarity=polarity)
    assert [s.box for s in segments] == [s.box for s in expected] == [(10, 18, 50, 22)]
    read = read_digits(box, fitted_proba_classifier(), polarity=polarity)
    np.testing.assert_allclose(
        read.images, read_digits(field, fitted_proba_classifier()).images, atol=1e-12
    )


@pytest.mark.parametrize(
    ("shape", "lines"),
    [
        ((60, 200), lambda f: f.__setitem__((slice(-2, None), slice(None)), 0)),
        ((60, 200), lambda f: f.__setitem__((slice(0, 3), slice(None)), 0)),
        ((60, 40), lambda f: f.__setitem__(slice(None), framed(f, 0))),
        ((60, 200), lambda f: f.__setitem__(slice(None), framed(f, 0, 2, 1))),
    ],
    ids=["rule under a field", "rule over a field", "box", "inset box"],
)
def test_a_field_holding_only_furniture_has_no_ink(shape, lines):
    """Paper furniture alone is not a digit: no "4" read from a rule."""
    field = np.full(shape, 255, dtype=np.uint8)
    lines(field)
    with pytest.raises(NoInkError, match="straight lines along its border"):
        read_digits(field, fitted_proba_classifier())


def seven(margin=0):
    """A "7" cropped to its ink: its bar runs along the crop's top edge."""
    crop = np.full((60, 40), 255, dtype=np.uint8)
    crop[:5] = 0
    for row in range(5, 60):
        column = int(38 - (row - 5) * 0.45)
        crop[row, column - 3 : column + 2] = 0
    return np.pad(crop, margin, constant_values=255)


def test_a_digit_cropped_to_its_ink_keeps_the_strokes_along_its_edges():
    """A line along one side of a single digit's crop is the digit's stroke
    (a 7's bar, a 1): only a closed box, or a rule along a field at least
    twice as wide as tall, is furniture."""
    tight, loose = normalize_digit(seven()), normalize_digit(seven(margin=20))
    np.testing.assert_allclose(tight, loose, atol=0.2)
    assert (tight[:14] > 0.5).sum(axis=1).max() >= 10  # the bar is there
    (segment,) = segment_digits(seven())
    assert segment.box == (0, 0, 60, 40)


def test_a_digit_crossing_the_box_keeps_its_ink_inside():
    field, ink = one_stroke_field()
    field[0:50, 18:22] = ink  # the stroke runs into the top of the box
    box = framed(field, ink)
    (segment,) = segment_digits(box)
    assert segment.box == (1, 18, 50, 22)


@pytest.mark.parametrize(
    ("shape", "box"),
    [
        ((2100, 2100), (400, 900, 1600, 1100)),  # reduced by 2 x 2 blocks
        ((4000, 1600), (1000, 600, 3000, 900)),  # reduced by 2 x 2 blocks
        ((4500, 4500), (900, 1800, 3600, 2400)),  # reduced by 3 x 3 blocks
    ],
)
def test_boxes_are_in_the_fields_pixels_however_large(shape, box):
    image = np.full(shape, 255, dtype=np.uint8)
    top, left, bottom, right = box
    image[top:bottom, left:right] = 0
    reading = read_digits(image, fitted_proba_classifier())
    assert reading.boxes == [box]
