"""XLA's CPU threads, within the budget a worker process was given.

XLA sizes the thread pool of its CPU client from ``PJRT_NPROC`` or ``NPROC``,
else from every core it may run on. joblib gives each of its workers a share
of the cores (``OMP_NUM_THREADS`` set to ``cpu_count() // n_jobs``, as for
OpenMP and BLAS) and Dask's workers get ``OMP_NUM_THREADS=1``, but XLA does not
read it: ``n_jobs=2`` on two cores ran two fits of two threads each, and was
slower than one worker. `limit_xla_threads` passes that budget on to XLA.
"""

import os

XLA_VARIABLES = ("PJRT_NPROC", "NPROC")
BUDGET_VARIABLE = "OMP_NUM_THREADS"


def limit_xla_threads() -> None:
    """Set ``PJRT_NPROC`` from ``OMP_NUM_THREADS`` before XLA's CPU client starts.

    Leaves the environment alone when the user set ``PJRT_NPROC`` or
    ``NPROC``, or when ``OMP_NUM_THREADS`` is unset or not a positive
    integer. It takes effect only if JAX has not started its CPU backend yet.
    """
    if any(name in os.environ for name in XLA_VARIABLES):
        return
    try:
        budget = int(os.environ.get(BUDGET_VARIABLE, ""))
    except ValueError:
        return
    if budget >= 1:
        os.environ["PJRT_NPROC"] = str(budget)
