"""
==================================================
Grid search on a Dask cluster through joblib
==================================================

scikit-learn's searches run their fits through joblib, and joblib's Dask
backend sends them to the workers of a :mod:`dask.distributed` cluster: the
same code scales from a laptop to many machines. Here the cluster is local,
two worker processes on 127.0.0.1; for a real one, pass the scheduler's
address to :class:`~distributed.Client`. The scores are those of a search
with ``n_jobs=1``, bit for bit: each fit derives its randomness from
``random_state`` alone.

It needs the ``distributed`` extra: ``pip install skdigits[distributed]``.
The cluster's worker processes import this file again, as any
:mod:`multiprocessing` child does, so the work runs under
``if __name__ == "__main__":``: copied into a script, it runs once.
For workers on several machines to reuse one another's compiled code, point
``SKDIGITS_COMPILATION_CACHE`` at a folder on a filesystem they share.
"""

# %%
import joblib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV

from skdigits import ReluSoftmaxClassifier
from skdigits.datasets import fetch_mnist


def make_search():
    return GridSearchCV(
        ReluSoftmaxClassifier(max_iter=5, random_state=0),
        {"hidden_layer_sizes": [(32,), (128,)], "alpha": [1e-4, 1e-2]},
        cv=3,
    )


# %%
# The search on the cluster, and the same search in this process.
if __name__ == "__main__":
    X, y = fetch_mnist(return_X_y=True)
    X, y = X[:6000] / 255, y[:6000]  # a subset keeps the example quick
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster),
        joblib.parallel_backend("dask"),
    ):
        on_dask = make_search().set_params(n_jobs=-1).fit(X, y)

    here = make_search().set_params(n_jobs=1).fit(X, y)

    results = pd.DataFrame(on_dask.cv_results_)[
        ["param_hidden_layer_sizes", "param_alpha", "mean_test_score"]
    ]
    print(results)
    print(
        "same scores as n_jobs=1:",
        np.array_equal(
            on_dask.cv_results_["mean_test_score"], here.cv_results_["mean_test_score"]
        ),
    )

# %%
# Each candidate's score on the cluster against its score in this process:
# the points lie on the diagonal.
if __name__ == "__main__":
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.scatter(
        here.cv_results_["mean_test_score"], on_dask.cv_results_["mean_test_score"]
    )
    low = min(here.cv_results_["mean_test_score"]) - 0.01
    ax.plot([low, 1], [low, 1], color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("mean accuracy, n_jobs=1")
    ax.set_ylabel("mean accuracy, on Dask")
    ax.set_title("The same search, two ways")
    fig.tight_layout()
    plt.show()
