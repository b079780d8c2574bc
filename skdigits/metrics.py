"""How far to trust a classifier's answers: error-reject trade-off, calibration.

A reader of cheques or postcodes answers only when it is confident enough and
sends the rest to a person. `error_reject_curve` gives, for every confidence
threshold, the share of samples rejected and the error rate among those
accepted; `rejection_at_error` the rejection needed to reach a target error
(LeCun et al., 1998, report it for 0.5% on MNIST). `expected_calibration_error`
and `top_label_calibration_curve` say whether a confidence of 0.9 means right
9 times in 10. All take the probabilities of ``predict_proba``, one column per
class; the confidence of a sample is its highest probability, and its answer
the class of that column.
"""

import numpy as np
from sklearn.utils import check_consistent_length, column_or_1d
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import _check_sample_weight, check_array

__all__ = [
    "error_reject_curve",
    "expected_calibration_error",
    "rejection_at_error",
    "threshold_at_error",
    "top_label_calibration_curve",
]


def _confidences_and_correct(y_true, y_proba, labels, sample_weight):
    """Each sample's confidence and whether its answer is right; the weights."""
    y_proba = check_array(y_proba, input_name="y_proba")
    y_true = column_or_1d(y_true)
    check_consistent_length(y_true, y_proba)
    if labels is None:
        labels = unique_labels(y_true)
        if len(labels) != y_proba.shape[1]:
            raise ValueError(
                f"y_proba has {y_proba.shape[1]} columns but y_true has "
                f"{len(labels)} classes: pass the classes of y_proba's columns as "
                "labels (an estimator's classes_)."
            )
    labels = np.asarray(labels)
    if len(labels) != y_proba.shape[1]:
        raise ValueError(
            f"labels has {len(labels)} classes but y_proba has "
            f"{y_proba.shape[1]} columns."
        )
    if np.any(y_proba < 0) or np.any(y_proba > 1):
        raise ValueError("y_proba must hold probabilities, in [0, 1].")
    sample_weight = _check_sample_weight(sample_weight, y_proba)
    confidence = y_proba.max(axis=1)
    correct = labels[y_proba.argmax(axis=1)] == y_true
    return confidence, correct, sample_weight


def error_reject_curve(y_true, y_proba, *, labels=None, sample_weight=None):
    """The error-reject trade-off of a classifier's probabilities.

    A sample is accepted when its confidence (its highest probability) is at
    least the threshold, and rejected otherwise. For each threshold, from
    the highest (everything rejected) down to the lowest confidence
    (nothing rejected), the curve gives the rejection rate and the error
    rate among the accepted samples, in the shape of
    :func:`sklearn.metrics.roc_curve`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.

    y_proba : array-like of shape (n_samples, n_classes)
        Probabilities of the classes, as ``predict_proba`` returns them.

    labels : array-like of shape (n_classes,), default=None
        The classes of ``y_proba``'s columns (an estimator's ``classes_``);
        None takes the sorted labels of ``y_true``, which must then be
        ``n_classes``.

    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    rejection_rates : ndarray of shape (n_thresholds,)
        Weighted share of the samples rejected at each threshold, from 1
        down to 0.

    error_rates : ndarray of shape (n_thresholds,)
        Weighted error rate among the accepted samples; 0 where none is
        accepted.

    thresholds : ndarray of shape (n_thresholds,)
        Decreasing confidence thresholds; ``thresholds[0]`` is ``np.inf``.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.metrics import error_reject_curve
    >>> y_true = [0, 1, 1, 0]
    >>> y_proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    >>> rejection, error, thresholds = error_reject_curve(y_true, y_proba)
    >>> rejection.tolist(), error.tolist()
    ([1.0, 0.75, 0.5, 0.25, 0.0], [0.0, 0.0, 0.0, 0.0, 0.25])
    >>> thresholds.tolist()
    [inf, 0.9, 0.8, 0.7, 0.6]
    """
    confidence, correct, weight = _confidences_and_correct(
        y_true, y_proba, labels, sample_weight
    )
    order = np.argsort(-confidence, kind="stable")
    confidence, correct, weight = confidence[order], correct[order], weight[order]
    # The last sample of each run of equal confidences: a threshold accepts
    # all of them or none.
    ends = np.r_[np.flatnonzero(np.diff(confidence)), len(confidence) - 1]
    accepted = np.cumsum(weight)[ends]
    errors = np.cumsum(weight * ~correct)[ends]
    total = weight.sum()
    rejection_rates = np.r_[1.0, 1 - accepted / total]
    error_rates = np.r_[
        0.0,
        np.divide(errors, accepted, out=np.zeros_like(errors), where=accepted > 0),
    ]
    thresholds = np.r_[np.inf, confidence[ends]]
    return rejection_rates, error_rates, thresholds


def rejection_at_error(
    y_true, y_proba, error=0.005, *, labels=None, sample_weight=None
) -> float:
    """The rejection needed to bring the accepted answers' error down to ``error``.

    LeCun et al. (1998) compare MNIST classifiers by the rejection needed for
    0.5% error, the default.

    Parameters
    ----------
    y_true, y_proba, labels, sample_weight
        As in :func:`error_reject_curve`.

    error : float, default=0.005
        The error rate to reach among the accepted samples.

    Returns
    -------
    rejection : float
        The share of the samples to reject (1.0 if only rejecting everything
        reaches ``error``).

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.metrics import rejection_at_error
    >>> y_proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    >>> rejection_at_error([0, 1, 1, 0], y_proba, error=0.1)
    0.25
    """
    rejection, _ = _operating_point(y_true, y_proba, error, labels, sample_weight)
    return rejection


