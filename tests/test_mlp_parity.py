"""Code written for MLPClassifier, run on ours: each behaviour side by side.

Where MLPClassifier has the behaviour, it is checked next to ours; where ours
deliberately differs, the test says how and the docstrings say why.
"""

import inspect
import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import cross_val_predict
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.utils.class_weight import compute_sample_weight

from skdigits import ReluSoftmaxClassifier, SigmoidNetClassifier
from skdigits._jax_runtime.keras import import_keras

# Keras on JAX, whatever ~/.keras/keras.json says, as the estimators use it.
keras = import_keras()
Callback = keras.callbacks.Callback
LearningRateScheduler = keras.callbacks.LearningRateScheduler
ProgbarLogger = keras.callbacks.ProgbarLogger
ReduceLROnPlateau = keras.callbacks.ReduceLROnPlateau

ESTIMATORS = [ReluSoftmaxClassifier, SigmoidNetClassifier]

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(params=ESTIMATORS, ids=lambda cls: cls.__name__)
def Estimator(request):
    return request.param


def small(Estimator, **params):
    """An estimator for small data: few epochs, a constant rate for few steps."""
    defaults = {
        "max_iter": 20,
        "random_state": 0,
        "learning_rate_init": 0.01,
        "learning_rate": "constant",
    }
    return Estimator(**{**defaults, **params})


def fitted_state(clf):
    """What a user can observe of a fitted estimator."""
    return {
        name: pickle.dumps(getattr(clf, name))
        for name in ("coefs_", "intercepts_", "n_iter_", "loss_curve_", "t_")
    }


class RaiseAt(Callback):
    """Raise ``error`` at the given hook of the given epoch."""

    def __init__(self, hook, epoch=0, error=KeyboardInterrupt):
        super().__init__()
        self.hook, self.epoch, self.error = hook, epoch, error

    def on_train_begin(self, logs=None):
        if self.hook == "on_train_begin":
            raise self.error()

    def on_epoch_end(self, epoch, logs=None):
        if self.hook == "on_epoch_end" and epoch == self.epoch:
            raise self.error()


# 1. Divergence -------------------------------------------------------------------


