"""DigitNormalizer: MNIST's geometry from images of any size and polarity."""

import numpy as np
import pytest
from scipy import ndimage

from skdigits.preprocessing import DigitNormalizer, NoInkError, normalize_digit


def draw_digit(shape=(150, 100), top=0.15, left=0.3, height=0.7, width=0.35):
    """A "0"-like ring of dark ink on light paper, with grey edges."""
    rows, cols = np.indices(shape, dtype=float)
    cy, cx = shape[0] * (top + height / 2), shape[1] * (left + width / 2)
    ry, rx = shape[0] * height / 2, shape[1] * width / 2
    radius = np.hypot((rows - cy) / ry, (cols - cx) / rx)
    ink = np.clip(1 - np.abs(radius - 0.8) / 0.2, 0, 1)
    return (235 - 215 * ink).astype(np.uint8)  # dark on light, 0-255


def geometry(image28):
    ink = image28 > 0.05
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    height, width = rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1
    return (height, width), ndimage.center_of_mass(image28)


@pytest.mark.parametrize(
    ("shape", "box"),
    [
        ((150, 100), (0.15, 0.3, 0.7, 0.35)),
        ((40, 300), (0.1, 0.6, 0.8, 0.1)),
        ((12, 9), (0.0, 0.1, 1.0, 0.8)),
        ((500, 500), (0.6, 0.05, 0.3, 0.2)),
    ],
)
def test_output_has_mnists_geometry(shape, box):
    image = normalize_digit(draw_digit(shape, *box))
    assert image.shape == (28, 28)
    assert image.min() >= 0
    assert image.max() == pytest.approx(1)
    (height, width), centre = geometry(image)
    assert max(height, width) in (20, 21)  # the 20-pixel box, and its edge
    assert (
        min(height, width) < max(height, width)
        or box[2] * shape[0] == box[3] * shape[1]
    )
    np.testing.assert_allclose(centre, (14, 14), atol=0.5)


def test_aspect_ratio_is_kept():
    tall = normalize_digit(draw_digit((200, 200), 0.1, 0.4, 0.8, 0.2))
    (height, width), _ = geometry(tall)
    assert height >= 20
    assert 4 <= width <= 7  # 0.2 / 0.8 of 20, with the edges


def test_polarity_is_detected():
    dark_on_light = draw_digit()
    light_on_dark = 255 - dark_on_light
    expected = normalize_digit(dark_on_light)
    np.testing.assert_allclose(normalize_digit(light_on_dark), expected, atol=1e-12)
    np.testing.assert_allclose(
        normalize_digit(dark_on_light, polarity="dark_on_light"), expected
    )
    # Forced to the wrong polarity, the paper becomes the "ink".
    assert not np.allclose(
        normalize_digit(dark_on_light, polarity="light_on_dark"), expected
    )


def test_noise_specks_and_uneven_paper():
    clean = normalize_digit(draw_digit())
    rng = np.random.default_rng(0)
    page = draw_digit().astype(float)
    page -= np.linspace(0, 60, page.shape[1])[None, :]  # a shadow across the page
    page += rng.normal(0, 4, page.shape)  # paper grain
    for row, col in rng.integers(0, [150, 100], size=(6, 2)):  # specks
        page[row : row + 2, col : col + 2] = 20
    noisy = normalize_digit(np.clip(page, 0, 255))
    assert np.corrcoef(noisy.ravel(), clean.ravel())[0, 1] > 0.9
    np.testing.assert_allclose(geometry(noisy)[1], geometry(clean)[1], atol=1.0)


def test_a_broken_stroke_stays_one_digit():
    page = np.full((100, 60), 240, dtype=np.uint8)
    page[10:45, 25:33] = 10  # a "1" broken in two pieces
    page[52:90, 25:33] = 10
    image = normalize_digit(page)
    (height, _), _ = geometry(image)
    assert height >= 20  # both pieces, scaled together


@pytest.mark.parametrize(
    "page",
    [
        np.zeros((30, 30)),
        np.full((30, 30), 200.0),
        np.random.default_rng(0).normal(128, 10, (60, 60)),
    ],
    ids=["black", "white", "noise"],
)
def test_an_image_without_ink_is_refused(page):
    with pytest.raises(NoInkError, match=r"blank|no ink"):
        normalize_digit(page)
    with pytest.raises(ValueError, match="image 1 has no ink"):
        DigitNormalizer().fit_transform([draw_digit(), page])
    rows = DigitNormalizer(on_empty="zeros").fit_transform([draw_digit(), page])
    assert rows[1].sum() == 0
    assert rows[0].sum() > 0


def test_inputs_of_any_shape_and_format():
    images = [draw_digit((150, 100)), draw_digit((60, 90)), draw_digit((28, 28))]
    from_list = DigitNormalizer().fit_transform(images)
    assert from_list.shape == (3, 784)
    np.testing.assert_array_equal(from_list[0], normalize_digit(images[0]).ravel())
    stack = np.stack([draw_digit((64, 48))] * 2)
    assert DigitNormalizer().fit_transform(stack).shape == (2, 784)
    rows = stack.reshape(2, -1)
    np.testing.assert_array_equal(
        DigitNormalizer(image_shape=(64, 48)).fit_transform(rows),
        DigitNormalizer().fit_transform(stack),
    )
    with pytest.raises(ValueError, match="not a square number"):
        DigitNormalizer().fit_transform(rows)
    with pytest.raises(ValueError, match="image 0 must be a 2-D image"):
        DigitNormalizer().fit_transform([np.zeros(5)])
    with pytest.raises(ValueError, match="finite"):
        normalize_digit(np.full((5, 5), np.nan))
    names = DigitNormalizer().get_feature_names_out()
    assert names[0] == "pixel0"
    assert len(names) == 784


@pytest.mark.mnist
def test_mnist_digits_come_back_as_they_were(mnist_home):
    """MNIST digits, enlarged, inverted and put on a page, normalize back."""
    from skdigits.datasets import fetch_mnist

    X, _ = fetch_mnist(subset="test", data_home=mnist_home, return_X_y=True)
    images = X[:50].reshape(-1, 28, 28) / 255
    correlations = []
    for image in images:
        page = np.full((140, 120), 250.0)
        big = ndimage.zoom(image, 3, order=1)
        page[20 : 20 + big.shape[0], 30 : 30 + big.shape[1]] -= 230 * np.clip(big, 0, 1)
        again = normalize_digit(page)
        correlations.append(np.corrcoef(again.ravel(), image.ravel())[0, 1])
    assert np.median(correlations) > 0.9
    assert min(correlations) > 0.7
