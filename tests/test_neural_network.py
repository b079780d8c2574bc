"""Behaviour of the Keras-backed classifiers beyond scikit-learn's checks."""

import os
import pickle
import random
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import (
    GridSearchCV,
    cross_val_predict,
    cross_val_score,
    train_test_split,
)
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

from skdigits import PixelScaler, ReluSoftmaxClassifier, SigmoidNetClassifier
from skdigits.neural_network import _training

ESTIMATORS = [ReluSoftmaxClassifier, SigmoidNetClassifier]

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(params=ESTIMATORS, ids=lambda cls: cls.__name__)
def Estimator(request):
    return request.param


def fitted(Estimator, X, y, **params):
    """Fit on small data: few epochs, and a learning rate for few steps.

    The rate is constant (the sigmoid net's default is a cosine schedule) so
    that both classes are tested on the same mechanisms.
    """
    params = {
        "max_iter": 30,
        "random_state": 0,
        "learning_rate_init": 0.01,
        "learning_rate": "constant",
        **params,
    }
    return Estimator(**params).fit(X, y)


# Fit, predict, probabilities ------------------------------------------------------


def test_learns_digits(Estimator, digits):
    X, y = digits
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    clf = fitted(Estimator, X_train, y_train, max_iter=100)
    assert clf.score(X_test, y_test) > 0.9
    assert clf.n_iter_ == len(clf.loss_curve_) == len(clf.history_["loss"])
    assert clf.loss_curve_[-1] < clf.loss_curve_[0] / 5
    assert clf.loss_ == clf.loss_curve_[-1]


def test_predict_proba_rows_sum_to_one_and_agree_with_predict(Estimator, digits):
    X, y = digits
    clf = fitted(Estimator, X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (len(X), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-12)
    assert proba.dtype == np.float64
    assert (proba >= 0).all()
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


def test_numpy_prediction_equals_keras_model(Estimator, digits):
    X, y = digits
    clf = fitted(Estimator, X, y, dropout=0.3)
    keras_output = np.asarray(clf.model_.predict(X, verbose=0), dtype=np.float64)
    # The sigmoid net's probabilities are its outputs normalised to sum to 1.
    keras_proba = keras_output / keras_output.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(clf.predict_proba(X), keras_proba, atol=1e-5)


@pytest.mark.parametrize(
    ("dtype", "network_dtype"),
    [(np.float32, "float32"), (np.float64, "float32"), (np.float64, "float64")],
)
def test_same_result_whatever_the_batch(Estimator, digits, dtype, network_dtype):
    """The guarantee that holds with any BLAS: reproducible, and batch-free
    to rounding (a BLAS may sum a row differently by its place in a block).
    The products run in float32 but for a float64 network on float64 input."""
    X, y = digits
    X = X.astype(dtype)
    clf = fitted(Estimator, X, y, dtype=network_dtype)
    proba = clf.predict_proba(X)
    assert proba.dtype == dtype
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=10 * np.finfo(dtype).eps)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)  # reproducible
    rtol = 1e-12 if dtype == network_dtype == np.float64 else 1e-5
    one_by_one = np.vstack([clf.predict_proba(X[i : i + 1]) for i in range(70)])
    np.testing.assert_allclose(one_by_one, proba[:70], rtol=rtol, atol=1e-30)
    np.testing.assert_allclose(clf.predict_proba(X[5:38]), proba[5:38], rtol=rtol)
    shuffled = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_allclose(
        clf.predict_proba(X[shuffled]), proba[shuffled], rtol=rtol
    )
    np.testing.assert_array_equal(clf.predict(X[shuffled]), clf.predict(X)[shuffled])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_prediction_bits_do_not_depend_on_the_thread_budget(dtype):
    """A joblib or Dask worker (one BLAS thread) predicts the bits a script
    (every core) does: OpenBLAS' own products would not (measured)."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    X = rng.random((3000, 784)).astype(dtype)  # several chunks of MNIST rows
    y = rng.integers(0, 10, 3000)
    clf = ReluSoftmaxClassifier(max_iter=1, random_state=0).fit(X[:300], y[:300])
    proba = clf.predict_proba(X)
    with threadpool_limits(1):
        np.testing.assert_array_equal(clf.predict_proba(X), proba)
    with threadpool_limits(2):
        np.testing.assert_array_equal(clf.predict_proba(X), proba)
    # And the budget is as it was.
    from threadpoolctl import threadpool_info

    before = [lib["num_threads"] for lib in threadpool_info()]
    clf.predict_proba(X)
    assert [lib["num_threads"] for lib in threadpool_info()] == before


FORK_SCRIPT = """
import multiprocessing as mp, warnings
import numpy as np
from skdigits import ReluSoftmaxClassifier
warnings.filterwarnings("ignore")
rng = np.random.default_rng(0)
X, y = rng.random((3000, 784)), rng.integers(0, 10, 3000)
clf = ReluSoftmaxClassifier(max_iter=1, random_state=0).fit(X[:300], y[:300])
proba = clf.predict_proba(X)  # the prediction threads start here
def child(queue):
    queue.put(np.array_equal(clf.predict_proba(X), proba))
