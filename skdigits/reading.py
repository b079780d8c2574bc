"""Reading a line of handwritten digits: a cheque amount, a postcode, a form field.

`read_field` reads a field whole, by default with the field reader skdigits
ships (`skdigits.field_reader.default_reader`), which reads digits that
touch, slant, sit in a form's boxes or on a printed line, and separators;
given a classifier of MNIST digits instead, it cuts the field as below.

`segment_digits` cuts a scanned field (dark ink on light paper, or the
reverse) into digits: the ink's connected pieces, grouped into one digit when
their columns overlap (a stroke broken in two, the bar of a 5 above its
body), with the specks of the paper dropped. Each digit is normalized to
MNIST's format (`skdigits.preprocessing.normalize_digit`), so digits of
different sizes and baselines read alike. `read_digits` then asks a
classifier and returns the text, with a rejected digit as "?".

What cutting does not handle: digits that touch or overlap strongly (they are read
as one), slanted writing whose digits share columns, several lines, and
separators other than blank space (a decimal comma is read as a speck or a
digit).
"""

import functools
from dataclasses import dataclass
from numbers import Real

import numpy as np
from scipy import ndimage
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import HasMethods, Interval, validate_params

from skdigits._digit_normalization import (
    INK_CONSTRAINTS,
    NoInkError,
    check_image,
    ink_image,
    place_ink,
    reduction,
)
from skdigits.field_reader import (
    FieldReading,
    _character_alternatives,
    default_reader,
)
from skdigits.formats import FieldFormat
from skdigits.preprocessing import PixelScaler

__all__ = [
    "DigitReading",
    "check_probabilities",
    "infer_pixel_max",
    "read_digits",
    "read_field",
    "segment_digits",
]

# What the classifier route rejects below, as `FieldReader` does by default.
CUT_REJECT_THRESHOLD = 0.5


@dataclass(frozen=True)
class Segment:
    """One digit of a field: its box and its ink."""

    # Top, left, bottom, right (exclusive), in the field's pixels.
    box: tuple[int, int, int, int]
    # The box's ink, light on black, other digits' masked out; at the
    # reduced resolution of `check_image` for an image over
    # `MAX_WORKING_PIXELS`.
    ink: np.ndarray


@dataclass(frozen=True)
class DigitReading:
    """What `read_digits` read in a field.

    Attributes
    ----------
    text : str
        The digits read, left to right, a rejected one as "?".

    digits : list
        The predicted class of each digit (rejected ones included).

    probabilities : ndarray of shape (n_digits,)
        The probability of each predicted class.

    proba : ndarray of shape (n_digits, n_classes)
        Each digit's probability for every class, in the order of
        ``classes``.

    classes : ndarray of shape (n_classes,)
        The estimator's classes.

    rejected : ndarray of shape (n_digits,) of bool
        Which digits fell below ``reject_threshold``.

    boxes : list of (top, left, bottom, right)
        Each digit's box in the field, in pixels (bottom and right
        exclusive).

    images : ndarray of shape (n_digits, 28, 28)
        What the classifier saw: each digit normalized to MNIST's format.
    """

    text: str
    digits: list
    probabilities: np.ndarray
    proba: np.ndarray
    classes: np.ndarray
    rejected: np.ndarray
    boxes: list
    images: np.ndarray