def test_diverging_fit_raises_like_mlp_and_leaves_nothing_behind(Estimator, digits):
    X, y = digits
    huge = X * 1e307
    with pytest.raises(ValueError, match="non-finite parameter weights"):
        MLPClassifier(max_iter=5, random_state=0).fit(huge, y)
    clf = small(Estimator, dtype="float64")
    with pytest.raises(ValueError, match="non-finite parameter weights"):
        clf.fit(huge, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    # A fitted estimator whose refit diverges is left as it was.
    clf.fit(X, y)
    before = fitted_state(clf), clf.predict_proba(X)
    with pytest.raises(ValueError, match="non-finite parameter weights"):
        clf.fit(huge, y)
    assert fitted_state(clf) == before[0]
    np.testing.assert_array_equal(clf.predict_proba(X), before[1])


def test_a_fit_diverging_under_early_stopping_keeps_the_best_weights_like_mlp(
    Estimator, digits
):
    """As scikit-learn's test_mlp_diverging_loss: the NaN score is recorded, the
    best validation weights kept; ours stops at the divergence, with a warning."""
    X, y = digits
    # Three sane epochs, then a learning rate that blows the weights up.
    blow_up = LearningRateScheduler(lambda epoch, rate: 0.01 if epoch < 3 else 1e30)
    clf = small(
        Estimator, early_stopping=True, n_iter_no_change=50, callbacks=[blow_up]
    )
    with pytest.warns(ConvergenceWarning, match="diverged at epoch 4"):
        clf.fit(X, y)
    assert clf.n_iter_ == 4
    assert len(clf.validation_scores_) == 4
    assert isinstance(clf.validation_scores_[-1], float)
    assert np.isnan(clf.validation_scores_[-1])
    assert not np.isfinite(clf.loss_curve_[-1])
    assert clf.best_validation_score_ == max(clf.validation_scores_[:3])
    assert all(np.isfinite(c).all() for c in clf.coefs_)
    proba = clf.predict_proba(X)
    assert np.isfinite(proba).all()
    # The weights kept are those of the best sane epoch: the same fit stopped
    # there gives them.
    best = int(np.nanargmax(clf.validation_scores_)) + 1
    again = small(Estimator, early_stopping=True, n_iter_no_change=50, max_iter=best)
    again.fit(X, y)
    assert again.best_validation_score_ == clf.best_validation_score_
    np.testing.assert_array_equal(again.predict_proba(X), proba)
    # Without early stopping, the error stays: there is no best to keep.
    with pytest.raises(ValueError, match="non-finite parameter weights"):
        small(Estimator, callbacks=[blow_up]).fit(X, y)


def test_values_beyond_float32_are_refused_by_name(Estimator, digits):
    X, y = digits
    with pytest.raises(ValueError, match="beyond the range of float32"):
        small(Estimator).fit(X * 1e300, y)


# 3. Sparse input ----------------------------------------------------------------


@pytest.mark.parametrize("container", [sp.csr_matrix, sp.csc_matrix, sp.csr_array])
def test_sparse_input_gives_the_dense_model(Estimator, digits, container):
    X, y = digits
    dense = small(Estimator, dropout=0.1).fit(X, y)
    sparse = small(Estimator, dropout=0.1).fit(container(X), y)
    np.testing.assert_allclose(
        sparse.predict_proba(container(X)), dense.predict_proba(X), rtol=1e-5
    )
    np.testing.assert_array_equal(sparse.predict(container(X)), dense.predict(X))


def test_sparse_training_data_are_made_dense_in_chunks(digits, monkeypatch):
    from skdigits.neural_network import _fit_loop

    X, y = digits
    reference = small(ReluSoftmaxClassifier).fit(X, y)
    # Chunks of 2 batches of 200 rows.
    monkeypatch.setattr(_fit_loop, "_SPARSE_CHUNK_VALUES", 2 * 200 * X.shape[1])
    rows = []
    toarray = sp.csr_matrix.toarray

    def recording_toarray(self, *args, **kwargs):
        rows.append(self.shape[0])
        return toarray(self, *args, **kwargs)

    monkeypatch.setattr(sp.csr_matrix, "toarray", recording_toarray)
    chunked = small(ReluSoftmaxClassifier).fit(sp.csr_matrix(X), y)
    assert max(rows) == 400 < len(X)
    np.testing.assert_allclose(
        chunked.predict_proba(X), reference.predict_proba(X), rtol=1e-5
    )


def test_tfidf_pipeline_like_mlp():
    texts = ["one two", "two three", "three four", "four five"] * 10
    labels = [0, 0, 1, 1] * 10
    for clf in (
        MLPClassifier(max_iter=300, random_state=0),
        small(ReluSoftmaxClassifier, max_iter=100),
    ):
        pipeline = make_pipeline(TfidfVectorizer(), clf).fit(texts, labels)
        assert pipeline.score(texts, labels) == 1.0


# 4. Multilabel ------------------------------------------------------------------


def test_multilabel_like_mlp(Estimator, digits):
    X, y = digits
    Y = np.column_stack([y % 2, y >= 5, y == 3]).astype(int)
    mlp = MLPClassifier(max_iter=50, random_state=0).fit(X, Y)
    clf = small(Estimator, max_iter=50).fit(X, Y)
    assert clf.out_activation_ == mlp.out_activation_ == "logistic"
    np.testing.assert_array_equal(clf.classes_, mlp.classes_)
    prediction = clf.predict(X)
    assert prediction.shape == mlp.predict(X).shape == Y.shape
    assert set(np.unique(prediction)) <= {0, 1}
    proba = clf.predict_proba(X)
    # Independent labels: the rows do not sum to one, each column is its label's.
    assert not np.allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(prediction, (proba > 0.5).astype(int))
    assert clf.score(X, Y) > 0.6  # subset accuracy of 3 labels
    for label in range(3):
        assert np.mean(prediction[:, label] == Y[:, label]) > 0.85


# 5. predict_log_proba -------------------------------------------------------------


def test_predict_log_proba(Estimator, digits):
    X, y = digits
    clf = small(Estimator).fit(X, y)
    log_proba = clf.predict_log_proba(X)
    np.testing.assert_allclose(np.exp(log_proba), clf.predict_proba(X), rtol=1e-12)
    # Finite where the probability underflows.
    assert np.all(np.isfinite(clf.predict_log_proba(X * 1e3)))
    out_of_fold = cross_val_predict(clone(clf), X, y, cv=3, method="predict_log_proba")
    assert out_of_fold.shape == (len(X), 10)
    assert np.all(out_of_fold <= 0)


# 6. Ctrl-C ------------------------------------------------------------------------


def test_interrupt_keeps_the_epochs_already_trained(Estimator, digits):
    X, y = digits
    clf = small(Estimator, callbacks=[RaiseAt("on_epoch_end", epoch=2)])
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        clf.fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == len(clf.history_["loss"]) == 3
    # Weights, Keras model and pickle agree: the state of the third epoch.
    reference = small(Estimator, max_iter=3).fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))
    keras_output = np.asarray(clf.model_.predict(X[:5], verbose=0))
    assert np.array_equal(keras_output.argmax(1), clf.predict(X[:5]))
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_interrupt_of_a_warm_start_keeps_the_epochs_already_trained(digits):
    X, y = digits
    clf = small(ReluSoftmaxClassifier, max_iter=5, warm_start=True).fit(X, y)
    clf.set_params(callbacks=[RaiseAt("on_epoch_end", epoch=1)])
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        clf.fit(X, y)
    assert clf.n_iter_ == 2
    assert len(clf.loss_curve_) == 7
    assert clf.t_ == 7 * len(X)
    reference = small(ReluSoftmaxClassifier, max_iter=7).fit(X, y)
    np.testing.assert_array_equal(clf.loss_curve_, reference.loss_curve_)
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_fit_stopped_before_its_first_epoch_leaves_the_estimator_as_it_was(
    Estimator, digits, error
):
    X, y = digits
    clf = small(Estimator, callbacks=[RaiseAt("on_train_begin", error=error)])
    with pytest.raises(error):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)

    clf = small(Estimator).fit(X, y)
    before, proba = fitted_state(clf), clf.predict_proba(X)
    # Another width, other parameters, then an interrupt: nothing mixed.
    clf.set_params(callbacks=[RaiseAt("on_train_begin", error=error)], dropout=0.5)
    with pytest.raises(error):
        clf.fit(X[:, :32], y)
    assert fitted_state(clf) == before
    assert clf.n_features_in_ == 64
    np.testing.assert_array_equal(clf.predict_proba(X), proba)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), proba)
    np.testing.assert_array_equal(
        np.asarray(clf.model_.predict(X[:3], verbose=0)).argmax(1), clf.predict(X[:3])
    )


