"""Handwritten fields as scanners see them, made from digit images.

`make_digit_fields` writes texts (digit strings, amounts, dates) with given
digit images (MNIST's, or scikit-learn's ``load_digits``) the way people
fill in forms and cheques: digits enlarged to 1.5-2.5 times MNIST's size,
apart or touching, slanted, in the comb boxes of a form or on a printed
line, with hand-drawn separators, then scanned: either polarity, paper and
ink contrast, grain, blur, a shadow.
"""

import itertools
from numbers import Integral, Real

import numpy as np
from scipy import ndimage
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

FIELD_KINDS = ("apart", "touching", "boxes", "line", "slanted", "amount", "date")

# The space between neighbours, as a share of a digit's width: a clear
# space; touching, from an overlap of a fifth (the faint edges of
# the boxes cropped to the ink overlap before the strokes meet) to one of a
# third; the close writing of slanted fields. An overlap is a share of the
# narrower neighbour's width, so that a narrow digit (a 1) is never wholly
# hidden in the next one's ink: a field no one could read.
GAPS = {"touching": (-1 / 3, -0.2), "slanted": (0.0, 0.2)}
CLEAR_GAP = (0.05, 0.5)
# A digit's width, as a share of its height, for the gaps and the boxes.
DIGIT_ASPECT = 0.7
# Strokes drawn by hand (separators) are this share of a digit's height wide.
STROKE = 0.12


