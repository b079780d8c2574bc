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

import math
from numbers import Integral, Real

import numpy as np
from scipy import ndimage, sparse
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

POLARITIES = ("auto", "dark_on_light", "light_on_dark")

# Larger images are reduced to about this many pixels (the mean of each block
# of k x k pixels) before anything else: a digit needs far fewer, and the
# work and memory stay those of a 4-megapixel image (see `check_image`).
MAX_WORKING_PIXELS = 2**22
# A mark whose longer side is shorter than this many pixels, or than
# ``min_size`` of the image's shorter side, is a speck: no digit is that small.
MIN_MARK_PIXELS = 3
# Images whose side is shorter than this have no lines along it (see
# `border_lines`): no box is drawn around a digit so small.
MIN_LINE_PIXELS = 16

# The parameters `ink_image`, `normalize_digit` and `segment_digits` share.
INK_CONSTRAINTS = {
    "polarity": [StrOptions(set(POLARITIES))],
    "min_contrast": [Interval(Real, 0, None, closed="left")],
    "min_piece": [Interval(Real, 0, 1, closed="left")],
    "min_size": [Interval(Real, 0, 1, closed="left")],
}

# MNIST's centre of mass, in (row, column) pixel indices: measured on the test
# set, 13.99 and 14.00 (std 0.29).
MNIST_CENTRE = 14.0


class NoInkError(ValueError):
    """An image in which no ink stands out from the paper."""


def check_image(image, *, name: str = "the image") -> np.ndarray:
    """``image`` as a 2-D array of real numbers, or an error naming the problem.

    Refused rather than guessed at: a sparse matrix, a masked array (its
    mask would be ignored), complex numbers (their imaginary part would be
    dropped), strings or objects (they would be parsed), an array that is
    not 2-D (a colour image is named as such), an empty one, and NaN or
    infinite values. An image of more than `MAX_WORKING_PIXELS` pixels is
    reduced by the mean of k x k blocks (its last rows and columns past a
    multiple of k dropped): what any digit needs, in bounded memory.
    """
    if sparse.issparse(image):
        raise TypeError(
            f"{name} is a sparse matrix; a digit image must be dense: pass "
            "image.toarray()."
        )
    if isinstance(image, np.ma.MaskedArray):
        raise TypeError(
            f"{name} is a masked array, whose mask would be ignored: fill its "
            "masked pixels with the paper's value first (image.filled(value))."
        )
    image = np.asarray(image)
    if image.dtype.kind == "c":
        raise ValueError(f"{name} holds complex numbers; a digit image is real.")
    if image.dtype.kind not in "biuf":
        raise ValueError(
            f"{name} is not numeric (dtype {image.dtype}); a digit image holds numbers."
        )
    if image.ndim == 3 and image.shape[-1] in (3, 4):
        raise ValueError(
            f"{name} has shape {image.shape}: a colour image? A digit image is "
            "grayscale: convert it first (e.g. image.mean(axis=-1) for RGB)."
        )
    if image.ndim != 2 or min(image.shape) < 1:
        raise ValueError(f"{name} must be a 2-D image, got shape {image.shape}.")
    k_rows, k_cols = reduction(image.shape)
    if k_rows * k_cols > 1:
        image = _block_mean(image, k_rows, k_cols)
    if image.dtype.kind == "f" and not np.isfinite(image).all():
        raise ValueError(f"{name} must hold finite values (no NaN or inf).")
    return image


def reduction(shape: tuple[int, int]) -> tuple[int, int]:
    """The blocks (rows, columns) `check_image` averages an image of ``shape`` by.

    (1, 1) up to `MAX_WORKING_PIXELS` pixels; beyond, k x k blocks, or blocks
    of k * k along the length of a strip too thin for k rows or columns. A
    pixel (row, column) of the reduced image covers rows ``row * k_rows`` to
    ``(row + 1) * k_rows`` of the original, and likewise for columns.
    """
    size = shape[0] * shape[1]
    if size <= MAX_WORKING_PIXELS:
        return 1, 1
    k = math.ceil(math.sqrt(size / MAX_WORKING_PIXELS))
    if shape[0] // k < 1:
        return 1, k * k
    if shape[1] // k < 1:
        return k * k, 1
    return k, k