context = mp.get_context("fork")
queue = context.Queue()
process = context.Process(target=child, args=(queue,), daemon=True)
process.start()
print(queue.get(timeout=60))
process.join(timeout=60)
"""


def test_a_forked_child_predicts_after_its_parent():
    """multiprocessing's fork (Linux's default before Python 3.14) copies no
    thread of the prediction pool: the child must not wait for them."""
    out = subprocess.run(
        [sys.executable, "-c", FORK_SCRIPT],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.stdout.split() == ["True"], out.stderr


def test_the_fast_path_of_prediction_checks_as_validate_data_does(digits):
    """A plain float ndarray skips validate_data; everything else, and every
    error, goes through it, with scikit-learn's own messages."""
    import pandas as pd

    X, y = digits
    clf = fitted(ReluSoftmaxClassifier, X, y)
    proba = clf.predict_proba(X[:5])
    np.testing.assert_array_equal(clf.predict_proba(X[:5].tolist()), proba)
    np.testing.assert_array_equal(clf.predict_proba(np.asfortranarray(X[:5])), proba)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict(np.where(X[:5] > 0.5, np.nan, X[:5]))
    with pytest.raises(ValueError, match="Input X contains infinity"):
        clf.predict(np.where(X[:5] > 0.5, np.inf, X[:5]))
    with pytest.raises(ValueError, match="X has 63 features"):
        clf.predict(X[:5, :63])
    with pytest.raises(ValueError, match="minimum of 1 is required"):
        clf.predict(X[:0])
    frame = pd.DataFrame(X, columns=[f"p{i}" for i in range(64)])
    named = fitted(ReluSoftmaxClassifier, frame, y)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        named.predict(X[:5])


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["zero", "one", "two"]),
        np.array([3, 7, 11]),
        np.array([-1.0, 0.0, 2.0]),
    ],
    ids=["strings", "ints", "floats"],
)
def test_any_label_type(Estimator, digits, labels):
    X, y = digits
    mask = y < 3
    y_labels = labels[y[mask]]
    clf = fitted(Estimator, X[mask], y_labels)
    np.testing.assert_array_equal(clf.classes_, np.sort(labels))
    predicted = clf.predict(X[mask])
    assert predicted.dtype == y_labels.dtype
    assert np.mean(predicted == y_labels) > 0.95


def test_binary(Estimator, digits):
    X, y = digits
    y_binary = np.where(y % 2 == 0, "even", "odd")
    clf = fitted(Estimator, X, y_binary, max_iter=60)
    assert clf.predict_proba(X).shape == (len(X), 2)
    assert clf.score(X, y_binary) > 0.85


# Parameters, cloning, persistence -------------------------------------------------


def test_params_clone_and_set_params(Estimator):
    clf = Estimator(alpha=0.01, max_iter=7, random_state=3)
    assert clf.get_params()["alpha"] == 0.01
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    copy.set_params(alpha=0.5)
    assert copy.alpha == 0.5
    assert clf.alpha == 0.01


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence_round_trip(Estimator, digits, dump, tmp_path):
    X, y = digits
    clf = fitted(Estimator, X, y)
    if dump == "pickle":
        restored = pickle.loads(pickle.dumps(clf))
    else:
        joblib.dump(clf, tmp_path / "model.joblib")
        restored = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_allclose(
        restored.model_.predict(X[:5], verbose=0), clf.model_.predict(X[:5], verbose=0)
    )
    # Training goes on from the same state.
    clf.partial_fit(X, y)
    restored.partial_fit(X, y)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


UNPICKLE_SCRIPT = """
import pickle, sys
clf = pickle.load(open(sys.argv[1], "rb"))
X = pickle.load(open(sys.argv[2], "rb"))
proba = clf.predict_proba(X)
print("keras" in sys.modules, "jax" in sys.modules, proba.tobytes().hex())
if sys.argv[3] == "model":
    print(clf.model_.name, __import__("keras").backend.backend())
"""


