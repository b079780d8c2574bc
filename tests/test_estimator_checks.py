"""scikit-learn's own estimator checks, all of them, at the defaults.

``check_estimator(MLPClassifier())`` passes every check at its defaults. Ours
run every check at their defaults too (the checks set ``random_state``); the
few that fail are declared below with the measured reason, each a property of
the default network, and each is shown to pass where that property is absent:

- check_sample_weight_equivalence_on_dense_data (and on sparse data)
  compares ``predict_proba`` after fitting with integer weights and with the
  samples repeated, at rtol=1e-7. ReluSoftmaxClassifier: the default
  ``dropout=0.2`` draws one mask per sample, so three copies of a sample get
  three masks where the weighted sample gets one (measured: up to 0.49 apart
  in probability). SigmoidNetClassifier: float32 rounding alone, summing a
  batch in another order (measured: 2.0e-7 relative, 5 elements of 45).
  Without dropout and in float64 both pass (tests below).
- check_class_weight_classifiers, SigmoidNetClassifier: the check's blobs
  are unscaled (|x| up to 60, std 20), so every sigmoid unit starts
  saturated; the normalised sigmoids are then all 1, each class gets 1/n
  and the gradients underflow to 0 (measured: predicts class 0 for 44-50%
  of the test points where 87% is asked). On standardised data the same
  class weights work (test below).
"""

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    check_sample_weight_equivalence_on_sparse_data,
    parametrize_with_checks,
)

from skdigits import PixelScaler, ReluSoftmaxClassifier, SigmoidNetClassifier

DROPOUT_REASON = (
    "dropout=0.2 draws one mask per sample: repeated samples get different masks"
)
FLOAT32_REASON = "float32 rounding: 2.0e-7 relative, above the check's rtol of 1e-7"
EXPECTED_FAILED_CHECKS = {
    "ReluSoftmaxClassifier": {
        "check_sample_weight_equivalence_on_dense_data": DROPOUT_REASON,
        "check_sample_weight_equivalence_on_sparse_data": DROPOUT_REASON,
    },
    "SigmoidNetClassifier": {
        "check_sample_weight_equivalence_on_dense_data": FLOAT32_REASON,
        "check_sample_weight_equivalence_on_sparse_data": FLOAT32_REASON,
        "check_class_weight_classifiers": (
            "unscaled blobs saturate every sigmoid unit; the gradients underflow"
        ),
    },
}


def expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(
    [ReluSoftmaxClassifier(), SigmoidNetClassifier(), PixelScaler()],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_estimator_checks_at_the_defaults(estimator, check):
    check(estimator)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "check",
    [
        check_sample_weight_equivalence_on_dense_data,
        check_sample_weight_equivalence_on_sparse_data,
    ],
)
@pytest.mark.parametrize(
    "estimator",
    [
        ReluSoftmaxClassifier(dropout=0, dtype="float64"),
        SigmoidNetClassifier(dtype="float64"),
    ],
    ids=lambda est: type(est).__name__,
)
def test_sample_weights_equal_repetitions_without_dropout_in_float64(check, estimator):
    check(type(estimator).__name__, estimator)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_sigmoid_net_class_weights_on_standardised_data():
    """check_class_weight_classifiers' problems, the data standardised."""
    for n_centers in (2, 3):
        X, y = make_blobs(centers=n_centers, random_state=0, cluster_std=20)
        X_train, X_test, y_train, _ = train_test_split(
            X, y, test_size=0.5, random_state=0
        )
        class_weight = {0: 1000, **{k: 0.0001 for k in range(1, n_centers)}}
        clf = make_pipeline(
            StandardScaler(),
            SigmoidNetClassifier(
                class_weight=class_weight, max_iter=1000, random_state=0
            ),
        ).fit(X_train, y_train)
        weighted_zeros = np.mean(clf.predict(X_test) == 0)
        assert weighted_zeros > 0.87
        unweighted = make_pipeline(
            StandardScaler(), SigmoidNetClassifier(max_iter=1000, random_state=0)
        ).fit(X_train, y_train)
        assert np.mean(unweighted.predict(X_test) == 0) < weighted_zeros
