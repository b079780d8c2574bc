"""Two or more fitted classifiers side by side."""

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix

from skdigits.inspect._evaluation import per_class_accuracy, row_percentages


class ModelComparisonDisplay:
    """Fitted classifiers side by side on the same test data.

    Four panels: test accuracy, training loss curves (of the models that have
    a ``loss_curve_``, last step of a pipeline included), per-class accuracy,
    and the difference of the first two models' confusion matrices, in
    percent of each true class (positive: the second model does more of it).

    Parameters
    ----------
    summary : pandas DataFrame
        One row per model: "accuracy".

    per_class : pandas DataFrame
        The accuracy of each class (rows) for each model (columns).

    loss_curves : dict of str to list of float
        The training loss of each epoch, per model that has one.

    confusion_difference : ndarray of shape (n_classes, n_classes)
        Percentages of the second model minus those of the first.

    labels : ndarray of shape (n_classes,)
        The classes.

    Attributes
    ----------
    axes_ : ndarray of four matplotlib Axes
        The panels.

    figure_ : matplotlib Figure
        Their figure.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from skdigits.inspect import ModelComparisonDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> models = {"bayes": GaussianNB().fit(X, y),
    ...           "logistic": LogisticRegression(max_iter=2000).fit(X, y)}
    >>> display = ModelComparisonDisplay.from_estimators(models, X, y)
    >>> display.summary.index.tolist()
    ['bayes', 'logistic']
    """

    def __init__(self, summary, per_class, loss_curves, confusion_difference, labels):
        self.summary = summary
        self.per_class = per_class
        self.loss_curves = loss_curves
        self.confusion_difference = confusion_difference
        self.labels = labels

    def plot(self, *, ax=None):
        """Draw the four panels.

        Parameters
        ----------
        ax : matplotlib Axes or array of four Axes, default=None
            One Axes, split into 2x2 panels, or four Axes.

        Returns
        -------
        display : ModelComparisonDisplay
        """
        import seaborn as sns

        from skdigits.inspect._images import panel_axes, plain_text

        self.figure_, self.axes_ = panel_axes(
            4, ax=ax, n_cols=2, panel_size=5, layout="constrained"
        )
        accuracy_ax, loss_ax, class_ax, difference_ax = self.axes_

        summary = self.summary.reset_index(names="model")
        summary["model"] = summary["model"].map(plain_text)
        sns.barplot(
            summary, x="model", y="accuracy", hue="model", errorbar=None, ax=accuracy_ax
        )
        low = summary["accuracy"].min()
        accuracy_ax.set_ylim(max(0.0, low - 0.05), 1.0)
        for patch, value in zip(accuracy_ax.patches, summary["accuracy"], strict=False):
            accuracy_ax.annotate(
                f"{value:.2%}",
                (patch.get_x() + patch.get_width() / 2, patch.get_height()),
                ha="center",
                va="bottom",
                fontsize=9,
            )
        accuracy_ax.set_xlabel("")
        accuracy_ax.set_title("Test accuracy")

        for name, curve in self.loss_curves.items():
            loss_ax.plot(np.arange(1, len(curve) + 1), curve, label=plain_text(name))
        loss_ax.set_xlabel("epoch")
        loss_ax.set_ylabel("training loss")
        loss_ax.set_yscale("log")
        loss_ax.set_title("Training loss")
        if self.loss_curves:
            loss_ax.legend()

        per_class = self.per_class.reset_index(names="class").melt(
            id_vars="class", var_name="model", value_name="accuracy"
        )
        per_class["class"] = per_class["class"].map(plain_text)
        per_class["model"] = per_class["model"].map(plain_text)
        sns.barplot(
            per_class, x="class", y="accuracy", hue="model", errorbar=None, ax=class_ax
        )
        class_ax.set_ylim(max(0.0, per_class["accuracy"].min() - 0.05), 1.0)
        class_ax.set_title("Accuracy per class")
        # Below the panel, where it hides no bar.
        sns.move_legend(
            class_ax,
            "upper center",
            bbox_to_anchor=(0.5, -0.12),
            ncol=min(len(self.summary), 3),
            title=None,
            frameon=False,
        )

        names = list(self.summary.index[:2])
        limit = np.abs(self.confusion_difference).max() or 1.0
        sns.heatmap(
            self.confusion_difference,
            ax=difference_ax,
            cmap="RdBu_r",
            center=0,
            vmin=-limit,
            vmax=limit,
            annot=True,
            fmt=".1f",
            annot_kws={"fontsize": 6},
            xticklabels=[plain_text(label) for label in self.labels],
            yticklabels=[plain_text(label) for label in self.labels],
        )
        difference_ax.set_xlabel("predicted")
        difference_ax.set_ylabel("true")
        difference_ax.set_title(
            "Confusion difference (%)\n"
            f"{plain_text(names[-1])} minus {plain_text(names[0])}"
        )
        return self

    @classmethod
    def from_estimators(cls, estimators, X, y, *, ax=None):
        """Score fitted classifiers on the same data and draw the comparison.

        Parameters
        ----------
        estimators : dict of str to fitted classifier
            The models, by name, in display order (at least two).

        X : array-like of shape (n_samples, n_features)
            Test data.

        y : array-like of shape (n_samples,)
            True labels.

        ax : matplotlib Axes or array of four Axes, default=None
            Where to draw.

        Returns
        -------
        display : ModelComparisonDisplay
        """
        if len(estimators) < 2:
            raise ValueError(f"Compare at least two models, got {len(estimators)}.")
        y = np.asarray(y)
        labels = np.unique(y)
        predictions = {name: model.predict(X) for name, model in estimators.items()}
        summary = pd.DataFrame(
            {
                "accuracy": {
                    name: np.mean(pred == y) for name, pred in predictions.items()
                }
            }
        )
        per_class = pd.DataFrame(
            {name: per_class_accuracy(y, pred) for name, pred in predictions.items()}
        )
        loss_curves = {}
        for name, model in estimators.items():
            final = model.steps[-1][1] if hasattr(model, "steps") else model
            if hasattr(final, "loss_curve_"):
                loss_curves[name] = list(final.loss_curve_)
        first, second = (
            row_percentages(confusion_matrix(y, predictions[name], labels=labels))
            for name in list(estimators)[:2]
        )
        return cls(summary, per_class, loss_curves, second - first, labels).plot(ax=ax)
