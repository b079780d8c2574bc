"""Panels of axes, and digit images drawn in them."""

import math

import numpy as np

from skdigits._images import infer_image_shape, to_images

__all__ = ["infer_image_shape", "panel_axes", "plain_text", "show_image", "to_images"]


def plain_text(value) -> str:
    """``value`` as text that matplotlib draws as it is.

    A label such as ``"$5"`` or ``"$\\frac$"`` would otherwise be parsed as
    mathtext (and may fail to parse); escaped dollars are drawn literally.
    """
    return str(value).replace("$", r"\$")


def panel_axes(n_panels: int, ax=None, n_cols=None, panel_size=1.6, layout=None):
    """A figure and ``n_panels`` axes in a grid.

    With ``ax`` None, a new figure (with matplotlib's ``layout``, e.g.
    "constrained"); with one Axes, its area is split into the grid (as
    scikit-learn's PartialDependenceDisplay does); with an array of axes,
    those, which must be at least ``n_panels``.
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
            layout=layout,
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
