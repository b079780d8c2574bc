"""XLA's CPU threads follow the budget joblib and Dask give their workers."""

import json
import os
import subprocess
import sys

import pytest
from joblib import Parallel, delayed

from skdigits._jax_runtime import xla_threads as _xla_threads
from skdigits._jax_runtime.xla_threads import (
    limit_xla_threads,
    results_depend_on_threads,
)

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


THREAD_VARIABLES = ("OMP_NUM_THREADS", "PJRT_NPROC", "NPROC")


def environment(**env) -> dict:
    """This process's environment without thread budgets, and ``env``."""
    base = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    return {**base, **env}


def fit_in_new_process(**env):
    """Threads of a process that fitted a network, and its PJRT_NPROC."""
    result = subprocess.run(
        [sys.executable, "-c", FIT_AND_COUNT],
        env=environment(**env),
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
    from skdigits._jax_runtime.keras import import_keras

    import_keras()
    return os.environ.get("OMP_NUM_THREADS"), os.environ.get("PJRT_NPROC")


def test_joblib_workers_pass_their_budget_to_xla():
    # joblib keeps the parent's OMP_NUM_THREADS, else shares the cores out.
    budget = os.environ.get("OMP_NUM_THREADS", str(max(os.cpu_count() // 2, 1)))
    xla = "1" if results_depend_on_threads() else budget
    seen = Parallel(n_jobs=2)(delayed(worker_environment)() for _ in range(2))
    assert seen == [(budget, xla)] * 2


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
@pytest.mark.parametrize("thread_dependent", [False, True])
def test_limit_xla_threads(monkeypatch, env, expected, thread_dependent):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(
        _xla_threads, "results_depend_on_threads", lambda: thread_dependent
    )
    limit_xla_threads()
    if thread_dependent and not {"PJRT_NPROC", "NPROC"} & set(env):
        expected = "1"  # one thread, whatever the budget
    assert os.environ.get("PJRT_NPROC") == expected


@pytest.mark.parametrize(
    ("jaxlib", "dependent"),
    [
        ("0.4.30", True),
        ("0.8.1", True),
        ("0.8.2", False),
        ("0.10.2", False),
        ("0.11", False),
    ],
)
def test_results_depend_on_threads_before_jaxlib_0_8_2(monkeypatch, jaxlib, dependent):
    monkeypatch.setattr(_xla_threads, "version", lambda name: jaxlib)
    assert results_depend_on_threads() is dependent


FIT_AND_HASH = """
import hashlib, sys
from sklearn.datasets import load_digits
from skdigits import ReluSoftmaxClassifier
X, y = load_digits(return_X_y=True)
clf = ReluSoftmaxClassifier(max_iter=5, random_state=0, learning_rate_init=0.01)
clf.fit(X / 16, y)
sys.stdout.write(hashlib.sha256(clf.predict_proba(X / 16).tobytes()).hexdigest())
"""


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_fit_is_the_same_whatever_the_thread_budget():
    # What a joblib worker (OMP_NUM_THREADS=1) fits is what the main process
    # fits on every core: the promise behind "the same scores with any n_jobs".
    digests = {
        budget: subprocess.run(
            [sys.executable, "-c", FIT_AND_HASH],
            env=environment(**({"OMP_NUM_THREADS": budget} if budget else {})),
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for budget in ("1", "2", None)
    }
    assert len(set(digests.values())) == 1, digests