def run_unpickle_script(tmp_path, clf, X, *, keras_backend=None, model=False):
    """Unpickle ``clf`` in a fresh process and predict X; return its output lines.

    ``~/.keras/keras.json`` there names TensorFlow, and KERAS_BACKEND is
    ``keras_backend`` (unset if None).
    """
    (tmp_path / "model.pkl").write_bytes(pickle.dumps(clf))
    (tmp_path / "X.pkl").write_bytes(pickle.dumps(X))
    (tmp_path / "keras.json").write_text('{"backend": "tensorflow"}')
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env["KERAS_HOME"] = str(tmp_path)
    if keras_backend is not None:
        env["KERAS_BACKEND"] = keras_backend
    script = [sys.executable, "-c", UNPICKLE_SCRIPT]
    files = [tmp_path / "model.pkl", tmp_path / "X.pkl", "model" if model else "-"]
    result = subprocess.run(
        [*script, *files], capture_output=True, text=True, env=env, check=True
    )
    return [line.split() for line in result.stdout.splitlines()]


def test_unpickled_model_predicts_without_keras_and_builds_model_on_jax(
    Estimator, digits, tmp_path
):
    X, y = digits
    clf = fitted(Estimator, X, y, dropout=0.2)
    lines = run_unpickle_script(tmp_path, clf, X[:20], model=True)
    keras_imported, jax_imported, proba = lines[0]
    assert (keras_imported, jax_imported) == ("False", "False")
    assert bytes.fromhex(proba) == clf.predict_proba(X[:20]).tobytes()
    # `model_`, asked for, is built on JAX whatever keras.json says.
    assert lines[1] == [clf.model_.name, "jax"]


def test_unpickled_model_predicts_where_keras_backend_is_not_installed(
    digits, tmp_path
):
    X, y = digits
    clf = fitted(ReluSoftmaxClassifier, X, y)
    lines = run_unpickle_script(tmp_path, clf, X[:5], keras_backend="no-such-backend")
    assert bytes.fromhex(lines[0][2]) == clf.predict_proba(X[:5]).tobytes()


# scikit-learn tools --------------------------------------------------------------


def test_pipeline_in_grid_search_with_two_jobs(digits):
    X, y = digits
    pipeline = make_pipeline(
        PixelScaler(max_value=1.0),
        ReluSoftmaxClassifier(max_iter=20, learning_rate_init=0.01, random_state=0),
    )
    grid = {
        "relusoftmaxclassifier__hidden_layer_sizes": [(16,), (32,)],
        "relusoftmaxclassifier__alpha": [1e-4, 1e-2],
    }
    search = GridSearchCV(pipeline, grid, cv=3, n_jobs=2).fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 4
    assert search.best_score_ > 0.85
    assert search.score(X, y) > 0.9
    # Same results as a single process, bit for bit, though the workers run
    # XLA on one thread each (their share of the cores).
    serial = GridSearchCV(pipeline, grid, cv=3, n_jobs=1).fit(X, y)
    for key in ("mean_test_score", "split0_test_score", "split2_test_score"):
        np.testing.assert_array_equal(serial.cv_results_[key], search.cv_results_[key])
    np.testing.assert_array_equal(serial.predict_proba(X), search.predict_proba(X))


def test_swaps_with_mlp_classifier_in_a_grid(digits):
    from sklearn.neural_network import MLPClassifier

    X, y = digits
    grid = {"hidden_layer_sizes": [(16,)], "alpha": [1e-3], "max_iter": [20]}
    for estimator in (
        MLPClassifier(random_state=0),
        ReluSoftmaxClassifier(random_state=0),
    ):
        search = GridSearchCV(estimator, grid, cv=2).fit(X, y)
        assert search.best_params_ == {
            "alpha": 1e-3,
            "hidden_layer_sizes": (16,),
            "max_iter": 20,
        }