# 7. Keras callbacks ------------------------------------------------------------------


class RecordLearningRate(Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_epoch_begin(self, epoch, logs=None):
        self.rates.append(float(np.asarray(self.model.optimizer.learning_rate)))


def test_reduce_lr_on_plateau(Estimator, digits):
    X, y = digits
    record = RecordLearningRate()
    reduce = ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10)
    clf = small(Estimator, max_iter=4, callbacks=[reduce, record]).fit(X, y)
    # Keras' rule: the first epoch sets the best loss, the next ones reduce.
    np.testing.assert_allclose(record.rates, [0.01, 0.01, 0.005, 0.0025], rtol=1e-6)
    np.testing.assert_allclose(clf.history_["learning_rate"], record.rates, rtol=1e-6)


def test_reduce_lr_on_plateau_on_the_validation_loss(digits):
    X, y = digits
    reduce = ReduceLROnPlateau(factor=0.5, patience=0, min_delta=10)  # val_loss
    clf = small(
        ReluSoftmaxClassifier, max_iter=3, early_stopping=True, callbacks=[reduce]
    )
    clf.fit(X, y)
    np.testing.assert_allclose(
        clf.history_["learning_rate"], [0.01, 0.01, 0.005], rtol=1e-6
    )
    assert len(clf.history_["val_loss"]) == 3


