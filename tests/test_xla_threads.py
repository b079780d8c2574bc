"""XLA's CPU threads follow the budget joblib and Dask give their workers."""

import json
import os
import subprocess
import sys

import pytest
from joblib import Parallel, delayed

from skdigits._xla_threads import limit_xla_threads

FIT_AND_COUNT = """
import json, os
from sklearn.datasets import load_digits
from skdigits import ReluSoftmaxClassifier
X, y = load_digits(return_X_y=True)
ReluSoftmaxClassifier(max_iter=2).fit(X / 16, y)
print(json.dumps({"threads": len(os.listdir("/proc/self/task")),
                  "PJRT_NPROC": os.environ.get("PJRT_NPROC")}))
"""

needs_proc = pytest.mark.skipif(
    not os.path.isdir("/proc/self/task"), reason="counts threads in /proc (Linux)"
)


def fit_in_new_process(**env):
    """Threads of a process that fitted a network, and its PJRT_NPROC."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"OMP_NUM_THREADS", "PJRT_NPROC", "NPROC"}
    }
    result = subprocess.run(
        [sys.executable, "-c", FIT_AND_COUNT],
        env={**environ, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@needs_proc
def test_xla_sizes_its_threads_by_the_budget():
    # OMP_NUM_THREADS=1 throughout, so numpy's BLAS threads stay the same:
    # the threads differ by XLA's pools alone.
    budgeted = fit_in_new_process(OMP_NUM_THREADS="1")
    assert budgeted["PJRT_NPROC"] == "1"
    explicit = fit_in_new_process(OMP_NUM_THREADS="1", PJRT_NPROC="1")
    assert budgeted["threads"] == explicit["threads"]
    # JAX reads the variable: more XLA threads, more threads.
    wider = fit_in_new_process(OMP_NUM_THREADS="1", PJRT_NPROC="3")
    assert wider["PJRT_NPROC"] == "3"  # the user's own setting wins
    assert wider["threads"] > budgeted["threads"]


def worker_environment():
    from skdigits._keras import import_keras

    import_keras()
    return os.environ.get("OMP_NUM_THREADS"), os.environ.get("PJRT_NPROC")


def test_joblib_workers_pass_their_budget_to_xla():
    # joblib keeps the parent's OMP_NUM_THREADS, else shares the cores out.
    budget = os.environ.get("OMP_NUM_THREADS", str(max(os.cpu_count() // 2, 1)))
    seen = Parallel(n_jobs=2)(delayed(worker_environment)() for _ in range(2))
    assert seen == [(budget, budget)] * 2


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"OMP_NUM_THREADS": "2"}, "2"),
        ({"OMP_NUM_THREADS": "0"}, None),
        ({"OMP_NUM_THREADS": "two"}, None),
        ({"OMP_NUM_THREADS": "2", "NPROC": "5"}, None),
        ({"OMP_NUM_THREADS": "2", "PJRT_NPROC": "5"}, "5"),
    ],
)
def test_limit_xla_threads(monkeypatch, env, expected):
    for name in ("OMP_NUM_THREADS", "PJRT_NPROC", "NPROC"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    limit_xla_threads()
    assert os.environ.get("PJRT_NPROC") == expected
