"""Looking at the data: sample grid, label distribution, average images."""

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from skdigits.inspect._images import panel_axes, plain_text, show_image, to_images


class SampleGridDisplay:
    """A grid of digit images with their labels, and optionally predictions.

    Create it with :meth:`from_data` or :meth:`from_estimator`; the
    constructor only stores what it is given.

    Parameters
    ----------
    images : ndarray of shape (n_images, height, width)
        The images shown.

    labels : ndarray of shape (n_images,)
        Their true labels.

    predictions : ndarray of shape (n_images,), default=None
        Their predicted labels; a wrong prediction is titled in red.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        One Axes per image.

    figure_ : matplotlib Figure
        The figure holding them.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdigits.inspect import SampleGridDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> display = SampleGridDisplay.from_data(X, y, n_samples=10)
    >>> display.images.shape, display.labels.tolist()
    ((10, 8, 8), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """

    def __init__(self, images, labels, predictions=None):
        self.images = images
        self.labels = labels
        self.predictions = predictions

    def plot(self, *, ax=None, n_cols=None, cmap="gray_r"):
        """Draw the grid.

        Parameters
        ----------
        ax : matplotlib Axes or array of Axes, default=None
            One Axes, whose area is split into the grid, or one Axes per
            image; None makes a new figure.

        n_cols : int, default=None
            Images per row (at most 10 by default).

        cmap : str, default="gray_r"
            The colormap of the images.

        Returns
        -------
        display : SampleGridDisplay
        """
        self.figure_, self.axes_ = panel_axes(len(self.images), ax=ax, n_cols=n_cols)
        for i, axis in enumerate(self.axes_):
            title = plain_text(self.labels[i])
            if self.predictions is not None:
                title = (
                    f"true {plain_text(self.labels[i])}\n"
                    f"pred {plain_text(self.predictions[i])}"
                )
            show_image(axis, self.images[i], title=title, cmap=cmap)
            if self.predictions is not None and self.predictions[i] != self.labels[i]:
                axis.title.set_color("red")
        return self

    @classmethod
    def from_data(
        cls,
        X,
        y,
        *,
        n_samples=25,
        random_state=None,
        image_shape=None,
        ax=None,
        n_cols=None,
    ):
        """Show ``n_samples`` images of X with their labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w)
            The images, as rows of pixels or as 2-D images.

        y : array-like of shape (n_samples,)
            Their labels.

        n_samples : int, default=25
            How many images to show.

        random_state : int, RandomState instance or None, default=None
            None shows the first images; otherwise a random choice.

        image_shape : tuple of int, default=None
            (height, width), for images that are not square.

        ax : matplotlib Axes or array of Axes, default=None
            Where to draw; see :meth:`plot`.

        n_cols : int, default=None
            Images per row.

        Returns
        -------
        display : SampleGridDisplay
        """
        images, y = to_images(X, image_shape), np.asarray(y)
        index = _choose(len(images), n_samples, random_state)
        return cls(images[index], y[index]).plot(ax=ax, n_cols=n_cols)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        n_samples=25,
        random_state=None,
        image_shape=None,
        ax=None,
        n_cols=None,
    ):
        """Show images with their labels and the estimator's predictions.

        Parameters are those of :meth:`from_data`, and ``estimator``, a
        fitted classifier taking X's rows of pixels.

        Returns
        -------
        display : SampleGridDisplay
        """
        y = np.asarray(y)
        index = _choose(len(y), n_samples, random_state)
        X_shown = X.iloc[index] if hasattr(X, "iloc") else np.asarray(X)[index]
        images = to_images(np.asarray(X_shown), image_shape)
        predictions = estimator.predict(X_shown)
        return cls(images, y[index], predictions).plot(ax=ax, n_cols=n_cols)


def _choose(n_available, n_samples, random_state):
    n_samples = min(n_samples, n_available)
    if random_state is None:
        return np.arange(n_samples)
    return np.sort(
        check_random_state(random_state).choice(n_available, n_samples, replace=False)
    )