@validate_params(
    {
        "image": ["array-like", "sparse matrix"],
        "polarity": INK_CONSTRAINTS["polarity"],
        "overlap": [Interval(Real, 0, 1, closed="both")],
        "min_height": [Interval(Real, 0, 1, closed="both")],
        "min_size": INK_CONSTRAINTS["min_size"],
    },
    prefer_skip_nested_validation=True,
)
def segment_digits(
    image,
    *,
    polarity: str = "auto",
    overlap: float = 0.5,
    min_height: float = 0.3,
    min_size: float = 0.05,
) -> list[Segment]:
    """Cut a field into digits, left to right.

    Parameters
    ----------
    image : array-like of shape (height, width)
        The scanned field, grayscale, either polarity.

    polarity : {"auto", "dark_on_light", "light_on_dark"}, default="auto"
        The ink's polarity.

    overlap : float, default=0.5
        Pieces of ink are one digit when their column ranges overlap by this
        share of the narrower one.

    min_height : float, default=0.3
        A group of pieces less tall than this share of the tallest group is
        a speck (or a dot, a dash), and dropped. Height, not ink: a "1"
        written small has a tenth of the ink of a large "8", but most of its
        height.

    min_size : float, default=0.05
        A piece of ink whose longer side is below this share of the field's
        height (and below 3 pixels) is a speck, and dropped, even when every
        piece is one.

    Returns
    -------
    segments : list of Segment
        Each digit's box and ink, left to right.
    """
    ink = ink_image(image, polarity=polarity, min_piece=0.0, min_size=min_size)
    # The ink of an image over `MAX_WORKING_PIXELS` is reduced by blocks; the
    # boxes are given in the field's own pixels.
    k_rows, k_cols = reduction(np.shape(image))
    labels, n_pieces = ndimage.label(ink > 0, structure=np.ones((3, 3)))
    slices = ndimage.find_objects(labels)
    order = sorted(range(n_pieces), key=lambda i: slices[i][1].start)
    groups: list[list[int]] = []
    for piece in order:
        left, right = slices[piece][1].start, slices[piece][1].stop
        for group in groups:
            g_left = min(slices[i][1].start for i in group)
            g_right = max(slices[i][1].stop for i in group)
            shared = min(right, g_right) - max(left, g_left)
            if shared >= overlap * min(right - left, g_right - g_left):
                group.append(piece)
                break
        else:
            groups.append([piece])
    if not groups:
        return []
    spans = [
        (min(slices[i][0].start for i in group), max(slices[i][0].stop for i in group))
        for group in groups
    ]
    tallest = max(bottom - top for top, bottom in spans)
    segments = []
    for group, (top, bottom) in zip(groups, spans, strict=True):
        if bottom - top < min_height * tallest:
            continue
        left = min(slices[i][1].start for i in group)
        right = max(slices[i][1].stop for i in group)
        mine = np.isin(labels[top:bottom, left:right], np.array(group) + 1)
        box = (top * k_rows, left * k_cols, bottom * k_rows, right * k_cols)
        segments.append(Segment(box, ink[top:bottom, left:right] * mine))
    return sorted(segments, key=lambda segment: segment.box[1])


@validate_params(
    {
        "image": ["array-like", "sparse matrix"],
        "estimator": [HasMethods(["predict_proba"])],
        "reject_threshold": [Interval(Real, 0, 1, closed="both"), None],
        "polarity": INK_CONSTRAINTS["polarity"],
        "pixel_max": [Interval(Real, 0, None, closed="neither"), None],
    },
    prefer_skip_nested_validation=True,
)
def read_digits(
    image,
    estimator,
    *,
    reject_threshold: float | None = None,
    polarity: str = "auto",
    pixel_max: float | None = None,
) -> DigitReading:
    """Read a line of handwritten digits.

    Parameters
    ----------
    image : array-like of shape (height, width)
        The scanned field, grayscale: dark ink on light paper, or the
        reverse.

    estimator : fitted classifier with ``predict_proba``
        Trained on MNIST's format: rows of 784 pixels, light ink on black,
        in [0, ``pixel_max``].

    reject_threshold : float, default=None
        A digit whose highest probability is below it is rejected, and shown
        as "?"; None accepts every digit. See
        :func:`skdigits.metrics.error_reject_curve` to choose it.

    polarity : {"auto", "dark_on_light", "light_on_dark"}, default="auto"
        The ink's polarity.

    pixel_max : float, default=None
        The value of a fully inked pixel in what ``estimator`` takes: 1.0
        for a classifier fitted on ``X / 255`` of `fetch_mnist`, 255.0 for
        a pipeline that starts with ``PixelScaler()`` and is fitted on
        `fetch_mnist`'s pixels. None infers it (`infer_pixel_max`): the
        ``max_value`` of a pipeline's leading `PixelScaler`, else 1.0.

    Returns
    -------
    reading : DigitReading
        The text, the digits, their probabilities, boxes and images.

    Raises
    ------
    skdigits.preprocessing.NoInkError
        If the field holds no ink, or only specks.

    ValueError
        If the estimator's probabilities cannot be right: NaN or infinite
        (a diverged network), outside [0, 1], or not one per class.
    """
    if isinstance(reject_threshold, bool):
        raise TypeError(
            "reject_threshold must be a probability in [0, 1] or None, got "
            f"{reject_threshold!r}."
        )
    if pixel_max is None:
        pixel_max = infer_pixel_max(estimator)
    segments = segment_digits(image, polarity=polarity)
    if not segments:
        images = np.zeros((0, 28, 28))
        proba = np.zeros((0, len(estimator.classes_)))
    else:
        images = np.stack([place_ink(segment.ink) for segment in segments])
        proba = check_probabilities(
            estimator.predict_proba(images.reshape(len(images), -1) * pixel_max),
            n_samples=len(images),
            n_classes=len(estimator.classes_),
        )
    best = proba.argmax(axis=1)
    probabilities = proba.max(axis=1)
    rejected = (
        np.zeros(len(best), dtype=bool)
        if reject_threshold is None
        else probabilities < reject_threshold
    )
    digits = [estimator.classes_[i] for i in best]
    text = "".join(
        "?" if reject else str(digit)
        for digit, reject in zip(digits, rejected, strict=True)
    )
    return DigitReading(
        text=text,
        digits=digits,
        probabilities=probabilities,
        proba=proba,
        classes=np.asarray(estimator.classes_),
        rejected=rejected,
        boxes=[segment.box for segment in segments],
        images=images,
    )


