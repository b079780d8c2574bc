"""Random distortions of digit images, vectorised in JAX.

The two families of Simard, Steinkraus and Platt (ICDAR 2003), the
augmentation behind their 99.3% one-hidden-layer network on MNIST:

- **elastic**: each pixel moves by a random displacement field, uniform in
  [-1, 1], smoothed by a Gaussian of width ``sigma`` and scaled by ``alpha``;
- **affine**: a random rotation, scale, shear and translation, and
  optionally a random blur (`random_blur`).

Both are pure JAX functions of a PRNG key and a batch of images, so they run
inside a compiled training step; the image is resampled bilinearly, with
zeros (background) outside it.
"""

import math
from numbers import Real

from sklearn.utils._param_validation import Interval

__all__ = [
    "PARAMETER_CONSTRAINTS",
    "affine_distort",
    "elastic_displacements",
    "elastic_distort",
    "random_blur",
    "warp",
]


# The constraints on each distortion's keyword parameters (finite, and
# within their meaning), checked before a fit trains with them: a NaN or an
# infinite value would only show as a diverged fit.
PARAMETER_CONSTRAINTS = {
    "elastic": {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "sigma": [Interval(Real, 0, None, closed="neither")],
    },
    "affine": {
        "rotation": [Interval(Real, 0, 180, closed="both")],
        "scale": [Interval(Real, 0, 1, closed="left")],
        "shear": [Interval(Real, 0, None, closed="left")],
        "translation": [Interval(Real, 0, None, closed="left")],
        "blur": [Interval(Real, 0, None, closed="left")],
    },
}


def _jax():
    import jax
    import jax.numpy as jnp

    return jax, jnp


def _gaussian_matrix(size: int, sigma: float):
    """(size, size) matrix of a Gaussian smoothing with zeros outside.

    Smoothing a field F along both axes is then ``G_h @ F @ G_w.T``: two
    small matrix products instead of a convolution.
    """
    _, jnp = _jax()
    index = jnp.arange(size, dtype=jnp.float32)
    radius = max(1, math.ceil(3 * sigma))
    offsets = index[None, :] - index[:, None]
    weights = jnp.exp(-0.5 * (offsets / sigma) ** 2) * (jnp.abs(offsets) <= radius)
    kernel_sum = jnp.exp(
        -0.5 * (jnp.arange(-radius, radius + 1, dtype=jnp.float32) / sigma) ** 2
    ).sum()
    return weights / kernel_sum


def _smooth(fields, sigma: float):
    """Gaussian smoothing of (n, h, w) fields, separable, zero outside."""
    height, width = fields.shape[1:]
    rows, cols = _gaussian_matrix(height, sigma), _gaussian_matrix(width, sigma)
    return rows @ fields @ cols.T


def elastic_displacements(key, n_images: int, image_shape, *, alpha=34.0, sigma=4.0):
    """Smooth random displacement fields, shape (n_images, 2, height, width).

    Parameters
    ----------
    key : jax.random key
        The randomness.

    n_images : int
        How many fields.

    image_shape : tuple of int
        (height, width).

    alpha : float, default=34.0
        Scale of the displacements, in pixels (Simard et al.'s value).

    sigma : float, default=4.0
        Width of the Gaussian that smooths them, in pixels.

    Returns
    -------
    displacements : jax.Array of shape (n_images, 2, height, width)
        The row and column displacement of each pixel.
    """
    jax, _ = _jax()
    height, width = image_shape
    noise = jax.random.uniform(
        key, (2 * n_images, height, width), minval=-1.0, maxval=1.0
    )
    return (alpha * _smooth(noise, sigma)).reshape(n_images, 2, height, width)


def warp(images, displacements):
    """Resample (n, h, w) images at their pixel grid plus (n, 2, h, w) shifts.

    Bilinear interpolation, zero (background) outside the image: four
    gathers from the flattened images.
    """
    _, jnp = _jax()
    n, height, width = images.shape
    rows = jnp.arange(height, dtype=images.dtype)[:, None] + displacements[:, 0]
    cols = jnp.arange(width, dtype=images.dtype)[None, :] + displacements[:, 1]
    row0, col0 = jnp.floor(rows), jnp.floor(cols)
    row_weight, col_weight = rows - row0, cols - col0
    row0, col0 = row0.astype(jnp.int32), col0.astype(jnp.int32)
    flat = images.reshape(n, height * width)

    def pixel(r, c):
        inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
        index = jnp.clip(r, 0, height - 1) * width + jnp.clip(c, 0, width - 1)
        values = jnp.take_along_axis(flat, index.reshape(n, -1), axis=1)
        return values.reshape(n, height, width) * inside

    return (
        pixel(row0, col0) * (1 - row_weight) * (1 - col_weight)
        + pixel(row0, col0 + 1) * (1 - row_weight) * col_weight
        + pixel(row0 + 1, col0) * row_weight * (1 - col_weight)
        + pixel(row0 + 1, col0 + 1) * row_weight * col_weight
    )


