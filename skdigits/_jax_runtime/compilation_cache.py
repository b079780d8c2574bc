"""JAX's persistent compilation cache, on by default for skdigits' training.

Compiling a network's training step takes about a second, in every new
process: a second run of a script, each joblib worker of a grid search, each
Dask worker, each CI job. JAX can keep compiled code on disk and load it
instead; skdigits switches that on, in a per-user folder, the first time it
compiles, unless the user has set up JAX's cache already.

``SKDIGITS_COMPILATION_CACHE`` moves the folder (a local path, e.g. on a
filesystem that Dask workers share) or switches the cache off (``0``,
``off``, ``false``, ``no``); a URL (``gs://...``) is refused with a warning,
since skdigits keeps files of its own beside JAX's: a remote cache is set up
through JAX itself (``jax_compilation_cache_dir``). The folder is bounded
(JAX's ``jax_compilation_cache_max_size``, set to `MAX_BYTES`: least
recently used entries go first) and may be shared between processes (JAX
locks it with filelock while it writes or evicts).

Since skdigits turns JAX's cache on, its damage is skdigits' to handle. JAX
writes an entry in place, so a process killed while writing leaves it
truncated, and JAX never replaces an entry: every later process would warn
and compile again. Each process therefore checks the entries written since
the last check (`repair_damaged_entries`) and removes those that no longer
decompress, so that the next compilation writes them anew. A folder that
cannot be written gets one warning, and compiling goes on without it.
"""

import contextlib
import os
import tempfile
import time
import warnings
import zlib
from pathlib import Path

from skdigits._user_cache import user_cache_dir

ENVIRONMENT_VARIABLE = "SKDIGITS_COMPILATION_CACHE"
MAX_BYTES = 2**30  # 1 GiB; a network's step is 0.1 to 2 MB
_OFF = {"0", "off", "false", "no"}
# JAX's lock file of the folder (the same name from JAX 0.4.30 to today), and
# skdigits' record of its last check of the entries.
_JAX_LOCK = ".lockfile"
_CHECKED = ".skdigits-checked"
# Entries this much older than the last check were checked by it (clocks of
# processes sharing a folder may differ a little).
_CHECK_MARGIN_SECONDS = 60
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def compilation_cache_dir() -> Path | None:
    """The cache folder skdigits uses, or None when the cache is off.

    ``$SKDIGITS_COMPILATION_CACHE`` (made absolute: a worker started in
    another folder finds the same one), else ``$XDG_CACHE_HOME/skdigits/jax``,
    else ``~/.cache/skdigits/jax``. A URL is not a folder: None.
    """
    value = os.environ.get(ENVIRONMENT_VARIABLE)
    if value is not None and value.strip().lower() in _OFF:
        return None
    if value and "://" in value:
        return None
    if value:
        return Path(value).expanduser().absolute()
    return user_cache_dir() / "jax"


def enable_compilation_cache() -> None:
    """Point JAX's persistent compilation cache at `compilation_cache_dir`.

    Leaves JAX alone when the user configured a cache folder themselves (in
    code or with ``JAX_COMPILATION_CACHE_DIR``) or switched skdigits' off.
    A folder that cannot be created or written, or a URL, is warned about
    once, and compiling goes on without a cache. The entries damaged since
    the last check are removed first (`repair_damaged_entries`).
    """
    import jax

    if jax.config.jax_compilation_cache_dir:
        return
    folder = compilation_cache_dir()
    if folder is None:
        value = os.environ.get(ENVIRONMENT_VARIABLE, "")
        if "://" in value:
            _warn(
                f"{ENVIRONMENT_VARIABLE}={value!r} is a URL, not a local folder; "
                "networks compile anew in each process. For a remote cache, set "
                "JAX's own (jax.config.update('jax_compilation_cache_dir', url))."
            )
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _check_writable(folder)
    except OSError as exc:
        _warn(
            f"skdigits could not create its compilation cache in {folder} "
            f"({exc}); networks compile anew in each process. Set "
            f"{ENVIRONMENT_VARIABLE} to a writable folder, or to 0."
        )
        return
    repair_damaged_entries(folder)
    jax.config.update("jax_compilation_cache_dir", str(folder))
    # skdigits' steps compile in about a second and are small: cache them all.
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
    jax.config.update("jax_compilation_cache_max_size", MAX_BYTES)


def _warn(message: str) -> None:
    # The caller of fit, through import_jax and the trainer.
    warnings.warn(message, UserWarning, stacklevel=4)


def _check_writable(folder: Path) -> None:
    """Raise OSError unless a file can be created in ``folder``.

    Tried, not asked (``os.access``): root may be refused by a read-only
    mount or an immutable folder, and a user allowed by an ACL.
    """
    fd, name = tempfile.mkstemp(dir=folder, prefix=".skdigits-probe-")
    os.close(fd)
    os.unlink(name)


def repair_damaged_entries(folder: Path) -> list[Path]:
    """Remove the entries of JAX's cache in ``folder`` that do not decompress.

    Only the entries modified since the last check are read (a damaged one
    is one a process was killed while writing, after that check), under
    JAX's own lock of the folder, so that no entry being written is taken for
    a damaged one; if the lock is busy, the next process checks. Returns the
    entries removed.
    """
    import filelock

    marker = folder / _CHECKED
    try:
        since = marker.stat().st_mtime - _CHECK_MARGIN_SECONDS
    except OSError:
        since = -float("inf")
    removed = []
    try:
        with filelock.FileLock(folder / _JAX_LOCK, timeout=5):
            started = time.time()
            for entry in folder.iterdir():
                name = entry.name
                if name.startswith(".") or name.endswith("-atime"):
                    continue
                with contextlib.suppress(OSError):
                    if not entry.is_file() or entry.stat().st_mtime < since:
                        continue
                    if not _decompresses(entry.read_bytes()):
                        entry.unlink()
                        # JAX after 0.4.30 keeps a key's access time beside it.
                        stem = name.removesuffix("-cache")
                        (folder / f"{stem}-atime").unlink(missing_ok=True)
                        removed.append(entry)
            marker.touch()
            os.utime(marker, (started, started))
    except (filelock.Timeout, OSError):
        pass
    return removed


def _decompresses(data: bytes) -> bool:
    """Whether a JAX cache entry decompresses whole (zstd or zlib, as JAX writes).

    An entry in zstd is taken as whole when no zstd decoder is at hand.
    """
    try:
        if data[:4] == _ZSTD_MAGIC:
            decompress = _zstd_decompress()
            if decompress is not None:
                decompress(data)
        else:
            zlib.decompress(data)
    except Exception:  # any error of any decoder: the entry is damaged
        return False
    return True


def _zstd_decompress():
    try:
        from compression import zstd  # Python >= 3.14

        return zstd.decompress
    except ImportError:
        pass
    try:
        import zstandard
    except ImportError:
        return None
    return zstandard.ZstdDecompressor().decompress
