"""The engine's guarantees, held by every kind of network it trains.

`test_mlp_parity.py` shows them for the dense networks; here they are shown
for KerasClassifier (a dense and a convolutional builder) and for
ConvNetClassifier: Ctrl-C, a fit that fails, skops files, and the Dask
backend.
"""

import os
import subprocess
import sys

import joblib
import keras_builders
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from test_mlp_parity import RaiseAt

from skdigits import ConvNetClassifier, KerasClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

NETWORKS = {
    "keras-dense": KerasClassifier(keras_builders.dense, random_state=0),
    "keras-conv": KerasClassifier(keras_builders.image_conv, random_state=0),
    "convnet": ConvNetClassifier(
        filters=(8,), kernel_size=3, hidden_layer_sizes=(16,), random_state=0
    ),
}
# A grid over a parameter of each network's own.
GRIDS = {
    "keras-dense": {"model__units": [8, 16]},
    "keras-conv": {"model__filters": [4, 8]},
    "convnet": {"filters": [(4,), (8,)]},
}


@pytest.fixture(params=list(NETWORKS))
def network(request):
    return request.param


def make(network, **params):
    return clone(NETWORKS[network]).set_params(**{"max_iter": 5, **params})


def test_ctrl_c_keeps_the_epochs_already_trained(network, digits):
    X, y = digits
    # A constant rate: a cosine schedule over 5 epochs is not one over 3.
    clf = make(
        network,
        learning_rate="constant",
        callbacks=[RaiseAt("on_epoch_end", epoch=2)],
    )
    with pytest.warns(UserWarning, match="Training interrupted by user"):
        clf.fit(X, y)
    assert clf.n_iter_ == len(clf.loss_curve_) == len(clf.history_["loss"]) == 3
    reference = make(network, max_iter=3, learning_rate="constant").fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), reference.predict_proba(X))
    # The live model holds those weights (its outputs may be logits).
    scores = clf.model_.predict(X, verbose=0)
    np.testing.assert_array_equal(scores.argmax(1), clf.predict_proba(X).argmax(1))


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_a_fit_stopped_before_its_first_epoch_changes_nothing(network, digits, error):
    X, y = digits
    clf = make(network, callbacks=[RaiseAt("on_train_begin", error=error)])
    with pytest.raises(error):
        clf.fit(X, y)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    clf.set_params(callbacks=None).fit(X, y)
    before = clf.predict_proba(X), clf.model_, clf.n_iter_
    clf.set_params(warm_start=True, callbacks=[RaiseAt("on_train_begin", error=error)])
    with pytest.raises(error):
        clf.fit(X, y)
    np.testing.assert_array_equal(clf.predict_proba(X), before[0])
    assert (clf.model_, clf.n_iter_) == before[1:]


def test_a_diverging_fit_changes_nothing(network, digits):
    X, y = digits
    clf = make(network).fit(X, y)
    proba = clf.predict_proba(X)
    with pytest.raises(ValueError, match="non-finite parameter weights"):
        clf.set_params(learning_rate_init=1e30).fit(X * 1e30, y)
    np.testing.assert_array_equal(clf.predict_proba(X), proba)


SKOPS_LOAD = """
import sys
import numpy as np
import skops.io as sio
path, X_path = sys.argv[1:]
ours = ("skdigits.", "keras_builders.")
trusted = [t for t in sio.get_untrusted_types(file=path) if t.startswith(ours)]
clf = sio.load(path, trusted=trusted)
np.save(sys.stdout.buffer, clf.predict_proba(np.load(X_path)))
"""


def test_a_skops_file_round_trips_in_a_fresh_process(network, digits, tmp_path):
    sio = pytest.importorskip("skops.io")
    X, y = digits
    clf = make(network, max_iter=2).fit(X, y)
    sio.dump(clf, tmp_path / "clf.skops")
    np.save(tmp_path / "X.npy", X[:50])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([os.path.dirname(__file__), *sys.path]),
    }
    out = subprocess.run(
        [sys.executable, "-c", SKOPS_LOAD, tmp_path / "clf.skops", tmp_path / "X.npy"],
        capture_output=True,
        env=env,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr.decode()
    np.testing.assert_array_equal(
        np.load(__import__("io").BytesIO(out.stdout)), clf.predict_proba(X[:50])
    )


def test_a_search_on_the_dask_backend_scores_as_n_jobs_1(network, digits, dask_client):
    X, y = digits[0][:600], digits[1][:600]
    search = GridSearchCV(make(network, max_iter=3), GRIDS[network], cv=2)
    reference = clone(search).fit(X, y)
    with joblib.parallel_backend("dask"):
        on_dask = clone(search).set_params(n_jobs=-1).fit(X, y)
    assert on_dask.best_params_ == reference.best_params_
    # Dense networks give the same bits in a one-thread worker; convolutions
    # agree to rounding (see test_keras_classifier's CONV_THREADS_REASON).
    tolerance = 0 if network == "keras-dense" else 1e-4
    np.testing.assert_allclose(
        on_dask.predict_proba(X), reference.predict_proba(X), atol=tolerance, rtol=0
    )
    np.testing.assert_allclose(
        on_dask.cv_results_["mean_test_score"],
        reference.cv_results_["mean_test_score"],
        atol=0.01 if tolerance else 0,
        rtol=0,
    )
