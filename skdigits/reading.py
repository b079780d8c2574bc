"""Reading a line of handwritten digits: a cheque amount, a postcode, a form field.

`segment_digits` cuts a scanned field (dark ink on light paper, or the
reverse) into digits: the ink's connected pieces, grouped into one digit when
their columns overlap (a stroke broken in two, the bar of a 5 above its
body), with the specks of the paper dropped. Each digit is normalized to
MNIST's format (`skdigits.preprocessing.normalize_digit`), so digits of
different sizes and baselines read alike. `read_digits` then asks a
classifier and returns the text, with a rejected digit as "?".

What it does not handle: digits that touch or overlap strongly (they are read
as one), slanted writing whose digits share columns, several lines, and
separators other than blank space (a decimal comma is read as a speck or a
digit).
"""

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from skdigits._digit_normalization import ink_image, place_ink

__all__ = ["DigitReading", "read_digits", "segment_digits"]


@dataclass(frozen=True)
class Segment:
    """One digit of a field: its box and its ink."""

    box: tuple[int, int, int, int]  # top, left, bottom, right (exclusive)
    ink: np.ndarray  # the box's ink, light on black, other digits' masked out


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


def segment_digits(
    image,
    *,
    polarity: str = "auto",
    overlap: float = 0.5,
    min_height: float = 0.3,
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

    Returns
    -------
    segments : list of Segment
        Each digit's box and ink, left to right.
    """
    ink = ink_image(image, polarity=polarity, min_piece=0.0)
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
        segments.append(
            Segment((top, left, bottom, right), ink[top:bottom, left:right] * mine)
        )
    return sorted(segments, key=lambda segment: segment.box[1])


def read_digits(
    image,
    estimator,
    *,
    reject_threshold: float | None = None,
    polarity: str = "auto",
    pixel_max: float = 1.0,
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

    pixel_max : float, default=1.0
        The value of a fully inked pixel in what ``estimator`` takes: 1.0
        for a classifier fitted on ``X / 255`` of `fetch_mnist`, 255.0 for
        a pipeline that starts with ``PixelScaler()`` and is fitted on
        `fetch_mnist`'s pixels.

    Returns
    -------
    reading : DigitReading
        The text, the digits, their probabilities, boxes and images.

    Raises
    ------
    skdigits.preprocessing.NoInkError
        If the field holds no ink.
    """
    segments = segment_digits(image, polarity=polarity)
    if not segments:
        images = np.zeros((0, 28, 28))
        proba = np.zeros((0, len(estimator.classes_)))
    else:
        images = np.stack([place_ink(segment.ink) for segment in segments])
        proba = estimator.predict_proba(images.reshape(len(images), -1) * pixel_max)
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
