"""Image files (PNG, JPEG, TIFF, ...) as the grayscale arrays skdigits reads.

Pillow decodes them; a file it cannot read, a box outside the image, or an
image too large to decode in bounded memory is a ValueError naming the file.
"""

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["MAX_FILE_PIXELS", "read_image_file"]

# The largest image decoded: a page scanned at 600 dpi is 35 megapixels.
# Larger files are refused before their pixels are decoded.
MAX_FILE_PIXELS = 64_000_000


def read_image_file(
    path: str | os.PathLike, *, box: Sequence[int] | None = None
) -> np.ndarray:
    """The grayscale pixels of an image file, or of a box of it.

    Parameters
    ----------
    path : str or path-like
        An image file Pillow reads (PNG, JPEG, TIFF, BMP, ...). Colour is
        brought to gray (ITU-R 601-2 luma), transparency onto white paper.

    box : (top, left, bottom, right), default=None
        The pixels to read, bottom and right excluded; None reads the whole
        image.

    Returns
    -------
    image : ndarray of shape (height, width), uint8

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from PIL import Image
    >>> from skdigits.image_files import read_image_file
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = f"{folder}/field.png"
    ...     Image.fromarray(np.full((20, 60), 255, np.uint8)).save(path)
    ...     read_image_file(path, box=(2, 5, 12, 45)).shape
    (10, 40)
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > MAX_FILE_PIXELS:
                raise ValueError(
                    f"{path} is {width}x{height} pixels, more than skdigits reads "
                    f"({MAX_FILE_PIXELS:,}); crop the field first."
                )
            if box is not None:
                image = image.crop(_pillow_box(box, height, width, path))
            if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
                background = Image.new("RGBA", image.size, "white")
                image = Image.alpha_composite(background, image.convert("RGBA"))
            pixels = np.asarray(image.convert("L"))
    except FileNotFoundError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as error:
        raise ValueError(f"{path} is not an image skdigits can read: {error}") from None
    except OSError as error:  # a truncated or damaged file
        raise ValueError(f"{path} is damaged or not an image: {error}") from None
    return np.array(pixels, dtype=np.uint8)


def _pillow_box(box, height: int, width: int, path) -> tuple[int, int, int, int]:
    """Pillow's (left, upper, right, lower) of our (top, left, bottom, right)."""
    if len(box) != 4 or not all(isinstance(v, int | np.integer) for v in box):
        raise ValueError(
            f"box must be four integers (top, left, bottom, right); got {box!r}."
        )
    top, left, bottom, right = (int(v) for v in box)
    if not (0 <= top < bottom <= height and 0 <= left < right <= width):
        raise ValueError(
            f"box {(top, left, bottom, right)} is not inside {path}, which is "
            f"{height} rows by {width} columns."
        )
    return left, top, right, bottom
