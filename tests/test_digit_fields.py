"""make_digit_fields: fields of each kind, as documented."""

import re

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.utils._param_validation import InvalidParameterError

from skdigits.datasets import FIELD_KINDS, make_digit_fields

FORMATS = {
    "apart": r"\d{3,7}",
    "touching": r"\d{3,7}",
    "boxes": r"\d{3,7}",
    "line": r"\d{3,7}",
    "slanted": r"\d{3,7}",
    "amount": r"[1-9]\d{0,4}[.,]\d{2}",
    "date": r"(0[1-9]|1\d|2[0-8])([/.-])(0[1-9]|1[0-2])\2(\d{2}|\d{4})",
}


@pytest.fixture(scope="module")
def digit_images():
    digits = load_digits()
    return digits.images / 16, digits.target


def clean(images, labels, kind, n=12, **params):
    """Fields without grain or blur, dark on light, full contrast."""
    settings = dict(
        noise=(0, 0), blur=(0, 0), contrast=(1, 1), polarity="dark_on_light"
    )
    return make_digit_fields(
        images, labels, n, kind=kind, random_state=0, **{**settings, **params}
    )


@pytest.mark.parametrize("kind", FIELD_KINDS)
def test_each_kind_says_what_its_text_says(kind, digit_images):
    fields, texts = make_digit_fields(*digit_images, 30, kind=kind, random_state=0)
    assert len(fields) == len(texts) == 30
    for field, text in zip(fields, texts, strict=True):
        assert re.fullmatch(FORMATS[kind], text), text
        assert field.dtype == np.uint8
        assert field.ndim == 2
        # Digits 1.5-2.5 times the images' size (8 pixels here): a field is
        # taller than the largest digit, and wider for each character.
        assert 12 <= field.shape[0] <= 80
        assert field.shape[1] >= 6 * len(text)


def test_the_same_seed_gives_the_same_fields(digit_images):
    first = make_digit_fields(*digit_images, 10, random_state=3)
    again = make_digit_fields(*digit_images, 10, random_state=3)
    other = make_digit_fields(*digit_images, 10, random_state=4)
    assert first[1] == again[1] != other[1]
    for a, b in zip(first[0], again[0], strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_mixture_holds_every_kind(digit_images):
    _, texts = make_digit_fields(*digit_images, 200, random_state=0)
    assert any("/" in t or "-" in t for t in texts)  # dates
    assert any(re.fullmatch(r"\d+[.,]\d{2}", t) for t in texts)  # amounts
    assert any(re.fullmatch(r"\d+", t) for t in texts)


@pytest.mark.parametrize("polarity", ["dark_on_light", "light_on_dark"])
def test_the_polarity(polarity, digit_images):
    fields, _ = make_digit_fields(*digit_images, 10, polarity=polarity, random_state=0)
    for field in fields:
        border = np.concatenate([field[0], field[-1], field[:, 0], field[:, -1]])
        assert (np.median(border) > 128) == (polarity == "dark_on_light")


def _ink_columns(field):
    return (field < 200).any(axis=0)  # the faint edges of the strokes too


def _runs(flags):
    edges = np.diff(np.concatenate([[0], flags.astype(int), [0]]))
    return list(
        zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True)
    )


def test_apart_digits_have_space_between_them_and_touching_ones_none(digit_images):
    images, labels = digit_images
    fields, texts = clean(images, labels, "apart", scale=(2, 2))
    # One run of inked columns per digit, or fewer where a digit breaks in two
    # columns... never fewer than the digits: they never share a column.
    assert all(
        len(_runs(_ink_columns(f))) >= len(t)
        for f, t in zip(fields, texts, strict=True)
    )
    fields, texts = clean(images, labels, "touching", scale=(2, 2))
    shared = [len(_runs(_ink_columns(f))) for f in fields]
    assert np.mean([n == 1 for n in shared]) > 0.8  # one run: neighbours touch


def test_boxes_and_lines_are_printed_across_the_field(digit_images):
    images, labels = digit_images
    for field, text in zip(*clean(images, labels, "boxes"), strict=True):
        inked = field < 128
        full_columns = _runs(inked.mean(axis=0) > 0.35)  # the comb's teeth
        assert len(full_columns) >= len(text) + 1
        assert (inked.mean(axis=1) > 0.5).sum() >= 2  # its top and bottom
    for field, _ in zip(*clean(images, labels, "line"), strict=True):
        assert ((field < 128).mean(axis=1) == 1).any()  # a row inked end to end


def _lean(field) -> float:
    """How far the ink's columns move right per row up (a slope)."""
    rows, cols = np.nonzero(field > 128)
    return -np.polyfit(rows, cols, 1)[0]


def test_slanted_digits_lean_right(digit_images):
    """The same fields, written upright and slanted: the slanted lean right."""
    params = dict(kind="slanted", length=(1, 1), noise=(0, 0), blur=(0, 0))
    params.update(polarity="light_on_dark", random_state=0)
    upright, _ = make_digit_fields(*digit_images, 30, slant=(0, 0), **params)
    slanted, _ = make_digit_fields(*digit_images, 30, slant=(25, 25), **params)
    more = [_lean(s) - _lean(u) for s, u in zip(slanted, upright, strict=True)]
    assert np.median(more) > 0.2  # tan(25 degrees) = 0.47


@pytest.mark.parametrize(
    ("args", "params", "error", "message"),
    [
        ((np.zeros((3, 8)), [1, 2, 3]), {}, ValueError, "shape \\(n_images, height"),
        ((np.zeros((3, 8, 8)), [1, 2]), {}, ValueError, "one digit per image"),
        ((np.full((3, 8, 8), np.nan), [1, 2, 3]), {}, ValueError, "finite"),
        ((np.ones((3, 8, 8)), [1, 1, 1]), {}, ValueError, "no image of the digits"),
        (None, {"kind": "cheque"}, InvalidParameterError, "kind"),
        (None, {"scale": (2, 1)}, ValueError, "scale must be a \\(low, high\\) pair"),
        (None, {"noise": (0, np.inf)}, ValueError, "noise must be"),
        (None, {"length": (0, 3)}, ValueError, "length must be"),
    ],
)
def test_bad_input_is_refused_by_name(args, params, error, message, digit_images):
    with pytest.raises(error, match=message):
        make_digit_fields(*(args or digit_images), 2, random_state=0, **params)


def test_touching_neighbours_overlap_by_at_most_a_third_of_the_narrower():
    # Digits as bars: a 1 narrow and faint, the others wide and dark. A 1
    # overlapped by at most a third of its width on each side shows, across
    # the middle of the ink, its faint ink alone: it is never wholly hidden.
    images = np.zeros((10, 28, 28))
    images[:, 4:24, 4:24] = 1.0
    images[1] = 0.0
    images[1, 4:24, 11:17] = 0.5
    fields, texts = clean(images, np.arange(10), "touching", n=60, scale=(2, 2))
    for field, text in zip(fields, texts, strict=True):
        middle = field[int(np.median(np.flatnonzero((field < 150).any(axis=1))))]
        faint = (middle > 40) & (middle < 150)
        # Runs wider than the anti-aliased edges of the dark bars.
        faint_runs = [(a, b) for a, b in _runs(faint) if b - a >= 3]
        assert len(faint_runs) >= len(re.findall("1+", text)), (text, faint_runs)
