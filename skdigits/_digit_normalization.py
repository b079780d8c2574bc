"""One digit image of any size to MNIST's format, by MNIST's own procedure.

LeCun et al.: "The original black and white images from NIST were size
normalized to fit in a 20x20 pixel box while preserving their aspect ratio.
The resulting images contain grey levels as a result of the anti-aliasing
technique used by the normalization algorithm. The images were centered in a
28x28 image by computing the center of mass of the pixels, and translating
the image so as to position this point at the center of the 28x28 field."

Before that, what a scan or a photo needs: the ink found whatever its
polarity, uneven paper flattened, noise specks dropped, and an image without
ink refused rather than guessed at. scipy's ``ndimage`` does the filtering,
labelling, zooming and centre of mass.
"""

import numpy as np
from scipy import ndimage

POLARITIES = ("auto", "dark_on_light", "light_on_dark")

# MNIST's centre of mass, in (row, column) pixel indices: measured on the test
# set, 13.99 and 14.00 (std 0.29).
MNIST_CENTRE = 14.0


class NoInkError(ValueError):
    """An image in which no ink stands out from the paper."""


def otsu_threshold(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of values in [0, 1]: the most between-class variance."""
    counts, edges = np.histogram(values, bins=bins, range=(0.0, 1.0))
    centres = (edges[:-1] + edges[1:]) / 2
    weight_below = np.cumsum(counts)
    weight_above = weight_below[-1] - weight_below
    mass_below = np.cumsum(counts * centres)
    mean_below = mass_below / np.maximum(weight_below, 1)
    mean_above = (mass_below[-1] - mass_below) / np.maximum(weight_above, 1)
    between = weight_below * weight_above * (mean_below - mean_above) ** 2
    return float(edges[1:][np.argmax(between)])


def ink_image(
    image: np.ndarray,
    *,
    polarity: str = "auto",
    min_contrast: float = 5.0,
    min_piece: float = 0.03,
) -> np.ndarray:
    """The ink of an image, as light-on-dark intensities in [0, 1].

    The polarity ("auto": the paper is the border's median) is brought to
    MNIST's, light ink on black; the paper's level, or its slow variation in
    images of 24 pixels or more (a grey opening a third of the image wide),
    is subtracted; the ink is what Otsu's threshold separates from it, and
    its connected pieces carrying less than ``min_piece`` of the ink (specks)
    are dropped, while every larger piece is kept (a stroke broken in two is
    one digit).

    Raises
    ------
    NoInkError
        If the image is constant, or its ink does not stand ``min_contrast``
        standard deviations of the paper above it (a blank or noise-only
        field).
    """
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2 or min(image.shape) < 1:
        raise ValueError(f"A digit image must be 2-D, got shape {image.shape}.")
    if not np.all(np.isfinite(image)):
        raise ValueError("A digit image must hold finite values (no NaN or inf).")
    low, high = image.min(), image.max()
    if high - low <= 1e-12 * max(abs(high), 1.0):
        raise NoInkError("the image is blank (constant)")
    image = (image - low) / (high - low)
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {POLARITIES}, got {polarity!r}")
    dark_on_light = (
        np.median(border) > 0.5 if polarity == "auto" else polarity == "dark_on_light"
    )
    if dark_on_light:
        image = 1.0 - image
    if min(image.shape) >= 24:
        # A grey opening a third of the image wide removes the strokes and
        # keeps the paper's slow variations (a shadow, a gradient).
        paper = ndimage.grey_opening(image, size=max(image.shape) // 3)
    else:
        paper = np.median(
            np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
        )
    image = np.clip(image - paper, 0.0, None)
    if image.max() <= 0:
        raise NoInkError("no ink stands out from the paper")
    image /= image.max()
    ink = image > otsu_threshold(image)
    # The paper is what the border mostly is; its spread, robustly (a digit
    # may touch the border): 1.4826 MAD is the standard deviation of noise.
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    paper_level = np.median(border)
    spread = 1.4826 * np.median(np.abs(border - paper_level))
    contrast = image[ink].mean() - paper_level
    if contrast <= min_contrast * spread:
        raise NoInkError(
            "no ink stands out from the paper (a blank or noisy field): the ink "
            f"is {contrast / spread:.1f} standard deviations of the paper above "
            f"it, below min_contrast={min_contrast}"
        )
    pieces, n_pieces = ndimage.label(ink, structure=np.ones((3, 3)))
    mass = ndimage.sum_labels(image, pieces, index=np.arange(1, n_pieces + 1))
    keep = np.flatnonzero(mass >= min_piece * mass.sum()) + 1
    kept = np.isin(pieces, keep)
    # The anti-aliased edge of the strokes, one pixel around them, stays.
    kept = ndimage.binary_dilation(kept, structure=np.ones((3, 3))) & (image > 0)
    return np.where(kept, image, 0.0)


def normalize_digit(
    image: np.ndarray,
    *,
    polarity: str = "auto",
    box: int = 20,
    size: int = 28,
    min_contrast: float = 5.0,
    min_piece: float = 0.03,
) -> np.ndarray:
    """One grayscale digit image, of any size and polarity, to MNIST's format.

    Returns a ``(size, size)`` float64 image in [0, 1], light ink on black:
    the ink (see `ink_image`) cropped, scaled so that its longer side is
    ``box`` pixels (the aspect ratio kept; smoothed first when shrinking, so
    it is anti-aliased), and placed so that its centre of mass is at MNIST's.
    """
    ink = ink_image(
        image, polarity=polarity, min_contrast=min_contrast, min_piece=min_piece
    )
    return place_ink(ink, box=box, size=size)


def place_ink(ink: np.ndarray, *, box: int = 20, size: int = 28) -> np.ndarray:
    """Ink (light on black, as `ink_image` gives it) to MNIST's geometry."""
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    scale = box / max(ink.shape)
    if scale < 1:
        ink = ndimage.gaussian_filter(ink, sigma=(1 / scale - 1) / 2)
    shape = tuple(max(1, round(side * scale)) for side in ink.shape)
    ink = ndimage.zoom(
        ink,
        [new / old for new, old in zip(shape, ink.shape, strict=True)],
        order=1,
        grid_mode=True,
        mode="grid-constant",
    )
    ink = np.clip(ink, 0.0, None)
    ink /= ink.max()
    centre = ndimage.center_of_mass(ink)
    canvas = np.zeros((size, size))
    top, left = (
        int(np.clip(round(MNIST_CENTRE - c), 0, size - s))
        for c, s in zip(centre, ink.shape, strict=True)
    )
    canvas[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    return canvas