def threshold_at_error(
    y_true, y_proba, error=0.005, *, labels=None, sample_weight=None
) -> float:
    """The confidence threshold that brings the accepted answers' error to ``error``.

    The threshold of `rejection_at_error`'s operating point: answers whose
    highest probability is below it are rejected (e.g. ``reject_threshold``
    of :func:`skdigits.reading.read_digits`).

    Parameters
    ----------
    y_true, y_proba, labels, sample_weight
        As in :func:`error_reject_curve`.

    error : float, default=0.005
        The error rate to reach among the accepted samples.

    Returns
    -------
    threshold : float
        The lowest threshold whose accepted samples' error is at most
        ``error`` (``inf`` if only rejecting everything reaches it).

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.metrics import threshold_at_error
    >>> y_proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
    >>> threshold_at_error([0, 1, 1, 0], y_proba, error=0.1)
    0.7
    """
    _, threshold = _operating_point(y_true, y_proba, error, labels, sample_weight)
    return threshold


def _operating_point(y_true, y_proba, error, labels, sample_weight):
    """The least rejection whose error is at most ``error``, and its threshold."""
    rejection_rates, error_rates, thresholds = error_reject_curve(
        y_true, y_proba, labels=labels, sample_weight=sample_weight
    )
    # Rejection decreases along the curve, and its first point (everything
    # rejected) has no error: the last point within ``error`` is the best.
    best = np.flatnonzero(error_rates <= error)[-1]
    return float(rejection_rates[best]), float(thresholds[best])


def top_label_calibration_curve(
    y_true, y_proba, *, n_bins=10, labels=None, sample_weight=None
):
    """Accuracy against confidence, in bins of confidence: a reliability diagram.

    The multiclass top-label version of
    :func:`sklearn.calibration.calibration_curve`: each sample counts in the
    bin of its confidence (its highest probability; ``n_bins`` equal bins of
    [0, 1]) with whether its answer is right.

    Parameters
    ----------
    y_true, y_proba, labels, sample_weight
        As in :func:`error_reject_curve`.

    n_bins : int, default=10
        Number of equal-width bins of [0, 1].

    Returns
    -------
    accuracy : ndarray of shape (n_nonempty_bins,)
        Weighted share of right answers in each non-empty bin.

    confidence : ndarray of shape (n_nonempty_bins,)
        Weighted mean confidence in each non-empty bin.

    weight : ndarray of shape (n_nonempty_bins,)
        Share of the samples (weighted) in each non-empty bin.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.metrics import top_label_calibration_curve
    >>> y_proba = np.array([[0.95, 0.05], [0.1, 0.9], [0.6, 0.4], [0.65, 0.35]])
    >>> accuracy, confidence, weight = top_label_calibration_curve(
    ...     [0, 1, 1, 0], y_proba, n_bins=4)
    >>> accuracy.tolist(), confidence.round(3).tolist(), weight.tolist()
    ([0.5, 1.0], [0.625, 0.925], [0.5, 0.5])
    """
    confidence, correct, weight = _confidences_and_correct(
        y_true, y_proba, labels, sample_weight
    )
    if not (isinstance(n_bins, int | np.integer) and n_bins >= 1):
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    # Bin k holds (k / n_bins, (k + 1) / n_bins]; a confidence of 0 is bin 0.
    bins = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
    bin_weight = np.bincount(bins, weights=weight, minlength=n_bins)
    right = np.bincount(bins, weights=weight * correct, minlength=n_bins)
    sure = np.bincount(bins, weights=weight * confidence, minlength=n_bins)
    nonempty = bin_weight > 0
    return (
        right[nonempty] / bin_weight[nonempty],
        sure[nonempty] / bin_weight[nonempty],
        bin_weight[nonempty] / weight.sum(),
    )


def expected_calibration_error(
    y_true, y_proba, *, n_bins=15, labels=None, sample_weight=None
) -> float:
    """Top-label expected calibration error (Guo et al., 2017).

    ``sum over bins of weight * |accuracy - confidence|``, from
    :func:`top_label_calibration_curve`: 0 for a classifier whose
    confidence is its accuracy.

    Parameters
    ----------
    y_true, y_proba, labels, sample_weight
        As in :func:`error_reject_curve`.

    n_bins : int, default=15
        Number of equal-width bins of [0, 1].

    Returns
    -------
    ece : float

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.metrics import expected_calibration_error
    >>> y_proba = np.array([[0.95, 0.05], [0.1, 0.9], [0.6, 0.4], [0.65, 0.35]])
    >>> round(expected_calibration_error([0, 1, 1, 0], y_proba, n_bins=4), 4)
    0.1
    """
    accuracy, confidence, weight = top_label_calibration_curve(
        y_true, y_proba, n_bins=n_bins, labels=labels, sample_weight=sample_weight
    )
    return float(np.sum(weight * np.abs(accuracy - confidence)))