@validate_params(
    {
        "image": ["array-like"],
        "reader": [None, HasMethods(["read"]), HasMethods(["predict_proba"])],
        "format": [None, str, FieldFormat],
        "reject_threshold": [None, Interval(Real, 0, 1, closed="both")],
    },
    prefer_skip_nested_validation=True,
)
def read_field(
    image,
    reader=None,
    *,
    format: "str | FieldFormat | None" = None,
    reject_threshold: float | None = None,
) -> FieldReading:
    """Read a handwritten field whole: a number, an amount, a date.

    With no ``reader``, the field reader skdigits ships reads the field
    without cutting it, so digits that touch, slant, sit in boxes or on a
    printed line are read, and separators (``, . - /``) too. A fitted
    `~skdigits.field_reader.FieldReader` reads it the same way. A
    classifier of MNIST digits reads it by cutting it into digits
    (`read_digits`): the text's probability is then the product of its
    digits'.

    Parameters
    ----------
    image : array-like of shape (height, width)
        The scanned field, grayscale, dark ink on light paper or the
        reverse.

    reader : FieldReader or classifier, default=None
        A fitted field reader; a fitted classifier of 784 MNIST pixels
        with ``predict_proba`` (the field is cut into digits); None for
        the shipped reader.

    format : str or FieldFormat, default=None
        What the field may say: a regular expression over what the reader
        reads (``r"\\d{5}"``), or a `~skdigits.formats.FieldFormat` with a
        check. A field read otherwise is rejected.

    reject_threshold : float, default=None
        The probability of the whole text below which the field is
        rejected; None uses a field reader's ``reject_threshold``, and
        0.5 for a classifier.

    Returns
    -------
    reading : FieldReading
        The text, its probability, whether it is rejected (a field read as
        empty always is), and each character's alternatives.

    See Also
    --------
    read_digits : The cut digits, with their boxes and images.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdigits.datasets import make_digit_fields
    >>> from skdigits.reading import read_field
    >>> digits = load_digits()
    >>> fields, texts = make_digit_fields(
    ...     digits.images / 16, digits.target, 1, kind="touching", random_state=0
    ... )
    >>> reading = read_field(fields[0], format=r"\\d{3,7}")
    >>> sorted(vars(reading))
    ['alternatives', 'probability', 'rejected', 'text']
    >>> reading.rejected or reading.probability >= 0.5
    True
    """
    try:
        image = check_image(image, name="image")
    except ValueError as error:
        if "inhomogeneous" not in str(error):
            raise
        raise ValueError(
            "image must be a 2-D array of pixels; its rows have different lengths."
        ) from None
    if reader is None:
        reader = _shipped_reader()
    if hasattr(reader, "read"):
        return reader.read([image], format=format, reject_threshold=reject_threshold)[0]
    return _read_cut_field(
        image,
        reader,
        FieldFormat(format) if isinstance(format, str) else format,
        CUT_REJECT_THRESHOLD if reject_threshold is None else reject_threshold,
    )


