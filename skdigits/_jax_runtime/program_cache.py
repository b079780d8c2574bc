"""Traced training programs kept on disk, so that a new process need not trace.

JAX's persistent compilation cache (`compilation_cache`) keeps the compiled
code of a network's epoch, but a new process must still import Keras, build
the network and trace the epoch (Keras' layers, the gradient, the optimizer's
update) to find that code: most of a fresh process's first fit
(docs/design.rst), paid again by every joblib and Dask worker. skdigits
therefore also keeps the traced program: the epoch exported with
``jax.export`` (serialized StableHLO, which JAX documents as stable across
processes), and the optimizer's initial state. A new process loads them and
trains without importing Keras; the compiled code still comes from JAX's
cache.

Every process runs the exported program, the one that traces it too, so a
fit gives the same bits whichever process traced first.

An entry is found by the SHA-256 of its key and of `fingerprint` (the
versions of Python, JAX, jaxlib and Keras, and a digest of skdigits' own
source, so that an edited or upgraded skdigits never reads an older
program), and holds its key, checked on reading. Keys are canonical JSON:
a key holding anything else (an object whose text could name two different
things) is not cached. Entries are ``.npz`` files, read without pickle,
written whole or not at all (`skdigits._atomic_write`), so processes may
share the folder; there are at most `MAX_ENTRIES`, the least recently used
go first, and the temporary file of a writer killed before its rename is
removed once it is stale. An entry that cannot be read is a miss: the
program is traced again and the entry rewritten.

The folder is ``programs`` in JAX's compilation cache folder (skdigits', in
`compilation_cache_dir`, or the user's own) and follows
``SKDIGITS_COMPILATION_CACHE``: it moves with it, and ``0`` switches both off.
"""

import contextlib
import functools
import hashlib
import json
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from skdigits._atomic_write import atomic_write, remove_stale_partial_files
from skdigits._jax_runtime.compilation_cache import compilation_cache_dir

MAX_ENTRIES = 1000  # an epoch program is 20 to 100 kB
FORMAT = 1  # the layout of an entry
_SUFFIX = ".npz"
_KEY = "__key__"


def program_cache_dir() -> Path | None:
    """The folder of the traced programs, or None when the cache is off.

    ``programs`` in the folder of JAX's compilation cache, skdigits' or the
    user's own (a local one): where the programs' compiled code is.
    """
    if compilation_cache_dir() is None:
        return None
    import jax

    folder = jax.config.jax_compilation_cache_dir
    if not folder or "://" in folder:
        return None
    return Path(folder) / "programs"


@functools.cache
def fingerprint() -> str:
    """What else a program depends on: versions and skdigits' source."""
    versions = {}
    for name in ("jax", "jaxlib", "keras"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    return json.dumps(
        {
            "format": FORMAT,
            "python": sys.version,
            **versions,
            "skdigits": source_digest(Path(__file__).parents[1]),  # the package
        },
        sort_keys=True,
    )


def source_digest(package: Path) -> str:
    """The SHA-256 of a package's Python files, their names and contents."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def canonical_key(value) -> str | None:
    """``value`` as canonical JSON, or None if it holds anything else.

    Strings, numbers, booleans, None, numpy scalars, and tuples, lists and
    dicts of them; dataclasses as their fields. Tuples and lists are one.
    """
    try:
        return json.dumps(_plain(value), sort_keys=True, allow_nan=True)
    except TypeError:
        return None


def _plain(value):
    import dataclasses

    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {type(value).__name__: _plain(dataclasses.asdict(value))}
    raise TypeError(f"not a plain value: {type(value).__name__}")


def _path(key: str) -> Path | None:
    folder = program_cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha256((fingerprint() + "\n" + key).encode()).hexdigest()
    return folder / f"{digest}{_SUFFIX}"


def load(key: str) -> dict[str, np.ndarray] | None:
    """The arrays stored under ``key``, or None (none, off, or unreadable)."""
    path = _path(key)
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as entry:
            arrays = {name: entry[name] for name in entry.files}
        if str(arrays.pop(_KEY)) != fingerprint() + "\n" + key:
            return None
    except Exception:  # a damaged file, whatever its damage
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: the last to be evicted
    return arrays


def store(key: str, arrays: dict[str, np.ndarray]) -> None:
    """Keep ``arrays`` under ``key``; a folder that cannot be written is skipped.

    The least recently used entries beyond `MAX_ENTRIES` are removed.
    """
    path = _path(key)
    if path is None:
        return
    try:
        with atomic_write(path, verify=_check_readable) as file:
            np.savez(file, **{_KEY: np.str_(fingerprint() + "\n" + key)}, **arrays)
        _evict(path.parent)
    except OSError:
        pass  # a read-only or full disk: the next process traces again


def _check_readable(name: str) -> None:
    with np.load(name, allow_pickle=False) as entry:
        for array_name in entry.files:
            entry[array_name]


def _evict(folder: Path) -> None:
    # The temporary files of writers killed between write and rename.
    remove_stale_partial_files(folder, [f".*{_SUFFIX}.*.part"])
    entries = []
    for path in folder.glob(f"*{_SUFFIX}"):
        try:
            entries.append((path.stat().st_mtime, path))
        except OSError:  # removed meanwhile by another process
            continue
    entries.sort()
    for _, path in entries[: max(len(entries) - MAX_ENTRIES, 0)]:
        path.unlink(missing_ok=True)