def _block_mean(image: np.ndarray, k_rows: int, k_cols: int) -> np.ndarray:
    """The mean of each k_rows x k_cols block, in float64, a band of rows at a time."""
    rows, cols = image.shape[0] // k_rows, image.shape[1] // k_cols
    out = np.empty((rows, cols))
    band = max(1, MAX_WORKING_PIXELS // (k_rows * cols * k_cols))
    for top in range(0, rows, band):
        block = image[top * k_rows : (top + band) * k_rows, : cols * k_cols]
        block = block.reshape(-1, k_rows, cols, k_cols)
        out[top : top + band] = block.mean(axis=(1, 3), dtype=np.float64)
    return out


def _rings(shape: tuple[int, int], depth: int) -> np.ndarray:
    """The pixels at most ``depth`` pixels in from the border, as a mask."""
    mask = np.ones(shape, dtype=bool)
    inner = depth + 1
    mask[inner : shape[0] - inner, inner : shape[1] - inner] = False
    return mask


def _frame_depth(shape: tuple[int, int]) -> int:
    """How far in from the border a box or a rule around a field may lie."""
    return min(shape) // 8


def _paper_is_light(image: np.ndarray) -> bool:
    """Whether the paper of ``image`` (in [0, 1]) is light: the ink dark.

    The paper is what the border is (its median), but for the lines along
    it (see `border_lines`), which may be of either polarity: then it is
    what the border is just inside them.
    """
    lines = border_lines(image) | border_lines(1.0 - image)
    border = image[_rings(image.shape, _depth(lines)) & ~lines]
    return bool(np.median(border) > 0.5)


def border_lines(image: np.ndarray) -> np.ndarray:
    """The straight lines along the border of a light-on-dark image, as a mask.

    A box printed around a field, or a rule along its top or bottom, is
    paper, not ink. A line is a run of rows (columns) at most `_frame_depth`
    in from the border, each inked (above 0.5) over 90% of its length, and
    at most `_frame_depth` thick together. Lines are furniture when they
    close a box (one along each side), or, for rules along the top or the
    bottom, when the image is at least twice as wide as tall (a field of
    several digits): in a tight crop of one digit, a line along one side is
    the digit's own stroke (the bar of a 7), and stays ink. Sides shorter
    than `MIN_LINE_PIXELS` have no lines.
    """
    lines = np.zeros(image.shape, dtype=bool)
    depth = _frame_depth(image.shape)
    if depth < 1:
        return lines
    inked = image > 0.5
    # Per side: the runs of rows (columns) that are lines.
    sides = {}
    for axis, (near, far) in ((0, ("top", "bottom")), (1, ("left", "right"))):
        n, length = image.shape[axis], image.shape[1 - axis]
        full = inked.mean(axis=1 - axis) >= 0.9
        runs = [
            (start, stop)
            for start, stop in _runs(full)
            if stop - start <= depth and length >= MIN_LINE_PIXELS
        ]
        sides[near] = [(a, b) for a, b in runs if a < depth]
        sides[far] = [(a, b) for a, b in runs if b > n - depth]
    height, width = image.shape
    if all(sides.values()):
        furniture = sides
    elif width >= 2 * height:
        furniture = {"top": sides["top"], "bottom": sides["bottom"]}
    else:
        return lines
    for side, runs in furniture.items():
        for start, stop in runs:
            if side in ("top", "bottom"):
                lines[start:stop, :] = True
            else:
                lines[:, start:stop] = True
    return lines


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """The (start, stop) of each run of True in a 1-D boolean array."""
    edges = np.diff(np.concatenate([[0], flags.astype(np.int8), [0]]))
    return list(
        zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True)
    )


