"""Scanned fields of handwritten digit strings, made from digit images."""

import numpy as np
from scipy import ndimage
from sklearn.utils import check_random_state


def make_digit_strings(
    images,
    labels,
    *,
    n_strings: int = 100,
    length: tuple[int, int] = (3, 7),
    scale: tuple[float, float] = (1.0, 2.0),
    gap: tuple[int, int] = (4, 20),
    baseline: int = 8,
    noise: float = 8.0,
    random_state=None,
):
    """Render strings of digit images as scanned fields, with their text.

    Each field is a row of ``length`` digits drawn from ``images`` (light ink
    on black, such as MNIST's), each enlarged by its own random ``scale``,
    separated by random ``gap`` pixels, shifted up or down by up to
    ``baseline`` pixels, printed dark on light paper with a shadow across it
    and ``noise`` (standard deviation, in 0-255 grey levels) of grain.

    Parameters
    ----------
    images : array-like of shape (n_images, height, width)
        Digit images, light ink on black, values in [0, 255] or [0, 1].

    labels : array-like of shape (n_images,)
        Their digits.

    n_strings : int, default=100
        Fields to make.

    length : (int, int), default=(3, 7)
        Least and most digits in a field.

    scale : (float, float), default=(1.0, 2.0)
        Range of the digits' enlargement.

    gap : (int, int), default=(4, 20)
        Range of the blank pixels between digits' images.

    baseline : int, default=8
        Largest shift of a digit up or down.

    noise : float, default=8.0
        Standard deviation of the paper's grain.

    random_state : int, RandomState instance or None, default=None
        Seeds the draws.

    Returns
    -------
    fields : list of ndarray of shape (height, width), uint8
        The scanned fields, of various widths.

    texts : list of str
        The digits of each field.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.datasets import make_digit_strings
    >>> images = np.zeros((2, 28, 28)); images[:, 6:22, 12:16] = 255
    >>> fields, texts = make_digit_strings(images, [1, 7], n_strings=2,
    ...                                    random_state=0)
    >>> len(fields), all(len(t) in range(3, 8) for t in texts)
    (2, True)
    >>> fields[0].dtype
    dtype('uint8')
    """
    images = np.asarray(images, dtype=np.float64)
    if images.max() > 1:
        images = images / 255
    labels = np.asarray(labels)
    rng = check_random_state(random_state)
    fields, texts = [], []
    for _ in range(n_strings):
        chosen = rng.randint(len(images), size=rng.randint(length[0], length[1] + 1))
        digits = [
            np.clip(ndimage.zoom(images[i], rng.uniform(*scale), order=1), 0, 1)
            for i in chosen
        ]
        height = max(d.shape[0] for d in digits) + 2 * baseline + 16
        gaps = rng.randint(gap[0], gap[1] + 1, size=len(digits))
        width = sum(d.shape[1] for d in digits) + gaps.sum() + 16
        ink = np.zeros((height, width))
        left = 8
        for digit, space in zip(digits, gaps, strict=True):
            top = (height - digit.shape[0]) // 2 + rng.randint(-baseline, baseline + 1)
            region = ink[top : top + digit.shape[0], left : left + digit.shape[1]]
            np.maximum(region, digit, out=region)
            left += digit.shape[1] + space
        shadow = np.linspace(0, rng.uniform(0, 50), width)[None, :]
        paper = 240 - shadow + rng.normal(0, noise, (height, width))
        fields.append(np.clip(paper - 220 * ink, 0, 255).astype(np.uint8))
        texts.append("".join(str(labels[i]) for i in chosen))
    return fields, texts
