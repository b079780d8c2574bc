"""The engine's parts alone: learning-rate schedules, stopping rules, the fit
record, and the target functions (`skdigits/neural_network/_*.py`)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits

from skdigits import ReluSoftmaxClassifier
from skdigits.neural_network import _targets as targets
from skdigits.neural_network._fit_record import FitRecord
from skdigits.neural_network._schedules import (
    ConstantLearningRate,
    CosineLearningRate,
    make_schedule,
)
from skdigits.neural_network._stopping import (
    TrainingLossStopping,
    ValidationScoreStopping,
    make_stopping_rule,
)
from skdigits.neural_network._training import TrainingState


def test_the_cosine_schedule_decays_over_its_period_and_restarts():
    schedule = make_schedule("cosine", 0.1, 10)
    assert isinstance(schedule, CosineLearningRate)
    rates = [schedule.rate(epoch, current=123.0) for epoch in range(21)]
    assert rates[0] == pytest.approx(0.1)
    assert rates[5] == pytest.approx(0.05)
    assert np.all(np.diff(rates[:10]) < 0)
    assert rates[9] > 0
    assert rates[10:20] == pytest.approx(rates[:10])  # it restarts
    assert schedule.sets_the_length


def test_the_constant_schedule_keeps_the_rate_a_callback_set():
    schedule = make_schedule("constant", 0.1, 10)
    assert isinstance(schedule, ConstantLearningRate)
    assert schedule.rate(3, current=0.025) == 0.025
    assert not schedule.sets_the_length


def epochs(rule, losses, scores=None):
    scores = scores or [None] * len(losses)
    verdicts = []
    for loss, score in zip(losses, scores, strict=True):
        rule = rule.after_epoch(loss, score)
        verdicts.append(rule.should_stop)
    return rule, verdicts


def test_the_training_loss_rule_is_mlpclassifier_s():
    rule = TrainingLossStopping(tol=0.01, n_iter_no_change=2)
    # 1.0, then three epochs that do not fall by tol: the third stops.
    rule, verdicts = epochs(rule, [1.0, 0.995, 0.999, 0.992])
    assert verdicts == [False, False, False, True]
    assert rule.best_loss == 0.992
    assert not rule.improved  # the fit ends on its last weights
    # A fall by more than tol resets the count.
    rule, verdicts = epochs(
        TrainingLossStopping(0.01, 2), [1.0, 0.995, 0.999, 0.9, 0.899]
    )
    assert verdicts == [False] * 5
    assert rule.no_improvement_count == 1


def test_a_rule_that_does_not_count_never_stops_but_keeps_the_best_loss():
    rule = TrainingLossStopping(tol=0.01, n_iter_no_change=1, counts=False)
    rule, verdicts = epochs(rule, [1.0, 2.0, 3.0, 0.5, 4.0])
    assert not any(verdicts)
    assert rule.best_loss == 0.5


def test_the_validation_rule_keeps_the_best_score_and_ignores_nan():
    rule = ValidationScoreStopping(tol=0.0, n_iter_no_change=1)
    rule = rule.after_epoch(0.3, 0.8)
    assert rule.improved
    assert rule.best_score == 0.8
    # A diverged epoch's NaN score is no improvement (the loop stops there).
    rule = rule.after_epoch(0.2, np.nan)
    assert not rule.improved
    assert rule.best_score == 0.8
    rule, verdicts = epochs(rule, [0.2, 0.2], [0.7, 0.75])
    assert verdicts == [False, True]
    assert rule.attributes() == {
        "best_loss_": None,
        "validation_scores_": [
            0.8,
            pytest.approx(np.nan, nan_ok=True),
            0.7,
            0.75,
        ],
        "best_validation_score_": 0.8,
    }


@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_continued_rule_keeps_its_best_and_counts_anew(early_stopping):
    first = make_stopping_rule(
        early_stopping=early_stopping, tol=0.0, n_iter_no_change=5, counts=True
    )
    first, _ = epochs(first, [1.0, 2.0, 3.0], [0.5, 0.4, 0.3])
    assert first.no_improvement_count == 2
    again = make_stopping_rule(
        early_stopping=early_stopping,
        tol=0.1,
        n_iter_no_change=5,
        counts=True,
        previous=first,
    )
    assert again.no_improvement_count == 0
    assert again.tol == 0.1  # the new parameters
    assert again.attributes() == first.attributes()
    # The other kind starts anew.
    other = make_stopping_rule(
        early_stopping=not early_stopping,
        tol=0.0,
        n_iter_no_change=5,
        counts=True,
        previous=first,
    )
    assert type(other) is not type(first)
    assert other.attributes() == type(other)(0.0, 5).attributes()  # fresh


def state(value):
    return TrainingState([np.full(2, value)], [], [])


def test_the_record_counts_epochs_and_keeps_the_best_state():
    rule = ValidationScoreStopping(tol=0.0, n_iter_no_change=10)
    record = FitRecord(state=state(0.0), stopping=rule)
    for value, score in [(1.0, 0.5), (2.0, 0.9), (3.0, 0.7)]:
        rule = rule.after_epoch(1 / value, score)
        record = record.after_epoch(
            state=state(value),
            loss=1 / value,
            logs={"loss": 1 / value, "val_accuracy": score},
            stopping=rule,
            n_samples=100,
            incremental=False,
        )
    assert record.best_state.trainable[0][0] == 2.0
    attributes = record.attributes()
    assert attributes["n_iter_"] == 3
    assert attributes["t_"] == 300
    assert attributes["loss_"] == pytest.approx(1 / 3)
    assert attributes["history_"]["val_accuracy"] == [0.5, 0.9, 0.7]
    assert attributes["best_validation_score_"] == 0.9
    # A continued fit: counts of this call anew, the curves and totals kept.
    continued = record.continued(state=state(3.0), stopping=rule, incremental=False)
    assert continued.n_iter == 0
    assert continued.best_state is None
    assert continued.epochs_total == 3
    assert continued.attributes()["loss_curve_"] == attributes["loss_curve_"]


def test_target_functions():
    y = np.array(["b", "a", "c", "a"])
    assert not targets.is_multilabel(y, "Est")
    classes_ = targets.new_classes(y, None, False, "Est")
    np.testing.assert_array_equal(
        targets.indicator(y, classes_, False, "float32"),
        np.eye(3, dtype="float32")[[1, 0, 2, 0]],
    )
    assert targets.target_type(classes_, False) == "multiclass"
    weights = targets.class_sample_weights("balanced", y, classes_, False)
    np.testing.assert_allclose(weights, [4 / 3, 2 / 3, 4 / 3, 2 / 3])
    with pytest.raises(ValueError, match="Est supports binary, multiclass"):
        targets.is_multilabel(np.array([[1, 2], [3, 4]]), "Est")
    with pytest.raises(ValueError, match="only one class: a"):
        targets.new_classes(np.array(["a", "a"]), None, False, "Est")
    with pytest.raises(ValueError, match="classes not in"):
        targets.check_continued_classes(
            np.array(["d"]),
            classes_,
            multilabel=False,
            fitted_multilabel=False,
            incremental=True,
        )
    with pytest.raises(ValueError, match="beyond the range of float32"):
        targets.check_finite_in_dtype(np.array([[1e300]]), "float32")


def test_early_stopping_can_be_switched_on_for_a_warm_started_fit():
    # MLPClassifier fails here (its validation_scores_ is None); the rule of
    # the other kind starts anew.
    X, y = load_digits(return_X_y=True)
    X = X / 16
    clf = ReluSoftmaxClassifier(
        hidden_layer_sizes=(16,), max_iter=3, warm_start=True, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
        assert clf.validation_scores_ is None
        assert np.isfinite(clf.best_loss_)
        clf.set_params(early_stopping=True).fit(X, y)
    assert len(clf.validation_scores_) == clf.n_iter_ == 3
    assert clf.best_loss_ is None
    assert len(clf.loss_curve_) == 6
    assert clf.best_validation_score_ == max(clf.validation_scores_)


@pytest.mark.parametrize("continued", [False, True])
def test_the_optimizer_is_identified_once_a_fit(continued, monkeypatch):
    """An optimizer instance is identified by building a Keras optimizer from
    it: once a fit, whatever asks for the identity."""
    from skdigits._jax_runtime.keras import import_keras
    from skdigits.neural_network._base import BaseKerasClassifier

    X, y = load_digits(return_X_y=True)
    clf = ReluSoftmaxClassifier(
        optimizer=import_keras().optimizers.SGD(momentum=0.5),
        max_iter=2,
        warm_start=continued,
        random_state=0,
    )
    if continued:
        clf.fit(X / 16, y)
    calls = []
    identify = BaseKerasClassifier._optimizer_key

    def counted(self):
        calls.append(1)
        return identify(self)

    monkeypatch.setattr(BaseKerasClassifier, "_optimizer_key", counted)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X / 16, y)
    assert len(calls) == 1


def test_the_engine_s_warnings_name_the_user_s_line():
    """Counted from the frames, not hard-coded: the line that called fit,
    however deep in the engine the warning is issued."""
    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        ReluSoftmaxClassifier(max_iter=1, batch_size=5000, random_state=0).fit(
            X / 16, y
        )
    assert {w.category.__name__ for w in record} >= {
        "ConvergenceWarning",
        "UserWarning",
    }
    assert {w.filename for w in record} == {__file__}


def test_both_kinds_of_network_are_networks(digits):
    """The engine's contract, `Network`, is what each estimator hands it."""
    import keras_builders

    from skdigits import ConvNetClassifier, KerasClassifier
    from skdigits.neural_network._keras_network import KerasNetwork
    from skdigits.neural_network._network import Network, NetworkSpec

    X, y = digits
    for clf, kind in [
        (ReluSoftmaxClassifier(max_iter=1), NetworkSpec),
        (ConvNetClassifier(max_iter=1), KerasNetwork),
        (KerasClassifier(keras_builders.dense, max_iter=1), KerasNetwork),
    ]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.fit(X[:100], y[:100])
        assert isinstance(clf._fitted_network, kind)
        assert isinstance(clf._fitted_network, Network)
