"""The one place where rows of pixels become images, and panels become axes."""

import math

import numpy as np


def infer_image_shape(n_features: int, image_shape=None) -> tuple[int, int]:
    """The (height, width) of images with ``n_features`` pixels.

    Square images are inferred (784 -> 28x28, 64 -> 8x8); anything else
    needs ``image_shape``.
    """
    if image_shape is not None:
        height, width = image_shape
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


def panel_axes(n_panels: int, ax=None, n_cols=None, panel_size=1.6):
    """A figure and ``n_panels`` axes in a grid.

    With ``ax`` None, a new figure; with one Axes, its area is split into the
    grid (as scikit-learn's PartialDependenceDisplay does); with an array of
    axes, those, which must be at least ``n_panels``.
    """
    import matplotlib.pyplot as plt

    n_cols = n_cols or min(n_panels, 10)
    n_rows = math.ceil(n_panels / n_cols)
    if ax is None:
        figure, axes = plt.subplots(
            n_rows,
            n_cols,
            figsize=(panel_size * n_cols, panel_size * n_rows + 0.4),
            squeeze=False,
        )
        axes = axes.ravel()
    elif hasattr(ax, "get_subplotspec"):
        figure = ax.figure
        grid = ax.get_subplotspec().subgridspec(n_rows, n_cols)
        ax.remove()
        axes = np.array([figure.add_subplot(grid[i]) for i in range(n_rows * n_cols)])
    else:
        axes = np.asarray(ax, dtype=object).ravel()
        if len(axes) < n_panels:
            raise ValueError(f"Expected {n_panels} axes, got {len(axes)}.")
        figure = axes[0].figure
    for extra in axes[n_panels:]:
        extra.set_visible(False)
    return figure, axes[:n_panels]


def show_image(ax, image, title=None, cmap="gray_r"):
    """Draw one digit image, without ticks."""
    ax.imshow(image, cmap=cmap, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None:
        ax.set_title(title, fontsize=9)
