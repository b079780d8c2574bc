"""The error-reject curve and calibration, against direct computations."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from skdigits.inspect import ErrorRejectDisplay, ReliabilityDisplay
from skdigits.metrics import (
    error_reject_curve,
    expected_calibration_error,
    rejection_at_error,
    threshold_at_error,
    top_label_calibration_curve,
)


@pytest.fixture(scope="module")
def predictions():
    """Probabilities of a real classifier on held-out digits, with ties."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    model = LogisticRegression(max_iter=50, C=0.05).fit(X_train, y_train)
    proba = model.predict_proba(X_test).round(2)  # rounding makes ties
    proba /= proba.sum(axis=1, keepdims=True)
    return y_test, proba, model, X_test


def direct_curve(y_true, y_proba, weights):
    """Loop over every threshold: accept confidence >= t."""
    confidence = y_proba.max(axis=1)
    correct = y_proba.argmax(axis=1) == y_true
    points = [(1.0, 0.0, np.inf)]
    for t in sorted(set(confidence), reverse=True):
        accepted = confidence >= t
        w = weights[accepted]
        points.append(
            (
                1 - w.sum() / weights.sum(),
                np.sum(w * ~correct[accepted]) / w.sum(),
                t,
            )
        )
    return [np.array(column) for column in zip(*points, strict=True)]


