"""Scale-out through joblib's Dask backend on a dask.distributed cluster.

The cluster is local (two worker processes on 127.0.0.1): the same code runs
against a real cluster with ``Client("tcp://scheduler:8786")``.
"""

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from skdigits import ReluSoftmaxClassifier
from skdigits._jax_runtime.program_cache import program_cache_dir


def search():
    return GridSearchCV(
        ReluSoftmaxClassifier(max_iter=5, random_state=0),
        {"hidden_layer_sizes": [(16,), (32,)], "alpha": [1e-4, 1e-2]},
        cv=3,
    )


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_grid_search_on_a_dask_cluster_scores_as_n_jobs_1(digits, dask_client):
    X, y = digits
    reference = search().set_params(n_jobs=1).fit(X, y)
    with joblib.parallel_backend("dask"):
        on_dask = search().set_params(n_jobs=-1).fit(X, y)
    # The fits ran in the workers' processes, not here.
    worker_pids = set(dask_client.run(lambda: __import__("os").getpid()).values())
    assert len(worker_pids) == 2
    if program_cache_dir() is not None:
        # The workers trained from the programs the reference search kept.
        keras_imported = dask_client.run(lambda: "keras" in __import__("sys").modules)
        assert not any(keras_imported.values())
    for key in reference.cv_results_:
        if key.startswith(("split", "mean_test", "std_test", "rank")):
            np.testing.assert_array_equal(
                on_dask.cv_results_[key], reference.cv_results_[key]
            )
    assert on_dask.best_params_ == reference.best_params_
    np.testing.assert_array_equal(on_dask.predict_proba(X), reference.predict_proba(X))


def test_image_files_are_read_on_a_dask_cluster_as_here(tmp_path, dask_client):
    from PIL import Image
    from sklearn.datasets import load_digits

    from skdigits.datasets import make_digit_fields
    from skdigits.field_reader import default_reader, read_image_files

    digits = load_digits()
    fields, _ = make_digit_fields(
        digits.images / 16, digits.target, 5, kind="touching", random_state=0
    )
    paths = []
    for i, field in enumerate(fields):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray(field).save(paths[-1])
    reader = default_reader()
    here = read_image_files(paths, reader, format=r"\d{3,7}")
    keras_before = dask_client.run(lambda: "keras" in __import__("sys").modules)
    there = read_image_files(paths, reader, format=r"\d{3,7}", client=dask_client)
    assert [r.text for r in there] == [r.text for r in here]
    np.testing.assert_allclose(
        [r.probability for r in there], [r.probability for r in here], rtol=1e-6
    )
    # The shipped reader reads in numpy: no worker imported Keras for it.
    keras_after = dask_client.run(lambda: "keras" in __import__("sys").modules)
    assert keras_after == keras_before
    # Again and again with the same reader and client, as a service reads
    # batch after batch: each call sends the reader under a key of its own,
    # which the previous call's release cannot take away.
    for _ in range(3):
        again = read_image_files(paths[:2], reader, client=dask_client)
        assert [r.text for r in again] == [r.text for r in here[:2]]