def test_learning_rate_scheduler_sets_the_rate_used(Estimator, digits):
    X, y = digits
    # A zero rate from the second epoch on: the weights stop changing.
    frozen = LearningRateScheduler(lambda epoch, lr: 0.01 if epoch == 0 else 0.0)
    three = small(Estimator, max_iter=3, callbacks=[frozen]).fit(X, y)
    one = small(Estimator, max_iter=1).fit(X, y)
    for a, b in zip(three.coefs_, one.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_progress_bar(Estimator, digits, capsys):
    X, y = digits
    small(Estimator, max_iter=3, callbacks=[ProgbarLogger()]).fit(X, y)
    out = capsys.readouterr().out
    assert "Epoch 1/3" in out
    assert "Epoch 3/3" in out
    assert "loss:" in out
    small(Estimator, max_iter=2, verbose=2).fit(X, y)
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out
    assert "Iteration" not in out
    small(Estimator, max_iter=2, verbose=True).fit(X, y)
    assert "Iteration 2, loss = " in capsys.readouterr().out


# 8. Changing parameters, then continuing ------------------------------------------


@pytest.mark.parametrize("continuation", ["fit", "partial_fit"])
def test_changed_architecture_is_refused_by_name(digits, continuation):
    X, y = digits
    clf = small(ReluSoftmaxClassifier, warm_start=True).fit(X, y)
    before = fitted_state(clf)
    clf.set_params(hidden_layer_sizes=(16,))
    with pytest.raises(
        ValueError, match="hidden_layer_sizes is \\[16\\] but the fitted"
    ):
        getattr(clf, continuation)(X, y)
    assert fitted_state(clf) == before
    # A new fit builds the new network.
    clf.set_params(warm_start=False).fit(X, y)
    assert clf.coefs_[0].shape == (64, 16)


def test_changed_dtype_optimizer_and_dropout_continue(Estimator, digits):
    X, y = digits
    clf = small(Estimator, warm_start=True).fit(X, y)
    clf.set_params(dtype="float64", optimizer="sgd", dropout=0.1).fit(X, y)
    assert clf.model_.get_layer("logits").kernel.dtype == "float64"
    assert clf.loss_ < clf.loss_curve_[0] / 2  # continued, not restarted
    clf.set_params(optimizer="adam", dtype="float32").partial_fit(X, y)
    assert clf.model_.get_layer("logits").kernel.dtype == "float32"
    assert clf.score(X, y) > 0.8


# 9. Cosine schedule when continuing ------------------------------------------------


def test_cosine_schedule_restarts_on_continued_training(Estimator, digits):
    X, y = digits
    record = RecordLearningRate()
    cosine = 0.01 * 0.5 * (1 + np.cos(np.pi * np.arange(4) / 4))
    clf = small(
        Estimator,
        max_iter=4,
        learning_rate="cosine",
        warm_start=True,
        callbacks=[record],
    )
    clf.fit(X, y)
    clf.fit(X, y)
    np.testing.assert_allclose(record.rates, np.tile(cosine, 2))
    record.rates.clear()
    clf = clone(clf).set_params(callbacks=[record])
    clf.partial_fit(X, y, classes=np.arange(10))
    for _ in range(5):
        clf.partial_fit(X, y)
    np.testing.assert_allclose(record.rates, cosine[[0, 1, 2, 3, 0, 1]])
    assert min(record.rates) > 0


# 10. Attribute and parameter parity -------------------------------------------------


def test_partial_fit_signature_is_mlps():
    """MLPClassifier's since scikit-learn 1.7 (1.6 has no sample_weight)."""
    ours = list(inspect.signature(ReluSoftmaxClassifier.partial_fit).parameters)
    assert ours == ["self", "X", "y", "sample_weight", "classes"]
    theirs = list(inspect.signature(MLPClassifier.partial_fit).parameters)
    if "sample_weight" in theirs:
        assert ours == theirs


def test_partial_fit_refuses_early_stopping_like_mlp(Estimator, digits):
    X, y = digits
    message = "partial_fit does not support early_stopping=True"
    with pytest.raises(ValueError, match=message):
        MLPClassifier(early_stopping=True).partial_fit(X, y, classes=np.arange(10))
    with pytest.raises(ValueError, match=message):
        Estimator(early_stopping=True).partial_fit(X, y, classes=np.arange(10))


def test_n_iter_no_change_inf_and_no_hidden_layer(digits):
    X, y = digits
    for clf in (
        MLPClassifier(
            hidden_layer_sizes=(), n_iter_no_change=np.inf, max_iter=15, tol=10
        ),
        small(
            ReluSoftmaxClassifier,
            hidden_layer_sizes=(),
            n_iter_no_change=np.inf,
            max_iter=15,
            tol=10,
        ),
    ):
        clf.fit(X, y)
        assert clf.n_iter_ == 15
        assert clf.n_layers_ == 2
        assert len(clf.coefs_) == 1
        assert clf.coefs_[0].shape == (64, 10)


def test_out_activation_like_mlp(digits):
    X, y = digits
    mlp = MLPClassifier(max_iter=5).fit(X, y)
    assert (
        small(ReluSoftmaxClassifier, max_iter=2).fit(X, y).out_activation_
        == mlp.out_activation_
        == "softmax"
    )
    assert (
        small(SigmoidNetClassifier, max_iter=2).fit(X, y).out_activation_ == "logistic"
    )


def test_errors_name_the_users_labels(Estimator, digits):
    X, y = digits
    labels = np.array(["cat", "dog", "eel"])[y % 3]
    clf = small(Estimator, max_iter=2).fit(X, labels)
    with pytest.raises(ValueError, match="'y' has \\['fox'\\]"):
        clf.partial_fit(X[:2], np.array(["cat", "fox"]))
    with pytest.raises(ValueError, match="only one class: cat"):
        small(Estimator).fit(X[:5], ["cat"] * 5)
    clf.set_params(warm_start=True)
    with pytest.raises(ValueError, match="same classes as in the previous call"):
        clf.fit(X[:10], ["cat", "dog"] * 5)


def test_predict_proba_is_float64_for_integer_input_like_mlp(Estimator, digits):
    X, y = digits
    pixels = (X * 16).astype(np.uint8)
    mlp = MLPClassifier(max_iter=5).fit(pixels, y)
    clf = small(Estimator, max_iter=2).fit(pixels, y)
    assert (
        clf.predict_proba(pixels).dtype == mlp.predict_proba(pixels).dtype == np.float64
    )
    assert clf.predict_proba(pixels.astype(np.float32)).dtype == np.float32


# 11. What the docstrings say ----------------------------------------------------------


def test_sigmoid_net_trains_on_the_log_loss_of_its_normalised_outputs(digits):
    """The docstring: the loss is the log-loss of s_k / sum_j s_j."""
    from sklearn.metrics import log_loss

    X, y = digits
    clf = small(SigmoidNetClassifier, max_iter=3, alpha=0).fit(X, y)
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-12)
    # One more epoch at a rate too small to move the weights: its loss is the
    # loss of the current weights.
    clf.set_params(learning_rate_init=1e-30).partial_fit(X, y)
    np.testing.assert_allclose(clf.loss_, log_loss(y, proba), rtol=1e-5)