def elastic_distort(key, images, *, alpha=34.0, sigma=4.0):
    """Elastic distortions of a batch of (n, h, w) images.

    ``alpha=0`` returns the images unchanged.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from skdigits.augmentation import elastic_distort
    >>> images = np.zeros((2, 28, 28), dtype=np.float32)
    >>> images[:, 10:18, 12:16] = 1.0
    >>> key = jax.random.key(0)
    >>> elastic_distort(key, images).shape
    (2, 28, 28)
    >>> bool(np.allclose(elastic_distort(key, images, alpha=0), images))
    True
    """
    displacements = elastic_displacements(
        key, images.shape[0], images.shape[1:], alpha=alpha, sigma=sigma
    )
    return warp(images, displacements)


def affine_distort(
    key, images, *, rotation=15.0, scale=0.15, shear=0.3, translation=2.0, blur=0.0
):
    """Random affine distortions of a batch of (n, h, w) images.

    Each image gets its own rotation (uniform in +-``rotation`` degrees),
    scale (1 +- ``scale``, per axis), shear (+- ``shear``) and translation
    (+- ``translation`` pixels), about its centre; then, if ``blur`` > 0,
    a Gaussian blur of width uniform in [0, ``blur``] pixels (`random_blur`).
    All zero is the identity.
    """
    jax, jnp = _jax()
    n, height, width = images.shape
    keys = jax.random.split(key, 5)
    u = lambda k, size, limit: jax.random.uniform(  # noqa: E731
        k, size, minval=-limit, maxval=limit
    )
    angle = jnp.deg2rad(u(keys[0], (n,), rotation))
    scales = 1.0 + u(keys[1], (n, 2), scale)
    shears = u(keys[2], (n,), shear)
    shifts = u(keys[3], (n, 2), translation)
    cos, sin = jnp.cos(angle), jnp.sin(angle)
    # The map from output to input pixel coordinates, about the centre.
    rotate = jnp.stack([jnp.stack([cos, -sin], -1), jnp.stack([sin, cos], -1)], -2)
    shear_m = jnp.stack(
        [
            jnp.stack([jnp.ones(n), shears], -1),
            jnp.stack([jnp.zeros(n), jnp.ones(n)], -1),
        ],
        -2,
    )
    matrix = rotate @ shear_m / scales[:, :, None]
    centre = jnp.array([(height - 1) / 2, (width - 1) / 2], dtype=images.dtype)
    rows, cols = jnp.meshgrid(
        jnp.arange(height, dtype=images.dtype),
        jnp.arange(width, dtype=images.dtype),
        indexing="ij",
    )
    grid = jnp.stack([rows, cols]) - centre[:, None, None]  # (2, h, w)
    source = (
        jnp.einsum("nij,jhw->nihw", matrix, grid) + (centre + shifts)[:, :, None, None]
    )
    displacements = source - (grid + centre[:, None, None])
    warped = warp(images, displacements)
    if blur == 0:
        return warped
    return random_blur(keys[4], warped, max_sigma=blur)


def random_blur(key, images, *, max_sigma=1.5):
    """Blur each of (n, h, w) images by a Gaussian of its own width.

    The width is uniform in [0, ``max_sigma``] pixels, and each image keeps
    its peak intensity: the thicker, softer strokes of a low-resolution scan
    (scikit-learn's ``load_digits`` is 8x8) or a blunt pen. Zeros outside
    the image.

    Examples
    --------
    >>> import jax, numpy as np
    >>> from skdigits.augmentation import random_blur
    >>> images = np.zeros((2, 28, 28), dtype=np.float32)
    >>> images[:, 10:18, 13:15] = 1.0
    >>> blurred = random_blur(jax.random.key(0), images, max_sigma=1.5)
    >>> blurred.shape, float(blurred.max())
    ((2, 28, 28), 1.0)
    """
    jax, jnp = _jax()
    n, height, width = images.shape
    sigma = jax.random.uniform(key, (n,), minval=0.0, maxval=max_sigma)
    sigma = jnp.maximum(sigma, 1e-3).astype(images.dtype)[:, None, None]

    def gaussian(size):
        # (n, size, size): each image's smoothing along one axis, with the
        # whole kernel's sum as the norm, so that zeros lie outside.
        index = jnp.arange(size, dtype=images.dtype)
        offsets = index[None, :] - index[:, None]
        line = jnp.arange(-(size - 1), size, dtype=images.dtype)
        norm = jnp.exp(-0.5 * (line[None, None, :] / sigma) ** 2).sum(-1)
        return jnp.exp(-0.5 * (offsets[None] / sigma) ** 2) / norm[..., None]

    blurred = gaussian(height) @ images @ jnp.swapaxes(gaussian(width), 1, 2)
    peak = images.max(axis=(1, 2), keepdims=True)
    blurred_peak = blurred.max(axis=(1, 2), keepdims=True)
    return blurred * jnp.where(
        blurred_peak > 0, peak / jnp.where(blurred_peak > 0, blurred_peak, 1), 0
    )