def test_cross_validation(Estimator, digits):
    X, y = digits
    clf = Estimator(max_iter=30, random_state=0, learning_rate_init=0.01)
    scores = cross_val_score(clf, X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.min() > 0.8
    proba = cross_val_predict(clf, X, y, cv=3, method="predict_proba")
    assert proba.shape == (len(X), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert np.mean(proba.argmax(axis=1) == y) > 0.8


# Reproducibility ------------------------------------------------------------------


def test_same_random_state_same_model(Estimator, digits):
    X, y = digits
    first = fitted(Estimator, X, y, dropout=0.2).predict_proba(X)
    second = fitted(Estimator, X, y, dropout=0.2).predict_proba(X)
    np.testing.assert_array_equal(first, second)
    other = fitted(Estimator, X, y, dropout=0.2, random_state=1).predict_proba(X)
    assert not np.allclose(first, other)


SCRIPT = """
import hashlib, sys
from sklearn.datasets import load_digits
from skdigits import {name}
X, y = load_digits(return_X_y=True)
clf = {name}(
    max_iter=5, dropout=0.2, random_state=0, learning_rate_init=0.01,
    learning_rate="constant",
)
clf.fit(X / 16, y)
sys.stdout.write(hashlib.sha256(clf.predict_proba(X / 16).tobytes()).hexdigest())
"""


def test_same_random_state_same_model_across_processes(Estimator, digits):
    X, y = digits
    digest = pytest.importorskip("hashlib").sha256
    here = digest(fitted(Estimator, X, y, max_iter=5, dropout=0.2).predict_proba(X))
    outputs = [
        subprocess.run(
            [sys.executable, "-c", SCRIPT.format(name=Estimator.__name__)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    assert outputs == [here.hexdigest()] * 2


def test_fit_leaves_global_random_state_alone(Estimator, digits):
    from keras.src.random.seed_generator import global_seed_generator

    X, y = digits
    keras_state = np.asarray(global_seed_generator().state.value).copy()
    numpy_state = np.random.get_state()  # noqa: NPY002 (the global state)
    python_state = random.getstate()
    fitted(Estimator, X, y, dropout=0.2, early_stopping=True)
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == numpy_state[0]
    np.testing.assert_array_equal(after[1], numpy_state[1])
    assert after[2:] == numpy_state[2:]
    assert random.getstate() == python_state
    np.testing.assert_array_equal(global_seed_generator().state.value, keras_state)


def test_repeated_fits_reuse_one_compiled_function(Estimator, digits):
    X, y = digits
    _training._trainers.clear()
    for params in [
        {"random_state": 0},
        {"random_state": 1, "alpha": 0.1},
        {"random_state": 2, "learning_rate_init": 0.01},
    ]:
        fitted(Estimator, X, y, max_iter=2, **params)
    (trainer,) = _training._trainers.values()
    (program,) = trainer._programs.values()  # one program, traced at most once
    assert trainer.n_traced <= 1
    assert program._cache_size() == 1


def test_trainer_cache_is_bounded_and_clears_jax_caches(digits, monkeypatch):
    """Memory stays bounded over many architectures: the evicted trainers and
    what JAX's caches hold of them go (measured, benchmarks/memory_search.py:
    flat at 630 MB over 60 architectures, against +10 MB each before)."""
    import jax

    X, y = digits
    clears = []
    monkeypatch.setattr(jax, "clear_caches", lambda: clears.append(1))
    _training._trainers.clear()
    for width in range(1, _training._MAX_CACHED_TRAINERS + 1):
        fitted(ReluSoftmaxClassifier, X[:100], y[:100], hidden_layer_sizes=(width,))
    assert clears == []
    for width in range(100, 103):
        fitted(ReluSoftmaxClassifier, X[:100], y[:100], hidden_layer_sizes=(width,))
    assert len(_training._trainers) == _training._MAX_CACHED_TRAINERS
    assert len(clears) == 3


# Incremental training, warm start, early stopping, callbacks -----------------------


def test_warm_start_continues_exactly(Estimator, digits):
    X, y = digits
    once = fitted(Estimator, X, y, max_iter=10, learning_rate="constant")
    twice = fitted(
        Estimator, X, y, max_iter=5, warm_start=True, learning_rate="constant"
    )
    twice.fit(X, y)
    # n_iter_ counts the last call, loss_curve_ every epoch: as MLPClassifier.
    mlp = MLPClassifier(max_iter=5, warm_start=True, random_state=0).fit(X, y)
    mlp.fit(X, y)
    assert twice.n_iter_ == mlp.n_iter_ == 5
    assert len(twice.loss_curve_) == len(mlp.loss_curve_) == 10
    assert twice.t_ == mlp.t_ == 10 * len(X)
    np.testing.assert_array_equal(twice.loss_curve_, once.loss_curve_)
    for a, b in zip(twice.coefs_, once.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


def test_partial_fit(Estimator, digits):
    X, y = digits
    clf = Estimator(random_state=0, learning_rate_init=0.01)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:500], y[:500], classes=np.arange(10))
    losses = [clf.loss_]
    for _ in range(10):
        clf.partial_fit(X, y)
        losses.append(clf.loss_)
    assert clf.n_iter_ == 1  # as MLPClassifier: the epochs of the last call
    assert len(clf.loss_curve_) == 11
    assert clf.t_ == 500 + 10 * len(X)
    assert losses[-1] < losses[1] / 2
    with pytest.raises(ValueError, match="`y` has classes not in"):
        clf.partial_fit(X[:2], np.array([0, 10]))
    with pytest.raises(ValueError, match="not the same as on the first call"):
        clf.partial_fit(X, y, classes=np.arange(11))


def test_early_stopping_keeps_the_best_epoch(Estimator, digits):
    from keras.callbacks import Callback

    class RecordWeights(Callback):
        def __init__(self):
            super().__init__()
            self.weights = []

        def on_epoch_end(self, epoch, logs=None):
            self.weights.append([np.array(w) for w in self.model.get_weights()])

    X, y = digits
    record = RecordWeights()
    clf = fitted(
        Estimator,
        X,
        y,
        max_iter=200,
        early_stopping=True,
        n_iter_no_change=3,
        tol=0.01,
        callbacks=[record],
    )
    assert clf.n_iter_ < 200
    assert len(clf.validation_scores_) == clf.n_iter_ == len(record.weights)
    assert clf.history_["val_accuracy"] == clf.validation_scores_
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None
    best = int(np.argmax(clf.validation_scores_))
    np.testing.assert_array_equal(clf.coefs_[0], record.weights[best][0])


def test_keras_early_stopping_callback_stops_training(Estimator, digits):
    from keras.callbacks import EarlyStopping

    X, y = digits
    stop = EarlyStopping(monitor="loss", min_delta=10.0, patience=1)
    clf = fitted(Estimator, X, y, max_iter=50, callbacks=[stop])
    assert clf.n_iter_ == 2


def test_tol_stops_training_and_max_iter_warns(Estimator, digits):
    X, y = digits
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        fitted(Estimator, X, y, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = fitted(Estimator, X, y, max_iter=200, tol=10.0, n_iter_no_change=2)
    # MLPClassifier's rule: the first epoch sets the best loss, the next
    # n_iter_no_change + 1 fail to improve on it by tol.
    assert clf.n_iter_ == 4


def test_verbose_prints_the_loss(Estimator, digits, capsys):
    X, y = digits
    clf = fitted(Estimator, X, y, max_iter=2, verbose=True)
    out = capsys.readouterr().out
    assert f"Iteration 2, loss = {clf.loss_curve_[1]:.8f}" in out


# Bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "y", "message"),
    [
        ([[0.0, np.nan], [1.0, 0.0]], [0, 1], "Input X contains NaN"),
        ([[0.0, np.inf], [1.0, 0.0]], [0, 1], "Input X contains infinity"),
        ([0.0, 1.0, 2.0], [0, 1, 0], "Expected 2D array, got 1D array"),
        ([[0.0], [1.0]], [0, 0], "at least 2 classes .* only one class: 0"),
        ([[0.0], [1.0]], [0.5, 1.5], "Unknown label type"),
        ([[0.0], [1.0]], [0], "inconsistent numbers of samples"),
    ],
    ids=["nan", "inf", "1d", "one-class", "continuous", "lengths"],
)
def test_bad_fit_input_gets_sklearn_errors(Estimator, X, y, message):
    with pytest.raises(ValueError, match=message):
        Estimator().fit(X, y)


def test_bad_predict_input_gets_sklearn_errors(Estimator, digits):
    X, y = digits
    clf = Estimator(max_iter=1)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    clf.fit(X, y)
    with pytest.raises(ValueError, match=r"X has 3 features, but .* is expecting 64"):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match="Input X contains NaN"):
        clf.predict_proba(np.full((1, 64), np.nan))


def test_bad_parameters(digits):
    X, y = digits
    with pytest.raises(ValueError, match="'alpha' parameter of ReluSoftmaxClassifier"):
        ReluSoftmaxClassifier(alpha=-1).fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes must be positive"):
        ReluSoftmaxClassifier(hidden_layer_sizes=(10, 0)).fit(X, y)
    with pytest.raises(ValueError, match="'dtype' parameter"):
        SigmoidNetClassifier(dtype="float16").fit(X, y)


def test_float64_training(Estimator, digits):
    X, y = digits
    clf = fitted(Estimator, X, y, dtype="float64")
    assert clf.model_.get_layer("logits").kernel.dtype == "float64"
    assert clf.score(X, y) > 0.9
    # Nothing leaks out of the fit: JAX still computes in float32 by default.
    import jax.numpy as jnp

    assert jnp.asarray(1.0).dtype == jnp.float32