# 12. class_weight and the validation loss ------------------------------------------


def test_class_weight_balanced_equals_balanced_sample_weights(Estimator, digits):
    X, y = digits
    X, y = X[:600], np.where(y[:600] < 3, y[:600], 3)  # imbalanced: 3 is 70%
    balanced = small(Estimator, class_weight="balanced").fit(X, y)
    weighted = small(Estimator).fit(
        X, y, sample_weight=compute_sample_weight("balanced", y)
    )
    np.testing.assert_array_equal(balanced.predict_proba(X), weighted.predict_proba(X))
    as_dict = small(Estimator, class_weight={0: 10.0, 1: 1.0, 2: 1.0, 3: 1.0}).fit(X, y)
    plain = small(Estimator).fit(X, y)
    assert as_dict.predict_proba(X)[:, 0].mean() > plain.predict_proba(X)[:, 0].mean()
    with pytest.raises(ValueError, match="'balanced' is not supported for partial_fit"):
        small(Estimator, class_weight="balanced").partial_fit(
            X, y, classes=np.arange(4)
        )


def test_history_has_the_validation_loss(Estimator, digits):
    X, y = digits
    clf = small(Estimator, early_stopping=True, max_iter=5).fit(X, y)
    assert len(clf.history_["val_loss"]) == len(clf.history_["val_accuracy"]) == 5
    assert clf.history_["val_accuracy"] == clf.validation_scores_
    assert all(np.isfinite(clf.history_["val_loss"]))
    assert clf.history_["val_loss"][-1] < clf.history_["val_loss"][0]


def test_nothing_warns_at_the_defaults(digits):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        SigmoidNetClassifier(random_state=0, max_iter=5).fit(X, y)


def test_pickles_record_the_skdigits_version(digits, monkeypatch):
    import skdigits

    X, y = digits
    clf = small(ReluSoftmaxClassifier, max_iter=2).fit(X, y)
    payload = pickle.dumps(clf)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = pickle.loads(payload)
    assert not hasattr(same, "_skdigits_version")
    monkeypatch.setattr(skdigits, "__version__", "99.0")
    with pytest.warns(UserWarning, match="from skdigits 0.1.0 with skdigits 99.0"):
        other = pickle.loads(payload)
    np.testing.assert_array_equal(other.predict_proba(X), clf.predict_proba(X))