@validate_params(
    {
        "images": ["array-like"],
        "labels": ["array-like"],
        "n_fields": [Interval(Integral, 1, None, closed="left")],
        "kind": [StrOptions({*FIELD_KINDS, "mixture"})],
        "length": [tuple, list],
        "scale": [tuple, list],
        "slant": [tuple, list],
        "polarity": [StrOptions({"dark_on_light", "light_on_dark", "either"})],
        "contrast": [tuple, list],
        "noise": [tuple, list],
        "blur": [tuple, list],
        "wander": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_digit_fields(
    images,
    labels,
    n_fields: int = 100,
    *,
    kind: str = "mixture",
    length: tuple[int, int] = (3, 7),
    scale: tuple[float, float] = (1.5, 2.5),
    slant: tuple[float, float] = (10.0, 25.0),
    polarity: str = "either",
    contrast: tuple[float, float] = (0.5, 1.0),
    noise: tuple[float, float] = (0.0, 12.0),
    blur: tuple[float, float] = (0.0, 1.0),
    wander: float = 0.15,
    random_state=None,
):
    """Handwritten fields with their texts, written with given digit images.

    Like scikit-learn's ``make_*`` generators: the same ``random_state``
    gives the same fields. Each field's text is drawn first, then each of
    its digits is written with a random image of that digit from ``images``
    (MNIST's training digits to train a reader, its test digits to measure
    one), enlarged by the field's scale (each digit within 10% of it),
    placed on a baseline that wanders, and the field is scanned.

    Parameters
    ----------
    images : array-like of shape (n_images, height, width)
        Digit images, light ink on black, values in [0, 255] or [0, 1]
        (MNIST's 28x28, ``load_digits``' 8x8 in [0, 16] divided by 16).

    labels : array-like of shape (n_images,)
        Their digits, 0 to 9; every digit a text needs must have an image.

    n_fields : int, default=100
        Fields to make.

    kind : {"apart", "touching", "boxes", "line", "slanted", "amount", \
            "date", "mixture"}, default="mixture"
        What the fields are:

        - "apart": digits with clear space between them (5% to 50% of a
          digit's width);
        - "touching": neighbours touching or overlapping, by up to a third
          of the narrower one's width (a 1 is never wholly hidden);
        - "boxes": one digit in each box of a printed comb (lines of 1 to 3
          pixels), digits free to touch and cross the lines;
        - "line": digits written on a printed line (1 to 3 pixels thick)
          that runs across the field, crossing their lower strokes;
        - "slanted": digits leaning right by ``slant`` degrees, close
          together;
        - "amount": a sum with a decimal comma or point and two decimals
          (``1250,75``, ``3.50``), the separator drawn by hand;
        - "date": ``dd/mm/yyyy``, ``dd-mm-yy`` or ``dd.mm.yyyy`` of a
          valid date, the separators drawn by hand;
        - "mixture": each field of a kind drawn at random.

    length : (int, int), default=(3, 7)
        Least and most digits of the digit strings ("apart" to "slanted");
        an amount has 3 to 7 digits; a date 6 or 8.

    scale : (float, float), default=(1.5, 2.5)
        Range of a field's enlargement of the digit images (a scan at 1.5
        to 2.5 times MNIST's size).

    slant : (float, float), default=(10.0, 25.0)
        Range of the lean of "slanted" fields, in degrees.

    polarity : {"dark_on_light", "light_on_dark", "either"}, default="either"
        The ink's polarity; "either" draws it for each field.

    contrast : (float, float), default=(0.5, 1.0)
        Range of the ink's contrast with the paper, as a share of the full
        grey range.

    noise : (float, float), default=(0.0, 12.0)
        Range of the grain's standard deviation, in grey levels of 0-255.

    blur : (float, float), default=(0.0, 1.0)
        Range of the scan's Gaussian blur, in pixels.

    wander : float, default=0.15
        How far the baseline wanders up and down along a field, as a share
        of a digit's height.

    random_state : int, RandomState instance or None, default=None
        Seeds every draw.

    Returns
    -------
    fields : list of ndarray of shape (height, width), uint8
        The scanned fields, of various sizes.

    texts : list of str
        What each field says: digits, and for amounts and dates their
        separators (``,`` ``.`` ``-`` ``/``).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdigits.datasets import make_digit_fields
    >>> digits = load_digits()
    >>> fields, texts = make_digit_fields(
    ...     digits.images / 16, digits.target, 4, kind="date", random_state=0
    ... )
    >>> [len(text) in (8, 10) for text in texts]
    [True, True, True, True]
    >>> fields[0].dtype, fields[0].ndim
    (dtype('uint8'), 2)
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3 or len(images) == 0:
        raise ValueError(
            f"images must be digit images of shape (n_images, height, width); got "
            f"shape {images.shape}."
        )
    if not np.isfinite(images).all() or images.min() < 0:
        raise ValueError("images must hold finite values in [0, 255] or [0, 1].")
    if images.max() > 1:
        images = images / 255
    labels = np.asarray(labels)
    if labels.shape != (len(images),):
        raise ValueError(
            f"labels has shape {labels.shape}; it must give one digit per image "
            f"({len(images)})."
        )
    for name, pair, low, high in (
        ("length", length, 1, 50),
        ("scale", scale, 0.1, 10),
        ("slant", slant, -45, 45),
        ("contrast", contrast, 0.05, 1),
        ("noise", noise, 0, 255),
        ("blur", blur, 0, 10),
    ):
        if (
            len(pair) != 2
            or not all(isinstance(v, Real) and np.isfinite(v) for v in pair)
            or not low <= pair[0] <= pair[1] <= high
        ):
            raise ValueError(
                f"{name} must be a (low, high) pair within [{low}, {high}]; got "
                f"{pair!r}."
            )
    by_digit = {d: np.flatnonzero(labels == d) for d in range(10)}
    rng = check_random_state(random_state)
    writer = _Writer(images, by_digit)
    fields, texts = [], []
    for _ in range(n_fields):
        field_kind = (
            FIELD_KINDS[rng.randint(len(FIELD_KINDS))] if kind == "mixture" else kind
        )
        text = _text(field_kind, length, rng)
        missing = sorted({c for c in text if c.isdigit() and not len(by_digit[int(c)])})
        if missing:
            raise ValueError(f"labels has no image of the digits {missing}.")
        ink = writer.write(text, field_kind, rng.uniform(*scale), slant, wander, rng)
        fields.append(_scan(ink, polarity, contrast, noise, blur, rng))
        texts.append(text)
    return fields, texts


def _text(kind: str, length, rng) -> str:
    """A text of ``kind``: digits, an amount or a date."""
    if kind == "amount":
        whole = rng.randint(1, 6)  # 1 to 5 digits, then two decimals
        digits = [str(rng.randint(1, 10))] + [
            str(rng.randint(10)) for _ in range(whole - 1)
        ]
        return "".join(digits) + ",."[rng.randint(2)] + f"{rng.randint(100):02d}"
    if kind == "date":
        day, month = rng.randint(1, 29), rng.randint(1, 13)
        year = rng.randint(1900, 2100)
        separator = "/-."[rng.randint(3)]
        year_text = f"{year}" if rng.randint(2) else f"{year % 100:02d}"
        return separator.join([f"{day:02d}", f"{month:02d}", year_text])
    n = rng.randint(length[0], length[1] + 1)
    return "".join(str(rng.randint(10)) for _ in range(n))


class _Writer:
    """Writes texts with the digit images, as ink in [0, 1] on black."""

    def __init__(self, images, by_digit):
        self.images = images
        self.by_digit = by_digit
        # The digits' ink height in the images (MNIST's 20 of 28 pixels).
        rows = np.flatnonzero(images.max(axis=(0, 2)) > 0.1)
        self.ink_share = (rows[-1] - rows[0] + 1) / images.shape[1]

    def glyph(self, char, height, slant, rng) -> np.ndarray:
        """One character's ink, cropped to it, for digits ``height`` pixels tall."""
        if char.isdigit():
            image = self.images[rng.choice(self.by_digit[int(char)])]
            zoom = height / (self.ink_share * image.shape[0]) * rng.uniform(0.9, 1.1)
            ink = np.clip(ndimage.zoom(image, zoom, order=1), 0, 1)
        else:
            ink = _separator(char, height, rng)
        if slant:
            ink = _lean(ink, slant)
        rows = np.flatnonzero(ink.max(axis=1) > 0.05)
        cols = np.flatnonzero(ink.max(axis=0) > 0.05)
        if not len(rows):
            return np.zeros((1, 1))
        return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]

    def write(self, text, kind, scale, slant_range, wander, rng) -> np.ndarray:
        """The field's ink: the text written as ``kind`` says."""
        height = self.ink_share * self.images.shape[1] * scale  # a digit's ink
        width = DIGIT_ASPECT * height
        slant = rng.uniform(*slant_range) if kind == "slanted" else rng.uniform(-4, 4)
        glyphs = [self.glyph(char, height, slant, rng) for char in text]
        margin = int(0.4 * height) + 4
        period, phase = rng.uniform(4, 10) * height, rng.uniform(0, 2 * np.pi)
        # Left edges: boxes have their own places; the others follow the gaps.
        if kind == "boxes":
            pitch = max(g.shape[1] for g in glyphs) * rng.uniform(1.15, 1.4) + 2
            lefts = [
                margin + i * pitch + (pitch - g.shape[1]) * rng.uniform(-0.1, 1.1)
                for i, g in enumerate(glyphs)
            ]
        else:
            low, high = GAPS.get(kind, CLEAR_GAP)
            lefts, x = [], float(margin)
            for glyph, following in zip(glyphs, [*glyphs[1:], glyphs[-1]], strict=True):
                lefts.append(x)
                gap = rng.uniform(low, high)
                narrower = min(width, glyph.shape[1], following.shape[1])
                x += glyph.shape[1] + gap * (width if gap >= 0 else narrower)
        right = max(left + g.shape[1] for left, g in zip(lefts, glyphs, strict=True))
        canvas_width = int(np.ceil(right + margin))
        if kind == "boxes":
            canvas_width = int(np.ceil(margin * 2 + pitch * len(glyphs)))
        baseline = margin + height * (1 + wander)
        canvas = np.zeros(
            (int(np.ceil(baseline + height * (0.5 + wander) + margin)), canvas_width)
        )
        for char, glyph, left in zip(text, glyphs, lefts, strict=True):
            shift = wander * height * np.sin(2 * np.pi * left / period + phase)
            bottom = baseline + shift + rng.uniform(-0.04, 0.04) * height
            bottom += {"-": -0.4 * height, ",": 0.25 * height}.get(char, 0.0)
            _paste(canvas, glyph, round(bottom) - glyph.shape[0], round(left))
        if kind == "boxes":
            _comb(canvas, margin, pitch, len(glyphs), baseline, height, rng)
        elif kind == "line":
            thickness = rng.randint(1, 4)
            top = round(baseline + rng.uniform(-0.15, 0.02) * height)
            canvas[top : top + thickness, :] = np.maximum(
                canvas[top : top + thickness, :], rng.uniform(0.6, 1.0)
            )
        return canvas


def _paste(canvas, glyph, top, left) -> None:
    """Write ``glyph`` into ``canvas`` at (top, left), ink over ink, clipped."""
    top, left = max(top, 0), max(left, 0)
    region = canvas[top : top + glyph.shape[0], left : left + glyph.shape[1]]
    np.maximum(region, glyph[: region.shape[0], : region.shape[1]], out=region)


def _comb(canvas, margin, pitch, n_boxes, baseline, height, rng) -> None:
    """Print a comb of ``n_boxes`` boxes around the digits (lines of 1-3 px)."""
    thickness, level = rng.randint(1, 4), rng.uniform(0.6, 1.0)
    top = round(baseline - height * rng.uniform(1.05, 1.2))
    bottom = round(baseline + height * rng.uniform(0.0, 0.15))
    left, right = round(margin), round(margin + pitch * n_boxes)
    lines = np.zeros_like(canvas)
    for row in (top, bottom):
        lines[max(row, 0) : row + thickness, left : right + thickness] = level
    for i in range(n_boxes + 1):
        column = round(margin + i * pitch)
        lines[max(top, 0) : bottom + thickness, column : column + thickness] = level
    np.maximum(canvas, lines, out=canvas)


def _separator(char, height, rng) -> np.ndarray:
    """A hand-drawn separator for digits ``height`` tall: its ink, anti-aliased."""
    jitter = lambda: rng.uniform(-0.06, 0.06) * height  # noqa: E731
    if char == "/":
        size = (height, 0.55 * height)
        points = [(height, 0.05 * height + jitter()), (0, 0.5 * height + jitter())]
    elif char == "-":
        length = rng.uniform(0.3, 0.5) * height
        size = (0.2 * height, length)
        points = [(0.1 * height + jitter(), 0), (0.1 * height + jitter(), length)]
    elif char == ",":
        size = (0.35 * height, 0.25 * height)
        points = [
            (0, 0.18 * height),
            (0.12 * height, 0.16 * height),
            (0.35 * height, 0.03 * height),
        ]
    elif char == ".":
        size = (0.15 * height, 0.15 * height)
        points = [(0.07 * height, 0.07 * height)]
    else:
        raise ValueError(f"No separator {char!r}.")
    radius = STROKE * height * rng.uniform(0.4, 0.6)
    pad = int(np.ceil(radius)) + 1
    rows, cols = (int(np.ceil(side)) + 2 * pad for side in size)
    grid_r, grid_c = np.mgrid[0:rows, 0:cols]
    ink = np.zeros((rows, cols))
    path = np.array(points) + pad
    if len(path) == 1:
        path = np.vstack([path, path])
    for start, stop in itertools.pairwise(path):
        for t in np.linspace(0, 1, int(np.hypot(*(stop - start))) + 2):
            r, c = start + t * (stop - start)
            ink[(grid_r - r) ** 2 + (grid_c - c) ** 2 <= radius**2] = 1.0
    return ndimage.gaussian_filter(ink, 0.6)


def _lean(ink, degrees) -> np.ndarray:
    """``ink`` leaning right by ``degrees`` (its top moved right of its bottom)."""
    shear = np.tan(np.deg2rad(degrees))
    height, width = ink.shape
    extra = int(np.ceil(abs(shear) * height))
    # Output (row, col) reads input (row, col - shear * (height - 1 - row)).
    offset = (0, -shear * (height - 1) - (extra if shear < 0 else 0))
    return ndimage.affine_transform(
        ink,
        np.array([[1, 0], [shear, 1]]),
        offset=offset,
        output_shape=(height, width + extra),
        order=1,
    )


def _scan(ink, polarity, contrast, noise, blur, rng) -> np.ndarray:
    """The field as a scanner gives it: grey levels 0-255, uint8."""
    if polarity == "either":
        polarity = ("dark_on_light", "light_on_dark")[rng.randint(2)]
    sigma = rng.uniform(*blur)
    if sigma > 0:
        ink = ndimage.gaussian_filter(ink, sigma)
    strength = rng.uniform(*contrast) * 255
    shadow = np.linspace(0, rng.uniform(0, 25), ink.shape[1])[None, :]
    if polarity == "dark_on_light":
        field = rng.uniform(215, 250) - shadow - strength * ink
    else:
        field = rng.uniform(5, 40) + shadow + strength * ink
    field = field + rng.normal(0, rng.uniform(*noise), ink.shape)
    return np.clip(np.round(field), 0, 255).astype(np.uint8)
