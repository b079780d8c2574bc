"""XLA's CPU threads, within the budget a worker process was given.

XLA sizes the thread pool of its CPU client from ``PJRT_NPROC`` or ``NPROC``,
else from every core it may run on. joblib gives each of its workers a share
of the cores (``OMP_NUM_THREADS`` set to ``cpu_count() // n_jobs``, as for
OpenMP and BLAS) and Dask's workers get ``OMP_NUM_THREADS=1``, but XLA does not
read it: ``n_jobs=2`` on two cores ran two fits of two threads each, and was
slower than one worker. `limit_xla_threads` passes that budget on to XLA.

Before jaxlib 0.8.2, XLA's multi-threaded CPU kernels split sums between threads
in a way that depends on their number, so the same fit gave other bits on one
thread than on two (measured with jaxlib 0.4.30 to 0.8.1: a ``random_state``
fitted in a joblib worker, on one thread, did not give the model fitted in
the main process). There XLA is given one thread, whatever the budget, so
that a fit is the same in any process and with any ``n_jobs``; on two cores
that costs little (docs/design.rst). From 0.8.2 a fit's bits do not
depend on the number of threads (measured with 0.8.2, 0.8.3, 0.9.2 and
0.10.2).
"""

import os
from importlib.metadata import PackageNotFoundError, version

XLA_VARIABLES = ("PJRT_NPROC", "NPROC")
BUDGET_VARIABLE = "OMP_NUM_THREADS"
# The first jaxlib whose CPU results do not depend on the number of threads.
THREAD_INDEPENDENT_JAXLIB = (0, 8, 2)


def results_depend_on_threads() -> bool:
    """Whether the installed jaxlib computes other bits on other thread counts."""
    try:
        installed = version("jaxlib")
    except PackageNotFoundError:
        return False
    release = []
    for part in installed.split(".")[:3]:
        digits = "".join(c for c in part if c.isdigit()) or "0"
        release.append(int(digits))
    return tuple(release) < THREAD_INDEPENDENT_JAXLIB


def limit_xla_threads() -> None:
    """Set ``PJRT_NPROC`` before XLA's CPU client starts.

    To ``OMP_NUM_THREADS`` where it is a positive integer, and to 1 where the
    installed jaxlib's results depend on the number of threads (see the
    module's docstring). Leaves the environment alone when the user set
    ``PJRT_NPROC`` or ``NPROC``. It takes effect only if JAX has not started
    its CPU backend yet.
    """
    if any(name in os.environ for name in XLA_VARIABLES):
        return
    if results_depend_on_threads():
        os.environ["PJRT_NPROC"] = "1"
        return
    try:
        budget = int(os.environ.get(BUDGET_VARIABLE, ""))
    except ValueError:
        return
    if budget >= 1:
        os.environ["PJRT_NPROC"] = str(budget)
