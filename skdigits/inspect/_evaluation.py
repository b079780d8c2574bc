"""Looking at a classifier's results: confusion, per-class accuracy, mistakes."""

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.utils.multiclass import unique_labels

from skdigits.inspect._images import panel_axes, plain_text, show_image, to_images


def row_percentages(counts: np.ndarray) -> np.ndarray:
    """Each row of a confusion matrix in percent of its sum (0 for empty rows)."""
    totals = counts.sum(axis=1, keepdims=True)
    return np.divide(
        100.0 * counts, totals, out=np.zeros(counts.shape), where=totals > 0
    )


def per_class_accuracy(y_true, y_pred) -> pd.Series:
    """The share of each class's samples predicted right (its recall)."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return pd.Series(y_true == y_pred).groupby(y_true).mean()


def classification_report_frame(y_true, y_pred, *, labels=None) -> pd.DataFrame:
    """scikit-learn's classification report as a DataFrame.

    One row per class (precision, recall, f1-score, support), then the
    accuracy and the macro and weighted averages, the figures of
    :func:`sklearn.metrics.classification_report`. The class rows come
    first, indexed by the labels as text; a class named like a summary row
    (``"accuracy"``, ``"macro avg"``) keeps its own row, so the last three
    rows are always the summary (``frame.iloc[:-3]`` are the classes).

    Examples
    --------
    >>> from skdigits.inspect import classification_report_frame
    >>> float(classification_report_frame([0, 1, 1], [0, 1, 0]).loc["1", "recall"])
    0.5
    """
    if labels is None:
        labels = unique_labels(y_true, y_pred)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    columns = ["precision", "recall", "f1-score", "support"]
    rows = np.column_stack([precision, recall, f1, support.astype(float)])
    total = support.sum()
    summary = [
        [np.nan, np.nan, accuracy_score(y_true, y_pred), total],
        [precision.mean(), recall.mean(), f1.mean(), total],
        [
            *(
                np.average(values, weights=support) if total else 0.0
                for values in (precision, recall, f1)
            ),
            total,
        ],
    ]
    index = [str(label) for label in labels] + ["accuracy", "macro avg", "weighted avg"]
    return pd.DataFrame(np.vstack([rows, summary]), index=index, columns=columns)


class ConfusionMatrixPercentDisplay:
    """Confusion matrix as a seaborn heatmap, in percent of each true class.

    Parameters
    ----------
    counts : ndarray of shape (n_classes, n_classes)
        ``counts[i, j]``: samples of class i predicted as j.

    labels : ndarray of shape (n_classes,)
        The classes.

    Attributes
    ----------
    percentages : ndarray of shape (n_classes, n_classes)
        Each row of ``counts`` in percent of its sum (the recall of each
        class on the diagonal).

    ax_ : matplotlib Axes
        The heatmap.

    figure_ : matplotlib Figure
        Its figure.

    Examples
    --------
    >>> from skdigits.inspect import ConfusionMatrixPercentDisplay
    >>> y_true, y_pred = [0, 0, 1, 1], [0, 1, 1, 1]
    >>> display = ConfusionMatrixPercentDisplay.from_predictions(y_true, y_pred)
    >>> display.percentages
    array([[ 50.,  50.],
           [  0., 100.]])
    """

    def __init__(self, counts, labels):
        self.counts = counts
        self.labels = labels
        self.percentages = row_percentages(counts)

    def plot(self, *, ax=None, values="percent", cmap="Blues", annot=True):
        """Draw the heatmap.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; None makes a new figure.

        values : {"percent", "counts"}, default="percent"
            What the cells show.

        cmap : str, default="Blues"
            The colormap.

        annot : bool, default=True
            Whether to write the value in each cell.

        Returns
        -------
        display : ConfusionMatrixPercentDisplay
        """
        import matplotlib.pyplot as plt
        import seaborn as sns

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 6))
        data, fmt = (
            (self.percentages, ".1f") if values == "percent" else (self.counts, "d")
        )
        sns.heatmap(
            data,
            ax=ax,
            annot=annot,
            fmt=fmt,
            cmap=cmap,
            xticklabels=[plain_text(label) for label in self.labels],
            yticklabels=[plain_text(label) for label in self.labels],
            cbar_kws={
                "label": "% of the true class" if values == "percent" else "count"
            },
            annot_kws={"fontsize": 7},
        )
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        ax.set_title("Confusion matrix" + (" (%)" if values == "percent" else ""))
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_predictions(
        cls, y_true, y_pred, *, labels=None, ax=None, values="percent"
    ):
        """Compute the matrix from labels and predictions, and draw it.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.

        y_pred : array-like of shape (n_samples,)
            Predicted labels.

        labels : array-like of shape (n_classes,), default=None
            The classes, in order; None takes those present.

        ax : matplotlib Axes, default=None
            Where to draw.

        values : {"percent", "counts"}, default="percent"
            What the cells show.

        Returns
        -------
        display : ConfusionMatrixPercentDisplay
        """
        if labels is None:
            labels = np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_pred)]))
        counts = confusion_matrix(y_true, y_pred, labels=labels)
        return cls(counts, np.asarray(labels)).plot(ax=ax, values=values)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, labels=None, ax=None, values="percent"):
        """Predict X with a fitted classifier, then as :meth:`from_predictions`.

        Returns
        -------
        display : ConfusionMatrixPercentDisplay
        """
        if labels is None:
            labels = estimator.classes_
        return cls.from_predictions(
            y, estimator.predict(X), labels=labels, ax=ax, values=values
        )


class PerClassAccuracyDisplay:
    """One bar per class: the share of its samples classified right.

    Parameters
    ----------
    per_class : pandas DataFrame
        Indexed by class, with columns "accuracy" (the recall of the class)
        and "support" (its number of samples).

    accuracy : float
        The overall accuracy, drawn as a horizontal line.

    Attributes
    ----------
    ax_ : matplotlib Axes
        The bar chart.

    figure_ : matplotlib Figure
        Its figure.

    Examples
    --------
    >>> from skdigits.inspect import PerClassAccuracyDisplay
    >>> y_true, y_pred = [0, 0, 1, 1], [0, 1, 1, 1]
    >>> display = PerClassAccuracyDisplay.from_predictions(y_true, y_pred)
    >>> display.per_class["accuracy"].tolist(), display.accuracy
    ([0.5, 1.0], 0.75)
    """

    def __init__(self, per_class, accuracy):
        self.per_class = per_class
        self.accuracy = accuracy

    def plot(self, *, ax=None, sort=False, color=None):
        """Draw the bars.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; None makes a new figure.

        sort : bool, default=False
            Bars from the worst class to the best, instead of in class order.

        color : color, default=None
            The bars' colour.

        Returns
        -------
        display : PerClassAccuracyDisplay
        """
        import matplotlib.pyplot as plt
        import seaborn as sns

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.5))
        data = (
            self.per_class.sort_values("accuracy", kind="stable")
            if sort
            else self.per_class
        )
        data = data.reset_index()
        data["class"] = data["class"].map(plain_text)
        sns.barplot(
            data,
            x="class",
            y="accuracy",
            color=color,
            errorbar=None,
            order=data["class"],
            ax=ax,
        )
        ax.axhline(self.accuracy, color="black", linestyle="--", linewidth=1)
        ax.text(
            len(data) - 0.5,
            self.accuracy,
            f"overall {self.accuracy:.2%}",
            ha="right",
            va="bottom",
            fontsize=8,
        )
        low = min(data["accuracy"].min(), self.accuracy)
        ax.set_ylim(max(0.0, low - 0.05), 1.0)
        ax.set_xlabel("class")
        ax.set_ylabel("accuracy")
        ax.set_title("Accuracy per class")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_predictions(cls, y_true, y_pred, *, ax=None, sort=False):
        """Compute each class's accuracy, and draw it.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.

        y_pred : array-like of shape (n_samples,)
            Predicted labels.

        ax : matplotlib Axes, default=None
            Where to draw.

        sort : bool, default=False
            Sort the bars by accuracy.

        Returns
        -------
        display : PerClassAccuracyDisplay
        """
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        correct = pd.Series(y_true == y_pred).groupby(y_true)
        per_class = pd.DataFrame(
            {"accuracy": correct.mean(), "support": correct.size()}
        )
        per_class.index.name = "class"
        return cls(per_class, float(np.mean(y_true == y_pred))).plot(ax=ax, sort=sort)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, ax=None, sort=False):
        """Predict X with a fitted classifier, then as :meth:`from_predictions`.

        Returns
        -------
        display : PerClassAccuracyDisplay
        """
        return cls.from_predictions(y, estimator.predict(X), ax=ax, sort=sort)


class MisclassifiedDisplay:
    """The worst mistakes: misclassified images, most confident first.

    Parameters
    ----------
    images : ndarray of shape (n_shown, height, width)
        The misclassified images shown.

    true_labels, predicted_labels : ndarray of shape (n_shown,)
        Their true and predicted labels.

    confidences : ndarray of shape (n_shown,)
        The probability the model gave its (wrong) prediction, decreasing.

    index : ndarray of shape (n_shown,)
        Their rows in the data.

    Attributes
    ----------
    axes_ : ndarray of matplotlib Axes
        One Axes per image.

    figure_ : matplotlib Figure
        Their figure.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.inspect import MisclassifiedDisplay
    >>> X = np.zeros((3, 4))
    >>> display = MisclassifiedDisplay.from_predictions(
    ...     X, [0, 1, 1], [0, 0, 0], confidences=[0.9, 0.6, 0.8])
    >>> display.index.tolist(), display.confidences.tolist()
    ([2, 1], [0.8, 0.6])
    """

    def __init__(self, images, true_labels, predicted_labels, confidences, index):
        self.images = images
        self.true_labels = true_labels
        self.predicted_labels = predicted_labels
        self.confidences = confidences
        self.index = index

    def plot(self, *, ax=None, n_cols=None, cmap="gray_r"):
        """Draw the images, titled "true / predicted (confidence)".

        Parameters
        ----------
        ax : matplotlib Axes or array of Axes, default=None
            One Axes, split into the grid, or one per image.

        n_cols : int, default=None
            Images per row.

        cmap : str, default="gray_r"
            The colormap.

        Returns
        -------
        display : MisclassifiedDisplay
        """
        self.figure_, self.axes_ = panel_axes(
            max(len(self.images), 1), ax=ax, n_cols=n_cols
        )
        for i, axis in enumerate(self.axes_[: len(self.images)]):
            title = (
                f"true {plain_text(self.true_labels[i])}\n"
                f"pred {plain_text(self.predicted_labels[i])} "
                f"({self.confidences[i]:.0%})"
            )
            show_image(axis, self.images[i], title=title, cmap=cmap)
        return self

    @classmethod
    def from_predictions(
        cls,
        X,
        y_true,
        y_pred,
        *,
        confidences=None,
        n_samples=20,
        image_shape=None,
        ax=None,
        n_cols=None,
    ):
        """Select the misclassified samples, worst first, and draw them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, h, w)
            The images.

        y_true, y_pred : array-like of shape (n_samples,)
            True and predicted labels.

        confidences : array-like of shape (n_samples,), default=None
            The probability of each prediction; None keeps the data's order.

        n_samples : int, default=20
            How many mistakes to show at most.

        image_shape : tuple of int, default=None
            (height, width), for images that are not square.

        ax : matplotlib Axes or array of Axes, default=None
            Where to draw.

        n_cols : int, default=None
            Images per row.

        Returns
        -------
        display : MisclassifiedDisplay
        """
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        wrong = np.flatnonzero(y_true != y_pred)
        if confidences is None:
            confidences = np.full(len(y_true), np.nan)
            order = wrong
        else:
            confidences = np.asarray(confidences, dtype=float)
            order = wrong[np.argsort(-confidences[wrong], kind="stable")]
        index = order[:n_samples]
        images = to_images(np.asarray(X)[index], image_shape)
        display = cls(images, y_true[index], y_pred[index], confidences[index], index)
        return display.plot(ax=ax, n_cols=n_cols)

    @classmethod
    def from_estimator(
        cls, estimator, X, y, *, n_samples=20, image_shape=None, ax=None, n_cols=None
    ):
        """Predict X with a fitted classifier, then as :meth:`from_predictions`.

        The confidence of a prediction is its ``predict_proba``.

        Returns
        -------
        display : MisclassifiedDisplay
        """
        proba = estimator.predict_proba(X)
        best = proba.argmax(axis=1)
        return cls.from_predictions(
            X,
            y,
            estimator.classes_[best],
            confidences=proba[np.arange(len(best)), best],
            n_samples=n_samples,
            image_shape=image_shape,
            ax=ax,
            n_cols=n_cols,
        )


class PredictionConfidenceDisplay:
    """One image beside the probability the model gives each class.

    Parameters
    ----------
    image : ndarray of shape (height, width)
        The image.

    probabilities : ndarray of shape (n_classes,)
        The model's probability of each class.

    classes : ndarray of shape (n_classes,)
        The classes.

    true_label : object, default=None
        The image's true label, if known.

    Attributes
    ----------
    axes_ : ndarray of two matplotlib Axes
        The image and the bar chart.

    figure_ : matplotlib Figure
        Their figure.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skdigits.inspect import PredictionConfidenceDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = LogisticRegression(max_iter=2000).fit(X, y)
    >>> display = PredictionConfidenceDisplay.from_estimator(clf, X[0], y[0])
    >>> int(display.classes[display.probabilities.argmax()])
    0
    """

    def __init__(self, image, probabilities, classes, true_label=None):
        self.image = image
        self.probabilities = probabilities
        self.classes = classes
        self.true_label = true_label

    def plot(self, *, ax=None, cmap="gray_r"):
        """Draw the image and the bars; the predicted class is highlighted.

        Parameters
        ----------
        ax : matplotlib Axes or array of two Axes, default=None
            One Axes, split in two, or two Axes.

        cmap : str, default="gray_r"
            The image's colormap.

        Returns
        -------
        display : PredictionConfidenceDisplay
        """
        import seaborn as sns

        self.figure_, self.axes_ = panel_axes(2, ax=ax, n_cols=2, panel_size=3)
        image_ax, bar_ax = self.axes_
        title = (
            None if self.true_label is None else f"true {plain_text(self.true_label)}"
        )
        show_image(image_ax, self.image, title=title, cmap=cmap)
        predicted = int(np.argmax(self.probabilities))
        colours = [
            "tab:blue" if i == predicted else "tab:gray"
            for i in range(len(self.classes))
        ]
        sns.barplot(
            x=[plain_text(c) for c in self.classes],
            y=self.probabilities,
            hue=[plain_text(c) for c in self.classes],
            palette=colours,
            legend=False,
            errorbar=None,
            ax=bar_ax,
        )
        bar_ax.set_ylim(0, 1)
        bar_ax.set_xlabel("class")
        bar_ax.set_ylabel("probability")
        bar_ax.set_title(
            f"pred {plain_text(self.classes[predicted])} "
            f"({self.probabilities[predicted]:.1%})"
        )
        return self

    @classmethod
    def from_estimator(cls, estimator, x, y_true=None, *, image_shape=None, ax=None):
        """The probabilities a fitted classifier gives one image.

        Parameters
        ----------
        estimator : fitted classifier with ``predict_proba``
            The model.

        x : array-like of shape (n_pixels,), (1, n_pixels) or (h, w)
            One image.

        y_true : object, default=None
            Its true label, if known.

        image_shape : tuple of int, default=None
            (height, width), for images that are not square.

        ax : matplotlib Axes or array of two Axes, default=None
            Where to draw.

        Returns
        -------
        display : PredictionConfidenceDisplay
        """
        row = np.asarray(x).reshape(1, -1)
        image = to_images(row, image_shape)[0]
        probabilities = estimator.predict_proba(row)[0]
        return cls(image, probabilities, estimator.classes_, y_true).plot(ax=ax)
