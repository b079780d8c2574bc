"""How far to trust the answers: the error-reject curve and the reliability diagram."""

from skdigits.inspect._images import plain_text
from skdigits.metrics import (
    error_reject_curve,
    expected_calibration_error,
    rejection_at_error,
    top_label_calibration_curve,
)


def _new_axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


class ErrorRejectDisplay:
    """Error rate among the accepted answers against the rejection rate.

    The data are :func:`skdigits.metrics.error_reject_curve`'s; the plot
    marks the rejection needed for ``target_error`` (0.5% by default, LeCun
    et al.'s figure for MNIST).

    Parameters
    ----------
    rejection_rates, error_rates, thresholds : ndarray
        The curve, as :func:`~skdigits.metrics.error_reject_curve` returns it.

    rejection_at_target : float
        The rejection needed for ``target_error``.

    target_error : float
        The error rate marked on the plot.

    name : str, default=None
        The classifier's name, for the legend.

    Attributes
    ----------
    line_ : matplotlib Line2D
        The curve.

    ax_ : matplotlib Axes

    figure_ : matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.inspect import ErrorRejectDisplay
    >>> y_proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    >>> display = ErrorRejectDisplay.from_predictions([0, 1, 1, 0], y_proba)
    >>> display.error_rates.tolist()
    [0.0, 0.0, 0.0, 0.0, 0.25]
    >>> display.rejection_at_target
    0.25
    """

    def __init__(
        self,
        rejection_rates,
        error_rates,
        thresholds,
        rejection_at_target,
        target_error,
        name=None,
    ):
        self.rejection_rates = rejection_rates
        self.error_rates = error_rates
        self.thresholds = thresholds
        self.rejection_at_target = rejection_at_target
        self.target_error = target_error
        self.name = name

    def plot(self, *, ax=None, name=None):
        """Draw the curve, in percent.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw in; None makes a new figure.

        name : str, default=None
            Legend name; None uses ``name`` given at creation.

        Returns
        -------
        display : ErrorRejectDisplay
        """
        ax = _new_axes(ax, (5.5, 4))
        name = self.name if name is None else name
        label = "" if name is None else plain_text(name)
        label += (
            f"{': ' if label else ''}{self.rejection_at_target:.1%} rejected for "
            f"{self.target_error:.1%} error"
        )
        (self.line_,) = ax.plot(
            100 * self.rejection_rates, 100 * self.error_rates, label=label
        )
        ax.axhline(100 * self.target_error, color="gray", linestyle=":", linewidth=1)
        ax.plot(
            [100 * self.rejection_at_target],
            [100 * self.target_error],
            marker="o",
            color=self.line_.get_color(),
        )
        ax.set_xlabel("rejected (%)")
        ax.set_ylabel("error among the accepted (%)")
        ax.set_title("Error-reject trade-off")
        ax.set_xlim(0, 100)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8)
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_predictions(
        cls,
        y_true,
        y_proba,
        *,
        labels=None,
        target_error=0.005,
        name=None,
        ax=None,
    ):
        """Compute the curve from probabilities and draw it.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.

        y_proba : array-like of shape (n_samples, n_classes)
            Class probabilities.

        labels : array-like of shape (n_classes,), default=None
            The classes of ``y_proba``'s columns; see
            :func:`~skdigits.metrics.error_reject_curve`.

        target_error : float, default=0.005
            The error rate whose rejection is marked.

        name : str, default=None
            Legend name.

        ax : matplotlib Axes, default=None
            Axes to draw in.

        Returns
        -------
        display : ErrorRejectDisplay
        """
        curve = error_reject_curve(y_true, y_proba, labels=labels)
        rejection = rejection_at_error(y_true, y_proba, target_error, labels=labels)
        return cls(*curve, rejection, target_error, name=name).plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, target_error=0.005, name=None, ax=None):
        """Compute the curve of a fitted classifier on (X, y) and draw it.

        Parameters
        ----------
        estimator : fitted classifier with ``predict_proba``

        X : array-like of shape (n_samples, n_features)

        y : array-like of shape (n_samples,)

        target_error, name, ax
            As in :meth:`from_predictions`; ``name`` defaults to the
            estimator's class name.

        Returns
        -------
        display : ErrorRejectDisplay
        """
        return cls.from_predictions(
            y,
            estimator.predict_proba(X),
            labels=estimator.classes_,
            target_error=target_error,
            name=type(estimator).__name__ if name is None else name,
            ax=ax,
        )


