"""JAX's persistent compilation cache, on by default for skdigits' training.

Compiling a network's training step takes about a second, in every new
process: a second run of a script, each joblib worker of a grid search, each
Dask worker, each CI job. JAX can keep compiled code on disk and load it
instead; skdigits switches that on, in a per-user folder, the first time it
compiles, unless the user has set up JAX's cache already.

``SKDIGITS_COMPILATION_CACHE`` moves the folder (a path, e.g. on a filesystem
that Dask workers share) or switches the cache off (``0``, ``off``,
``false``, ``no``). The folder is bounded (JAX's
``jax_compilation_cache_max_size``, set to `MAX_BYTES`: least recently used
entries go first) and may be shared between processes (JAX locks it with
filelock while it writes or evicts).
"""

import os
import warnings
from pathlib import Path

from skdigits._user_cache import user_cache_dir

ENVIRONMENT_VARIABLE = "SKDIGITS_COMPILATION_CACHE"
MAX_BYTES = 2**30  # 1 GiB; a network's step is 0.1 to 2 MB
_OFF = {"0", "off", "false", "no"}


def compilation_cache_dir() -> Path | None:
    """The cache folder skdigits uses, or None when the cache is off.

    ``$SKDIGITS_COMPILATION_CACHE``, else ``$XDG_CACHE_HOME/skdigits/jax``,
    else ``~/.cache/skdigits/jax``.
    """
    value = os.environ.get(ENVIRONMENT_VARIABLE)
    if value is not None and value.strip().lower() in _OFF:
        return None
    if value:
        return Path(value).expanduser()
    return user_cache_dir() / "jax"


def enable_compilation_cache() -> None:
    """Point JAX's persistent compilation cache at `compilation_cache_dir`.

    Leaves JAX alone when the user configured a cache folder themselves (in
    code or with ``JAX_COMPILATION_CACHE_DIR``) or switched skdigits' off.
    A folder that cannot be created is warned about, and compiling goes on
    without a cache.
    """
    import jax

    if jax.config.jax_compilation_cache_dir:
        return
    folder = compilation_cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        warnings.warn(
            f"skdigits could not create its compilation cache in {folder} "
            f"({exc}); networks compile anew in each process. Set "
            f"{ENVIRONMENT_VARIABLE} to a writable folder, or to 0.",
            UserWarning,
            stacklevel=3,
        )
        return
    jax.config.update("jax_compilation_cache_dir", str(folder))
    # skdigits' steps compile in about a second and are small: cache them all.
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    jax.config.update("jax_compilation_cache_max_size", MAX_BYTES)
