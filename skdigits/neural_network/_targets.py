"""Targets, classes and sample weights: what a fit trains on, as plain functions.

Each function takes what it needs and returns a value; none reads or sets an
estimator's attributes, so each can be read, tested and changed alone.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)


@dataclass(frozen=True)
class Targets:
    """A fit's targets, encoded for its network."""

    y: np.ndarray  # as given, for the early-stopping split to stratify on
    Y: np.ndarray  # as the loss takes them (`_outputs.sample_losses`)
    classes: np.ndarray  # the estimator's ``classes_``
    multilabel: bool
    type: str  # ``meta["target_type_"]``
    n_outputs: int  # the network's scores for a sample (or for a frame)


def is_multilabel(y, name: str) -> bool:
    """Check y's type; return whether it is a multilabel indicator matrix.

    ``name`` is the estimator's, for the message.
    """
    check_classification_targets(y)
    y_type = type_of_target(y, input_name="y")
    if y_type in ("binary", "multiclass"):
        return False
    if y_type == "multilabel-indicator":
        return True
    raise ValueError(
        f"{name} supports binary, multiclass and multilabel (indicator matrix) "
        f"targets; got a target of type {y_type!r}."
    )


def target_type(classes_, multilabel: bool) -> str:
    """The ``target_type_`` of ``meta``: binary, multiclass or multilabel."""
    if multilabel:
        return "multilabel-indicator"
    return "binary" if len(classes_) == 2 else "multiclass"


def new_classes(y, classes, multilabel: bool, name: str) -> np.ndarray:
    """The ``classes_`` of a fresh fit: of ``classes`` if given, else of y."""
    if multilabel:
        n_labels = y.shape[1]
        if classes is not None and len(unique_labels(classes)) != n_labels:
            raise ValueError(
                f"classes has {len(unique_labels(classes))} labels but y, a "
                f"multilabel indicator matrix, has {n_labels} columns."
            )
        return np.arange(n_labels)
    classes_ = unique_labels(y if classes is None else classes)
    if len(classes_) < 2:
        raise ValueError(
            f"{name} needs samples of at least 2 classes in the data, but the "
            f"data contain only one class: {classes_[0]}"
        )
    if classes is not None:
        check_labels_known(y, classes_)
    return classes_


def check_continued_classes(
    y, classes_, *, multilabel: bool, fitted_multilabel: bool, incremental: bool
) -> None:
    """Check that y of a continued fit has the classes of the first one.

    ``partial_fit`` may see a subset of ``classes_``; a warm-started fit must
    see them all, as MLPClassifier requires.
    """
    if multilabel != fitted_multilabel:
        raise ValueError(
            "y is "
            + ("a multilabel indicator matrix" if multilabel else "a label vector")
            + ", but the estimator was fitted on "
            + ("label vectors" if multilabel else "a multilabel indicator matrix")
            + "; fit anew (warm_start=False) to change the kind of target."
        )
    if multilabel:
        if y.shape[1] != len(classes_):
            raise ValueError(
                f"y has {y.shape[1]} labels (columns), but the estimator was "
                f"fitted on {len(classes_)}."
            )
        return
    if not incremental:
        labels = unique_labels(y)
        if set(labels) != set(classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes "
                f"as in the previous call to fit. Previously got {classes_}, "
                f"`y` has {labels}"
            )
    check_labels_known(y, classes_)


def check_labels_known(y, classes_) -> None:
    """Refuse labels of y that are not in ``classes_``."""
    unknown = np.setdiff1d(unique_labels(y), classes_)
    if len(unknown):
        raise ValueError(
            f"`y` has classes not in `self.classes_`. `self.classes_` has "
            f"{classes_}. 'y' has {unknown}."
        )


def indicator(y, classes_, multilabel: bool, dtype) -> np.ndarray:
    """The targets as a 0/1 matrix of ``dtype``, one column per output."""
    if multilabel:
        return np.asarray(y, dtype=dtype)
    index = np.searchsorted(classes_, y)
    return np.eye(len(classes_), dtype=dtype)[index]


def class_sample_weights(class_weight, y, classes_, multilabel: bool):
    """The weight of each sample's class, from ``class_weight`` (1 if None)."""
    if class_weight is None:
        return 1.0
    if multilabel:
        raise ValueError(
            "class_weight is not supported for multilabel targets; weigh the "
            "samples with sample_weight."
        )
    weights = compute_class_weight(class_weight, classes=classes_, y=y)
    return weights[np.searchsorted(classes_, y)]


def check_finite_in_dtype(X, dtype: str) -> None:
    """Refuse values of X that become infinite when cast to ``dtype``."""
    values = X.data if sp.issparse(X) else X
    limit = np.finfo(dtype).max
    if not values.size or np.finfo(values.dtype).max <= limit:
        return  # float32 input cannot exceed float32's range
    # Two passes with no copy: np.abs(values) would copy all of X.
    largest = max(values.max(), -values.min())
    if largest > limit:
        raise ValueError(
            f"X contains values up to {largest:.3g}, beyond the range of "
            f"{dtype} ({limit:.3g}), in which the network trains: scale the "
            "data, or set dtype='float64'."
        )