@pytest.mark.parametrize("weighted", [False, True])
def test_error_reject_curve_equals_the_direct_computation(predictions, weighted):
    y_true, y_proba, _, _ = predictions
    weights = (
        np.random.default_rng(0).uniform(0.5, 2, len(y_true))
        if weighted
        else np.ones(len(y_true))
    )
    rejection, error, thresholds = error_reject_curve(
        y_true, y_proba, sample_weight=weights if weighted else None
    )
    expected = direct_curve(y_true, y_proba, weights)
    assert len(thresholds) < len(y_true) + 1  # ties share a threshold
    for got, want in zip((rejection, error, thresholds), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert rejection[0] == 1
    assert rejection[-1] == pytest.approx(0, abs=1e-15)
    assert np.all(np.diff(thresholds) < 0)
    overall_error = np.mean(y_proba.argmax(axis=1) != y_true)
    if not weighted:
        assert error[-1] == pytest.approx(overall_error)


def test_rejection_at_error(predictions):
    y_true, y_proba, _, _ = predictions
    rejection, error, _ = direct_curve(y_true, y_proba, np.ones(len(y_true)))
    for target in (0.0, 0.005, 0.02, 0.5):
        expected = min(r for r, e in zip(rejection, error, strict=True) if e <= target)
        assert rejection_at_error(y_true, y_proba, target) == pytest.approx(expected)
    assert rejection_at_error(y_true, y_proba, 1.0) == 0.0


def test_threshold_at_error_reaches_the_error(predictions):
    y_true, y_proba, _, _ = predictions
    confidence = y_proba.max(axis=1)
    correct = y_proba.argmax(axis=1) == y_true
    for target in (0.0, 0.005, 0.02, 0.5):
        threshold = threshold_at_error(y_true, y_proba, target)
        accepted = confidence >= threshold
        # Accepting at the threshold meets the target, with the rejection
        # rejection_at_error names, and the next lower confidence would not.
        assert np.mean(~correct[accepted]) <= target + 1e-12
        assert 1 - accepted.mean() == pytest.approx(
            rejection_at_error(y_true, y_proba, target)
        )
        lower = confidence[confidence < threshold]
        if len(lower):
            more = confidence >= lower.max()
            assert np.mean(~correct[more]) > target
    assert threshold_at_error(y_true, y_proba, 1.0) == confidence.min()


def test_calibration_equals_the_direct_computation(predictions):
    y_true, y_proba, _, _ = predictions
    confidence = y_proba.max(axis=1)
    correct = y_proba.argmax(axis=1) == y_true
    n_bins = 10
    accuracy, mean_confidence, weight = top_label_calibration_curve(
        y_true, y_proba, n_bins=n_bins
    )
    expected = []
    for k in range(n_bins):
        low, high = k / n_bins, (k + 1) / n_bins
        members = (confidence > low) & (confidence <= high)
        if members.any():
            expected.append(
                (correct[members].mean(), confidence[members].mean(), members.mean())
            )
    np.testing.assert_allclose(
        np.column_stack([accuracy, mean_confidence, weight]), expected
    )
    ece = sum(w * abs(a - c) for a, c, w in expected)
    assert expected_calibration_error(y_true, y_proba, n_bins=n_bins) == (
        pytest.approx(ece)
    )


def test_perfectly_calibrated_and_overconfident():
    rng = np.random.default_rng(0)
    n = 20000
    confidence = rng.uniform(0.5, 1, n)
    proba = np.column_stack([confidence, 1 - confidence])
    # Right with probability equal to the confidence: calibrated.
    y_true = np.where(rng.uniform(size=n) < confidence, 0, 1)
    assert expected_calibration_error(y_true, proba) < 0.02
    # Always as sure, right only 60% of the time: an ECE of about the gap.
    sure = np.column_stack([np.full(n, 0.95), np.full(n, 0.05)])
    y_sure = np.where(rng.uniform(size=n) < 0.6, 0, 1)
    assert expected_calibration_error(y_sure, sure) == pytest.approx(0.35, abs=0.02)


def test_labels_are_the_columns_classes():
    y_proba = np.array([[0.9, 0.1], [0.3, 0.7]])
    _, error, _ = error_reject_curve(["b", "a"], y_proba, labels=["b", "a"])
    assert error[-1] == 0
    _, error, _ = error_reject_curve(["b", "a"], y_proba)  # sorted: a, b
    assert error[-1] == 1
    with pytest.raises(ValueError, match="pass the classes of y_proba's columns"):
        error_reject_curve([0, 0], y_proba)
    with pytest.raises(ValueError, match="labels has 3 classes"):
        error_reject_curve([0, 1], y_proba, labels=[0, 1, 2])
    with pytest.raises(ValueError, match="probabilities"):
        error_reject_curve([0, 1], y_proba * 2)
    with pytest.raises(ValueError, match="n_bins"):
        expected_calibration_error([0, 1], y_proba, n_bins=0)


def test_error_reject_display_shows_the_curve(predictions):
    y_true, y_proba, model, X_test = predictions
    display = ErrorRejectDisplay.from_estimator(model, X_test, y_true)
    rejection, error, thresholds = error_reject_curve(
        y_true, model.predict_proba(X_test), labels=model.classes_
    )
    np.testing.assert_array_equal(display.thresholds, thresholds)
    x, y = display.line_.get_data()
    np.testing.assert_allclose(x, 100 * rejection)
    np.testing.assert_allclose(y, 100 * error)
    assert display.rejection_at_target == rejection_at_error(
        y_true, model.predict_proba(X_test)
    )
    assert "LogisticRegression" in display.ax_.get_legend().get_texts()[0].get_text()
    _, ax = plt.subplots()
    assert ErrorRejectDisplay.from_predictions(y_true, y_proba, ax=ax).ax_ is ax
    plt.close("all")


def test_reliability_display_shows_the_curve(predictions):
    y_true, y_proba, _, _ = predictions
    display = ReliabilityDisplay.from_predictions(y_true, y_proba, n_bins=10)
    accuracy, confidence, _ = top_label_calibration_curve(y_true, y_proba, n_bins=10)
    x, y = display.line_.get_data()
    np.testing.assert_allclose(x, confidence)
    np.testing.assert_allclose(y, accuracy)
    assert display.ece == expected_calibration_error(y_true, y_proba, n_bins=10)
    diagonal = display.ax_.lines[0].get_data()
    np.testing.assert_array_equal(diagonal, [[0, 1], [0, 1]])
    plt.close("all")
