"""The one place where Keras is imported, on the JAX backend."""

import os
import random
import sys

from skdigits._compilation_cache import enable_compilation_cache
from skdigits._xla_threads import limit_xla_threads

REQUIRED_BACKEND = "jax"


def import_keras():
    """Import Keras on the JAX backend and return the module.

    Keras picks its backend once, at import, from ``KERAS_BACKEND`` or else
    from ``~/.keras/keras.json``, which may name another backend.  skdigits
    selects JAX explicitly unless the user chose a backend through
    ``KERAS_BACKEND``; since its training loop is written for JAX, any other
    backend is refused with a clear message rather than failing deep inside
    Keras.

    The first import switches on skdigits' persistent compilation cache
    (``skdigits._compilation_cache``), keeps XLA's CPU threads within the
    process's ``OMP_NUM_THREADS`` (``skdigits._xla_threads``: joblib's and
    Dask's workers are given one) and leaves numpy's and Python's global
    random states as they were: JAX draws from numpy's global generator when
    it is imported (``jax/_src/clusters/k8s_cluster.py``), and a fit must
    not touch them.
    """
    if "keras" not in sys.modules:
        import numpy as np

        numpy_state = np.random.get_state()  # noqa: NPY002 (the global state)
        python_state = random.getstate()
        os.environ.setdefault("KERAS_BACKEND", REQUIRED_BACKEND)
        try:
            if os.environ["KERAS_BACKEND"] == REQUIRED_BACKEND:
                # Before Keras' import compiles anything: JAX reads the
                # cache's setting at its first compilation.
                enable_compilation_cache()
                limit_xla_threads()
            import keras
        finally:
            np.random.set_state(numpy_state)  # noqa: NPY002
            random.setstate(python_state)
    import keras

    backend = keras.backend.backend()
    if backend != REQUIRED_BACKEND:
        raise ImportError(
            f"skdigits needs the Keras {REQUIRED_BACKEND!r} backend, but Keras "
            f"is running on {backend!r} (KERAS_BACKEND="
            f"{os.environ.get('KERAS_BACKEND')!r}). Set KERAS_BACKEND=jax before "
            "Keras is first imported."
        )
    return keras
