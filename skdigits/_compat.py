"""Differences between the versions of numpy and JAX that skdigits supports.

Each function here is tested on the lowest and the newest versions declared in
``pyproject.toml`` (``.ci/run`` runs the tests in both environments).
"""

import numpy as np


def numpy_reconstruct():
    """numpy's ``_reconstruct``, which array pickles name.

    numpy 2 moved ``numpy.core`` to ``numpy._core``; numpy 1 has only the
    former, numpy 2 still answers to it with a DeprecationWarning.
    """
    core = getattr(np, "_core", None)
    if core is None:  # numpy < 2
        core = np.core
    return core.multiarray._reconstruct


def enable_x64(enabled: bool):
    """A context in which JAX computes in 64 bits (or not), for this thread.

    ``jax.enable_x64`` is new in JAX 0.8; before it the same context manager
    lives in ``jax.experimental``.
    """
    import jax

    context = getattr(jax, "enable_x64", None)
    if context is None:
        from jax.experimental import enable_x64 as context
    return context(enabled)