class ReliabilityDisplay:
    """Multiclass top-label reliability diagram.

    For bins of confidence (the highest probability), the share of right
    answers against the mean confidence: on the diagonal, a confidence of
    0.9 is right 9 times in 10. scikit-learn's CalibrationDisplay is for
    binary problems; this is its top-label version for many classes. The data
    are :func:`skdigits.metrics.top_label_calibration_curve`'s.

    Parameters
    ----------
    accuracy, confidence, weight : ndarray of shape (n_nonempty_bins,)
        The curve.

    ece : float
        The expected calibration error, in the same bins.

    name : str, default=None
        The classifier's name, for the legend.

    Attributes
    ----------
    line_ : matplotlib Line2D
        Accuracy against confidence.

    ax_ : matplotlib Axes

    figure_ : matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.inspect import ReliabilityDisplay
    >>> y_proba = np.array([[0.95, 0.05], [0.1, 0.9], [0.6, 0.4], [0.65, 0.35]])
    >>> display = ReliabilityDisplay.from_predictions([0, 1, 1, 0], y_proba, n_bins=4)
    >>> display.accuracy.tolist(), round(display.ece, 4)
    ([0.5, 1.0], 0.1)
    """

    def __init__(self, accuracy, confidence, weight, ece, name=None):
        self.accuracy = accuracy
        self.confidence = confidence
        self.weight = weight
        self.ece = ece
        self.name = name

    def plot(self, *, ax=None, name=None):
        """Draw accuracy against confidence, and the diagonal.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw in; None makes a new figure.

        name : str, default=None
            Legend name; None uses ``name`` given at creation.

        Returns
        -------
        display : ReliabilityDisplay
        """
        ax = _new_axes(ax, (4.5, 4.5))
        name = self.name if name is None else name
        label = ("" if name is None else f"{plain_text(name)}: ") + (
            f"ECE {self.ece:.2%}"
        )
        ax.plot([0, 1], [0, 1], color="gray", linestyle=":", linewidth=1)
        (self.line_,) = ax.plot(self.confidence, self.accuracy, marker="o", label=label)
        ax.set_xlabel("confidence (mean of the bin)")
        ax.set_ylabel("accuracy")
        ax.set_title("Reliability")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1.02)
        ax.legend(fontsize=8, loc="upper left")
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_predictions(
        cls, y_true, y_proba, *, labels=None, n_bins=15, name=None, ax=None
    ):
        """Compute the diagram from probabilities and draw it.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.

        y_proba : array-like of shape (n_samples, n_classes)
            Class probabilities.

        labels : array-like of shape (n_classes,), default=None
            The classes of ``y_proba``'s columns.

        n_bins : int, default=15
            Equal-width bins of confidence.

        name : str, default=None
            Legend name.

        ax : matplotlib Axes, default=None
            Axes to draw in.

        Returns
        -------
        display : ReliabilityDisplay
        """
        curve = top_label_calibration_curve(
            y_true, y_proba, n_bins=n_bins, labels=labels
        )
        ece = expected_calibration_error(y_true, y_proba, n_bins=n_bins, labels=labels)
        return cls(*curve, ece, name=name).plot(ax=ax)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, n_bins=15, name=None, ax=None):
        """Compute the diagram of a fitted classifier on (X, y) and draw it.

        Parameters
        ----------
        estimator : fitted classifier with ``predict_proba``

        X : array-like of shape (n_samples, n_features)

        y : array-like of shape (n_samples,)

        n_bins, name, ax
            As in :meth:`from_predictions`; ``name`` defaults to the
            estimator's class name.

        Returns
        -------
        display : ReliabilityDisplay
        """
        return cls.from_predictions(
            y,
            estimator.predict_proba(X),
            labels=estimator.classes_,
            n_bins=n_bins,
            name=type(estimator).__name__ if name is None else name,
            ax=ax,
        )
