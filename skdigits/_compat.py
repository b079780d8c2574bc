"""Differences between the versions of numpy that skdigits supports.

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
