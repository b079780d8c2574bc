"""The one place where Keras is imported, on the JAX backend, and JAX set up."""

import importlib
import os
import random
import sys
import warnings
from contextlib import contextmanager

from skdigits._jax_runtime.compilation_cache import enable_compilation_cache
from skdigits._jax_runtime.xla_threads import limit_xla_threads

REQUIRED_BACKEND = "jax"


def import_jax():
    """Import JAX, set up for skdigits' training, and return it.

    The first call, before JAX compiles anything for skdigits (it reads the
    cache's setting at its first compilation, and the thread count when it
    starts its CPU client), switches on skdigits' persistent compilation
    cache (`compilation_cache`) and keeps XLA's CPU threads within the
    process's ``OMP_NUM_THREADS`` (`xla_threads`: joblib's and Dask's workers
    are given one). It leaves numpy's and Python's global random states as
    they were: JAX draws from numpy's global generator when it is imported
    (``jax/_src/clusters/k8s_cluster.py``), and a fit must not touch them.

    Training needs no Keras when its program is on disk (`program_cache`),
    but a Keras on another backend is refused all the same, as `import_keras`
    refuses it.
    """
    global _jax_configured
    if "keras" in sys.modules or _chosen_backend() != REQUIRED_BACKEND:
        import_keras()
    if not _jax_configured:
        with _global_random_states_kept():
            enable_compilation_cache()
            limit_xla_threads()
        _jax_configured = True
    import jax

    return jax


_jax_configured = False


def import_keras():
    """Import Keras on the JAX backend and return the module.

    Keras picks its backend once, at import, from ``KERAS_BACKEND`` or else
    from ``~/.keras/keras.json``, which may name another backend.  skdigits
    selects JAX explicitly unless the user chose a backend through
    ``KERAS_BACKEND``; since its training loop is written for JAX, any other
    backend is refused with a clear message rather than failing deep inside
    Keras.

    The first import sets JAX up first (`import_jax`), defers
    ``matplotlib.pyplot`` (see `_import_keras_without_pyplot`), and leaves
    numpy's and Python's global random states as they were.
    """
    if "keras" not in sys.modules:
        backend = _chosen_backend()
        if backend != REQUIRED_BACKEND:
            # Refused before Keras is imported: importing it on a backend
            # that is not installed fails with Keras' own ModuleNotFoundError.
            raise ImportError(_backend_message(backend))
        with _global_random_states_kept():
            select_jax_backend()
            import_jax()
            _import_keras_without_pyplot()
    import keras

    backend = keras.backend.backend()
    if backend != REQUIRED_BACKEND:
        raise ImportError(_backend_message(backend))
    return keras


def select_jax_backend() -> None:
    """Make the Keras this process imports next run on JAX, unless chosen.

    Sets ``KERAS_BACKEND=jax`` when it is unset or empty (an empty value is
    no choice: Keras would read ``~/.keras/keras.json``, which may name
    another backend) and Keras is not imported yet. It is called when the
    estimators are imported, so it also holds where the estimators are
    unpickled: a joblib worker started before the parent chose JAX imports
    skdigits before the user's network builder, pickled by value, imports
    ``keras`` (``tests/test_keras_import.py``). A backend the user named is
    left alone, and refused when Keras is needed (`import_keras`).
    """
    if "keras" not in sys.modules and not _named_backend():
        os.environ["KERAS_BACKEND"] = REQUIRED_BACKEND


def _named_backend() -> str:
    """The backend ``KERAS_BACKEND`` names; empty when it is unset or empty."""
    return os.environ.get("KERAS_BACKEND", "").strip()


def _chosen_backend() -> str:
    """The backend ``KERAS_BACKEND`` names; JAX when it is unset or empty."""
    return _named_backend() or REQUIRED_BACKEND


def _backend_message(backend: str) -> str:
    return (
        f"skdigits needs the Keras {REQUIRED_BACKEND!r} backend, but Keras "
        f"is running on, or set to, {backend!r} (KERAS_BACKEND="
        f"{os.environ.get('KERAS_BACKEND')!r}). Set KERAS_BACKEND=jax (or leave "
        "it unset) before Keras is first imported."
    )


@contextmanager
def _global_random_states_kept():
    """Leave numpy's and Python's global random states as they were."""
    import numpy as np

    numpy_state = np.random.get_state()  # noqa: NPY002 (the global state)
    python_state = random.getstate()
    try:
        yield
    finally:
        np.random.set_state(numpy_state)  # noqa: NPY002
        random.setstate(python_state)


class _LazyPyplot:
    """``matplotlib.pyplot``, imported when first used."""

    def __getattr__(self, name):
        import matplotlib.pyplot

        return getattr(matplotlib.pyplot, name)


def _import_keras_without_pyplot() -> None:
    """``import keras``, leaving ``matplotlib.pyplot`` for when it is used.

    Keras' visualization module (Keras >= 3.8) imports ``matplotlib.pyplot``
    at import time, for functions it only calls on demand: a third of Keras'
    import, in every new process (a script, each joblib worker) that fits a
    model (docs/design.rst). Keras is imported with pyplot hidden, which Keras
    handles (``plt = None``), and its modules' ``plt`` is then a proxy that
    imports pyplot when first used, so Keras' plotting works as before.
    """
    if "matplotlib.pyplot" in sys.modules:  # already paid for
        importlib.import_module("keras")
        return
    sys.modules["matplotlib.pyplot"] = None  # importing it raises ImportError
    try:
        importlib.import_module("keras")
    except ImportError:
        # A Keras that cannot import without pyplot: import it as it is.
        _unhide_pyplot()
        for name in [n for n in sys.modules if n == "keras" or n.startswith("keras.")]:
            del sys.modules[name]
        importlib.import_module("keras")
        return
    finally:
        _unhide_pyplot()
    for name, module in list(sys.modules.items()):
        if name.startswith("keras.") and getattr(module, "plt", False) is None:
            module.plt = _LazyPyplot()


def _unhide_pyplot() -> None:
    if "matplotlib.pyplot" in sys.modules and sys.modules["matplotlib.pyplot"] is None:
        del sys.modules["matplotlib.pyplot"]


def optimizer_config(optimizer) -> dict:
    """``optimizer.get_config()``, without Keras' numpy deprecation warning.

    Keras' ``get_config`` reads the learning rate with ``np.array(variable)``,
    and its ``Variable.__array__`` takes no ``copy`` argument, which numpy >=
    2.4 warns about on every call: a warning of Keras', in every fit.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="__array__ implementation doesn't accept a copy keyword",
            category=DeprecationWarning,
        )
        return optimizer.get_config()