def _depth(lines: np.ndarray) -> int:
    """How many rings in from the border the lines of `border_lines` reach."""
    if not lines.any():
        return 0
    rows = np.flatnonzero(lines.all(axis=1))
    cols = np.flatnonzero(lines.all(axis=0))
    n_rows, n_cols = lines.shape
    depths = [
        *(min(r, n_rows - 1 - r) + 1 for r in rows),
        *(min(c, n_cols - 1 - c) + 1 for c in cols),
    ]
    return max(depths)


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


@validate_params(
    {"image": ["array-like", "sparse matrix"], **INK_CONSTRAINTS},
    prefer_skip_nested_validation=True,
)
def ink_image(
    image,
    *,
    polarity: str = "auto",
    min_contrast: float = 5.0,
    min_piece: float = 0.03,
    min_size: float = 0.05,
) -> np.ndarray:
    """The ink of an image, as light-on-dark intensities in [0, 1].

    The polarity ("auto": the paper is what the border is, see
    `_paper_is_light`) is brought to MNIST's, light ink on black. Straight
    lines along the border that close a box around the field, or rule a
    field at least twice as wide as tall, are paper, not ink, and are
    removed (see `border_lines`); a field holding nothing else has no ink.
    The paper's level, or its slow variation in images of 24 pixels or more
    (a grey opening a third of the image wide), is subtracted; the ink is
    what Otsu's threshold separates from it. Its connected pieces are then
    sorted: a piece whose longer side is below
    ``min_size`` of the image's shorter side (or `MIN_MARK_PIXELS`) is a
    speck, and so is one carrying less than ``min_piece`` of the remaining
    ink; specks are dropped, every larger piece is kept (a stroke broken in
    two is one digit). An image larger than `MAX_WORKING_PIXELS` is reduced
    first (see `check_image`), and the result has the reduced shape.

    Parameters
    ----------
    image : array-like of shape (height, width)
        A grayscale image, either polarity.

    polarity : {"auto", "dark_on_light", "light_on_dark"}, default="auto"
        The ink's polarity.

    min_contrast : float, default=5.0
        How many standard deviations of the paper the ink must stand above it.

    min_piece : float, default=0.03
        Pieces carrying less than this share of the ink are specks.

    min_size : float, default=0.05
        Pieces whose longer side is below this share of the image's shorter
        side, or below `MIN_MARK_PIXELS` pixels, are specks.

    Returns
    -------
    ink : ndarray of shape (height, width)
        The ink, float64 in [0, 1], light on black; 0 elsewhere.

    Raises
    ------
    NoInkError
        If the image is constant, holds only lines along its border, if its
        ink does not stand ``min_contrast``
        standard deviations of the paper above it (a blank or noise-only
        field), or if all its ink is specks.
    """
    image = np.asarray(check_image(image), dtype=np.float64)
    low, high = image.min(), image.max()
    if high - low <= 1e-12 * max(abs(high), 1.0):
        raise NoInkError("the image is blank (constant)")
    image = (image - low) / (high - low)
    dark_on_light = (
        _paper_is_light(image) if polarity == "auto" else polarity == "dark_on_light"
    )
    if dark_on_light:
        image = 1.0 - image
    lines = border_lines(image)
    # The paper is what the border mostly is, the lines along it left out
    # (with them, the ring just inside the deepest).
    border = image[_rings(image.shape, _depth(lines)) & ~lines]
    if min(image.shape) >= 24:
        # A grey opening a third of the image wide removes the strokes and
        # keeps the paper's slow variations (a shadow, a gradient).
        paper = ndimage.grey_opening(image, size=max(image.shape) // 3)
    else:
        paper = np.median(border)
    image = np.clip(image - paper, 0.0, None)
    image[lines] = 0.0
    if image.max() <= 0:
        raise NoInkError(
            "no ink stands out from the paper"
            + (
                " but straight lines along its border (a box, a rule)"
                if lines.any()
                else ""
            )
        )
    image /= image.max()
    ink = image > otsu_threshold(image)
    # The paper's spread, robustly (a digit may touch the border): 1.4826 MAD
    # is the standard deviation of noise.
    border = image[_rings(image.shape, _depth(lines)) & ~lines]
    paper_level = np.median(border)
    spread = 1.4826 * np.median(np.abs(border - paper_level))
    contrast = image[ink].mean() - paper_level
    if contrast <= min_contrast * spread:
        how_far = (
            f"is {contrast / spread:.1f} standard deviations of the paper above it"
            if spread > 0
            else "does not stand above the paper"
        )
        raise NoInkError(
            "no ink stands out from the paper (a blank or noisy field): the ink "
            f"{how_far}, below min_contrast={min_contrast}"
        )
    pieces, n_pieces = ndimage.label(ink, structure=np.ones((3, 3)))
    extents = np.array(
        [
            max(rows.stop - rows.start, cols.stop - cols.start)
            for rows, cols in ndimage.find_objects(pieces)
        ]
    )
    smallest = max(MIN_MARK_PIXELS, min_size * min(image.shape))
    if extents.max() < smallest:
        raise NoInkError(
            f"the image holds only specks: its largest mark is {extents.max()} "
            f"pixels across, below {smallest:.3g} (min_size={min_size} of its "
            f"shorter side, at least {MIN_MARK_PIXELS} pixels)"
        )
    mass = ndimage.sum_labels(image, pieces, index=np.arange(1, n_pieces + 1))
    mass[extents < smallest] = 0.0
    keep = np.flatnonzero((mass > 0) & (mass >= min_piece * mass.sum())) + 1
    kept = np.isin(pieces, keep)
    # The anti-aliased edge of the strokes, one pixel around them, stays.
    kept = ndimage.binary_dilation(kept, structure=np.ones((3, 3))) & (image > 0)
    return np.where(kept, image, 0.0)


@validate_params(
    {
        "image": ["array-like", "sparse matrix"],
        "box": [Interval(Integral, 1, None, closed="left")],
        "size": [Interval(Integral, 1, None, closed="left")],
        **INK_CONSTRAINTS,
    },
    prefer_skip_nested_validation=True,
)
def normalize_digit(
    image,
    *,
    polarity: str = "auto",
    box: int = 20,
    size: int = 28,
    min_contrast: float = 5.0,
    min_piece: float = 0.03,
    min_size: float = 0.05,
) -> np.ndarray:
    """One grayscale digit image, of any size and polarity, to MNIST's format.

    The ink (see `ink_image`) is cropped, scaled so that its longer side is
    ``box`` pixels (the aspect ratio kept; smoothed first when shrinking, so
    it is anti-aliased; with a cubic spline when enlarging, which models
    trained on MNIST read better in small images such as ``load_digits``'
    8x8: ``docs/design.rst``), and placed so that its centre of
    mass is at MNIST's.

    Parameters
    ----------
    image : array-like of shape (height, width)
        A grayscale image of one digit, either polarity, of any size.

    polarity : {"auto", "dark_on_light", "light_on_dark"}, default="auto"
        The ink's polarity.

    box : int, default=20
        The longer side of the digit in the output, at most ``size``.

    size : int, default=28
        The side of the output image.

    min_contrast, min_piece, min_size : float
        What counts as ink and what as a speck: see `ink_image`.

    Returns
    -------
    digit : ndarray of shape (size, size)
        float64 in [0, 1], light ink on black.

    Raises
    ------
    NoInkError
        If the image holds no ink, or only specks.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.preprocessing import normalize_digit
    >>> page = np.full((60, 40), 255, dtype=np.uint8)
    >>> page[10:50, 18:22] = 0  # a dark "1"
    >>> digit = normalize_digit(page)
    >>> digit.shape, float(digit.max())
    ((28, 28), 1.0)
    """
    if box > size:
        raise ValueError(f"box={box} must be at most size={size}.")
    ink = ink_image(
        image,
        polarity=polarity,
        min_contrast=min_contrast,
        min_piece=min_piece,
        min_size=min_size,
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
        # Enlarged, with a cubic spline: a linear interpolation of a few
        # pixels leaves soft blobs, which models trained on MNIST misread
        # more often (load_digits; docs/design.rst); shrunk, smoothed
        # first, linearly (anti-aliased).
        order=3 if scale > 1 else 1,
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