# `read_field` keeps the shipped reader it loads, which it never hands out.
_shipped_reader = functools.cache(default_reader)


def _read_cut_field(image, estimator, text_format, threshold) -> FieldReading:
    """`read_field` by a classifier of the field's cut digits."""
    try:
        reading = read_digits(image, estimator)
    except NoInkError:
        return FieldReading(text="", probability=0.0, rejected=True, alternatives=[])
    labels = [str(label) for label in reading.classes]
    text = "".join(str(digit) for digit in reading.digits)
    fits = text_format is None or (
        text_format.automaton("".join(labels)).accepts(text)
        and (text_format.check is None or text_format.check(text))
    )
    probability = float(np.prod(reading.probabilities))
    alternatives = [
        _character_alternatives(proba, labels, int(np.argmax(proba)))
        for proba in reading.proba
    ]
    return FieldReading(
        text=text,
        probability=probability,
        rejected=not text or not fits or probability < threshold,
        alternatives=alternatives,
    )


def infer_pixel_max(estimator) -> float:
    """The pixel scale ``estimator`` takes: 255 after a `PixelScaler`, else 1.

    Parameters
    ----------
    estimator : estimator
        A fitted classifier, or a pipeline ending in one.

    Returns
    -------
    pixel_max : float
        The ``max_value`` of the `PixelScaler` that starts a
        `~sklearn.pipeline.Pipeline` (MNIST's 255, as `fetch_mnist` gives
        the pixels), or of the pipeline an `skdigits.onnx.OnnxClassifier`
        was exported from; 1.0 for anything else, read as taking pixels in
        [0, 1].

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdigits.preprocessing import PixelScaler
    >>> from skdigits.reading import infer_pixel_max
    >>> infer_pixel_max(make_pipeline(PixelScaler(), LogisticRegression()))
    255.0
    >>> infer_pixel_max(LogisticRegression())
    1.0
    """
    if isinstance(estimator, Pipeline) and isinstance(estimator[0], PixelScaler):
        return float(estimator[0].max_value)
    # A model exported by `skdigits.onnx.to_onnx` records its pipeline's scale.
    return float(getattr(estimator, "pixel_max_", 1.0))


def check_probabilities(proba, *, n_samples: int, n_classes: int) -> np.ndarray:
    """``proba`` if it can be the probabilities of the samples, else an error.

    A digit read from NaN or infinite values (a diverged network, a broken
    model), from values outside [0, 1] or from an array of another shape
    would be a guess presented as an answer: each is refused.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        What a classifier's ``predict_proba`` returned.

    n_samples : int
        The number of samples it was given.

    n_classes : int
        The number of its classes.

    Returns
    -------
    proba : ndarray of shape (n_samples, n_classes)
        The same values, as an array.

    Raises
    ------
    ValueError
        Naming what is wrong: the shape, the dtype, the samples with
        non-finite values, or the range.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.reading import check_probabilities
    >>> check_probabilities([[0.2, 0.8]], n_samples=1, n_classes=2)
    array([[0.2, 0.8]])
    >>> check_probabilities(
    ...     [[np.nan, np.nan]], n_samples=1, n_classes=2
    ... )  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: The estimator's predict_proba gave NaN or infinite values ...
    """
    proba = np.asarray(proba)
    if proba.shape != (n_samples, n_classes):
        raise ValueError(
            f"The estimator's predict_proba gave shape {proba.shape} for "
            f"{n_samples} digits and {n_classes} classes; expected "
            f"{(n_samples, n_classes)}."
        )
    if proba.dtype.kind not in "biuf":
        raise ValueError(
            f"The estimator's predict_proba gave dtype {proba.dtype}, not numbers."
        )
    bad = ~np.isfinite(proba).all(axis=1)
    if bad.any():
        raise ValueError(
            "The estimator's predict_proba gave NaN or infinite values for digits "
            f"{np.flatnonzero(bad).tolist()}: its probabilities cannot be read (a "
            "diverged or broken model?)."
        )
    tolerance = 1e-6
    if proba.size and (proba.min() < -tolerance or proba.max() > 1 + tolerance):
        raise ValueError(
            "The estimator's predict_proba gave values outside [0, 1] (from "
            f"{proba.min():.6g} to {proba.max():.6g}): they are not probabilities."
        )
    return proba