class LabelDistributionDisplay:
    """The number of images of each digit, one bar per subset side by side.

    Parameters
    ----------
    counts : pandas DataFrame
        One row per label, one column per subset (e.g. "train", "test").

    Attributes
    ----------
    ax_ : matplotlib Axes
        The bar chart.

    figure_ : matplotlib Figure
        Its figure.

    Examples
    --------
    >>> from skdigits.inspect import LabelDistributionDisplay
    >>> display = LabelDistributionDisplay.from_labels([0, 1, 1], [1, 2])
    >>> display.counts.to_dict()
    {'train': {0: 1, 1: 2, 2: 0}, 'test': {0: 0, 1: 1, 2: 1}}
    """

    def __init__(self, counts):
        self.counts = counts

    def plot(self, *, ax=None, palette="deep"):
        """Draw the bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; None makes a new figure.

        palette : str, default="deep"
            The seaborn palette of the subsets.

        Returns
        -------
        display : LabelDistributionDisplay
        """
        import matplotlib.pyplot as plt
        import seaborn as sns

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.5))
        long = self.counts.reset_index().melt(
            id_vars="label", var_name="subset", value_name="count"
        )
        long["label"] = long["label"].map(plain_text)
        sns.barplot(
            long,
            x="label",
            y="count",
            hue="subset",
            palette=palette,
            errorbar=None,
            ax=ax,
        )
        ax.set_xlabel("digit")
        ax.set_ylabel("images")
        ax.set_title("Images per digit")
        # Outside the axes, right of them: inside, it covers the bars of the
        # first digits, which are as tall as the others.
        sns.move_legend(
            ax, "upper left", bbox_to_anchor=(1.01, 1), title=None, frameon=False
        )
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_labels(cls, y_train, y_test=None, *, ax=None):
        """Count the labels of one or two subsets and draw them.

        Parameters
        ----------
        y_train : array-like of shape (n_train,)
            The training labels.

        y_test : array-like of shape (n_test,), default=None
            The test labels, if any.

        ax : matplotlib Axes, default=None
            Where to draw.

        Returns
        -------
        display : LabelDistributionDisplay
        """
        subsets = {"train": np.asarray(y_train)}
        if y_test is not None:
            subsets["test"] = np.asarray(y_test)
        labels = np.unique(np.concatenate(list(subsets.values())))
        counts = pd.DataFrame(
            {
                name: pd.Series(values).value_counts().reindex(labels, fill_value=0)
                for name, values in subsets.items()
            }
        )
        counts.index.name = "label"
        return cls(counts).plot(ax=ax)


class AverageImageDisplay:
    """The mean image of each class, as a heatmap per class.

    Parameters
    ----------
    average_images : ndarray of shape (n_classes, height, width)
        The mean of the images of each class.

    labels : ndarray of shape (n_classes,)
        The classes.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        One Axes per class.

    figure_ : matplotlib Figure
        Their figure.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdigits.inspect import AverageImageDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> display = AverageImageDisplay.from_data(X, y)
    >>> display.average_images.shape
    (10, 8, 8)
    """

    def __init__(self, average_images, labels):
        self.average_images = average_images
        self.labels = labels

    def plot(self, *, ax=None, n_cols=None, cmap="viridis"):
        """Draw one heatmap per class, on a shared colour scale.

        Parameters
        ----------
        ax : matplotlib Axes or array of Axes, default=None
            One Axes, split into the panels, or one per class.

        n_cols : int, default=None
            Panels per row.

        cmap : str, default="viridis"
            The colormap.

        Returns
        -------
        display : AverageImageDisplay
        """
        import seaborn as sns

        self.figure_, self.axes_ = panel_axes(
            len(self.labels), ax=ax, n_cols=n_cols, panel_size=1.8
        )
        vmin, vmax = self.average_images.min(), self.average_images.max()
        for axis, label, image in zip(
            self.axes_, self.labels, self.average_images, strict=True
        ):
            sns.heatmap(
                image,
                ax=axis,
                cmap=cmap,
                vmin=vmin,
                vmax=vmax,
                cbar=False,
                square=True,
                xticklabels=False,
                yticklabels=False,
            )
            axis.set_title(f"average {plain_text(label)}", fontsize=9)
        return self

    @classmethod
    def from_data(cls, X, y, *, image_shape=None, ax=None, n_cols=None, cmap="viridis"):
        """Compute the mean image of each class of y, and draw them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w)
            The images.

        y : array-like of shape (n_samples,)
            Their classes.

        image_shape : tuple of int, default=None
            (height, width), for images that are not square.

        ax : matplotlib Axes or array of Axes, default=None
            Where to draw; see :meth:`plot`.

        n_cols : int, default=None
            Panels per row.

        cmap : str, default="viridis"
            The colormap.

        Returns
        -------
        display : AverageImageDisplay
        """
        images, y = to_images(X, image_shape), np.asarray(y)
        labels = np.unique(y)
        average = np.stack([images[y == label].mean(axis=0) for label in labels])
        return cls(average, labels).plot(ax=ax, n_cols=n_cols, cmap=cmap)
