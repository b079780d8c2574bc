"""The precision JAX computes in, per thread.

The function here is tested on the lowest and the newest versions declared in
``pyproject.toml`` (``.ci/run`` runs the tests in both environments).
"""


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
