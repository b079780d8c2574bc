"""The one place where Keras is imported, on the JAX backend."""

import os

REQUIRED_BACKEND = "jax"


def import_keras():
    """Import Keras on the JAX backend and return the module.

    Keras picks its backend once, at import, from ``KERAS_BACKEND`` or else
    from ``~/.keras/keras.json``, which may name another backend.  skdigits
    selects JAX explicitly unless the user chose a backend through
    ``KERAS_BACKEND``; since its training loop is written for JAX, any other
    backend is refused with a clear message rather than failing deep inside
    Keras.
    """
    os.environ.setdefault("KERAS_BACKEND", REQUIRED_BACKEND)
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
