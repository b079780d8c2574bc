"""The one place where rows of pixels become images."""

import math
import numbers

import numpy as np


def check_image_shape(image_shape) -> tuple[int, int]:
    """``image_shape`` as (height, width), two positive integers, or an error."""
    try:
        values = tuple(image_shape)
    except TypeError:
        values = None
    if (
        values is None
        or len(values) != 2
        or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1
            for v in values
        )
    ):
        raise ValueError(
            "image_shape must be (height, width), two positive integers; got "
            f"{image_shape!r}."
        )
    return int(values[0]), int(values[1])


def infer_image_shape(n_features: int, image_shape=None) -> tuple[int, int]:
    """The (height, width) of images with ``n_features`` pixels.

    Square images are inferred (784 -> 28x28, 64 -> 8x8); anything else
    needs ``image_shape``.
    """
    if image_shape is not None:
        height, width = check_image_shape(image_shape)
        if height * width != n_features:
            raise ValueError(
                f"image_shape={tuple(image_shape)} has {height * width} pixels, "
                f"but the data have {n_features} features."
            )
        return int(height), int(width)
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError(
            f"Cannot infer the image shape of {n_features} features: it is not a "
            "square number. Pass image_shape=(height, width)."
        )
    return side, side


def to_images(X, image_shape=None) -> np.ndarray:
    """Rows of pixels (n, h*w), or images (n, h, w), as images (n, h, w)."""
    X = np.asarray(X)
    if X.ndim == 3:
        return X
    if X.ndim != 2:
        raise ValueError(f"Expected 2D rows of pixels or 3D images, got {X.ndim}D.")
    return X.reshape(len(X), *infer_image_shape(X.shape[1], image_shape))
