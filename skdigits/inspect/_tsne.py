"""The t-SNE projection of digit images, coloured by digit."""

import numpy as np
from sklearn.utils import check_random_state

from skdigits.inspect._images import plain_text

# Tuned on the 10,000 MNIST test images, by the time and the accuracy of a
# 10-nearest-neighbour classifier on the 2-D points (docs/design.rst).
# A smaller perplexity keeps fewer neighbours (cheaper attraction) and, for
# digits, tighter clusters; angle 0.8 coarsens the Barnes-Hut repulsion.
_PCA_COMPONENTS = 30
_PERPLEXITY = 15.0
_MAX_ITER = 400
_ANGLE = 0.8


def tsne_embedding(
    X,
    *,
    n_samples=None,
    n_components_pca=_PCA_COMPONENTS,
    perplexity=_PERPLEXITY,
    max_iter=_MAX_ITER,
    angle=_ANGLE,
    random_state=None,
    n_jobs=None,
):
    """Embed images in 2-D with t-SNE, after a PCA.

    The PCA (to ``n_components_pca`` dimensions) keeps the neighbourhoods of
    digit images and makes the neighbour search cheap; scikit-learn's
    Barnes-Hut t-SNE, started from the PCA's first two components with the
    "auto" learning rate, then converges in ``max_iter`` iterations. The
    defaults were chosen on the 10,000 MNIST test images, for their time and
    the 10-nearest-neighbour accuracy of the 2-D points (``docs/design.rst``).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The images, as rows of pixels.

    n_samples : int, default=None
        Embed a random subset of this size; None embeds all.

    n_components_pca : int, default=30
        Dimensions kept by the PCA; None skips it.

    perplexity : float, default=15.0
        The t-SNE perplexity (about the number of neighbours kept).

    max_iter : int, default=400
        t-SNE iterations (at least 250, the early exaggeration).

    angle : float, default=0.8
        Barnes-Hut's trade-off between speed (larger) and accuracy.

    random_state : int, RandomState instance or None, default=None
        The subset, the PCA and the t-SNE.

    n_jobs : int, default=None
        Processes for the neighbour search (-1: all cores).

    Returns
    -------
    embedding : ndarray of shape (n_embedded, 2)
        The 2-D points.

    index : ndarray of shape (n_embedded,)
        The rows of X embedded, in order.
    """
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    X = np.asarray(X, dtype=np.float32)
    rng = check_random_state(random_state)
    index = np.arange(len(X))
    if n_samples is not None and n_samples < len(X):
        index = np.sort(rng.choice(len(X), n_samples, replace=False))
    data = X[index]
    seed = rng.randint(np.iinfo(np.int32).max)
    if n_components_pca is not None and n_components_pca < data.shape[1]:
        data = PCA(n_components_pca, random_state=seed).fit_transform(data)
    tsne = TSNE(
        n_components=2,
        perplexity=perplexity,
        init="pca",
        learning_rate="auto",
        max_iter=max_iter,
        angle=angle,
        random_state=seed,
        n_jobs=n_jobs,
    )
    return tsne.fit_transform(data), index


class TSNEDisplay:
    """A 2-D t-SNE embedding of images, one colour per digit, with a legend.

    Parameters
    ----------
    embedding : ndarray of shape (n_points, 2)
        The embedded points.

    labels : ndarray of shape (n_points,)
        The digit of each point.

    Attributes
    ----------
    scatter_ : list of matplotlib PathCollection
        One scatter per digit.

    ax_ : matplotlib Axes
        The plot.

    figure_ : matplotlib Figure
        Its figure.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdigits.inspect import TSNEDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> display = TSNEDisplay.from_data(X, y, n_samples=300, random_state=0)
    >>> display.embedding.shape
    (300, 2)
    """

    def __init__(self, embedding, labels):
        self.embedding = embedding
        self.labels = labels

    def plot(self, *, ax=None, palette="tab10", point_size=4):
        """Draw the points.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; None makes a new figure.

        palette : str, default="tab10"
            The seaborn palette of the digits.

        point_size : float, default=4
            Marker size.

        Returns
        -------
        display : TSNEDisplay
        """
        import matplotlib.pyplot as plt
        import seaborn as sns

        if ax is None:
            _, ax = plt.subplots(figsize=(6.5, 6))
        classes = np.unique(self.labels)
        colours = sns.color_palette(palette, len(classes))
        self.scatter_ = [
            ax.scatter(
                *self.embedding[self.labels == label].T,
                s=point_size,
                color=colour,
                label=plain_text(label),
                alpha=0.7,
                linewidths=0,
            )
            for label, colour in zip(classes, colours, strict=True)
        ]
        ax.legend(
            title="digit",
            markerscale=3,
            fontsize=8,
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
        )
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(f"t-SNE of {len(self.labels)} images")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_data(
        cls,
        X,
        y,
        *,
        n_samples=None,
        random_state=None,
        n_jobs=None,
        ax=None,
        **tsne_params,
    ):
        """Embed the images of X with :func:`tsne_embedding` and draw them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The images, as rows of pixels.

        y : array-like of shape (n_samples,)
            Their digits.

        n_samples : int, default=None
            Embed a random subset of this size; None embeds all.

        random_state : int, RandomState instance or None, default=None
            The subset and the embedding.

        n_jobs : int, default=None
            Processes for the neighbour search.

        ax : matplotlib Axes, default=None
            Where to draw.

        **tsne_params : dict
            Other parameters of :func:`tsne_embedding`.

        Returns
        -------
        display : TSNEDisplay
        """
        embedding, index = tsne_embedding(
            X,
            n_samples=n_samples,
            random_state=random_state,
            n_jobs=n_jobs,
            **tsne_params,
        )
        return cls(embedding, np.asarray(y)[index]).plot(ax=ax)
