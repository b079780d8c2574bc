"""Hostile conditions for the caches and the runtime: each test is an attack
(a killed writer, a read-only or remote folder, a wrong backend) and the
answer it must get. The cache is skdigits' to keep healthy, since skdigits
turns it on; each fit runs in a fresh process, as users run them."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from skdigits._jax_runtime import program_cache
from skdigits._jax_runtime.compilation_cache import repair_damaged_entries

FIT = """
import hashlib, json, sys, warnings
import jax.monitoring
hits = []
jax.monitoring.register_event_listener(
    lambda event, **kwargs: hits.append(event) if "cache_hits" in event else None
)
# Keras' numpy deprecation (Variable.__array__ without copy=) must not show.
warnings.filterwarnings(
    "error", message="__array__ implementation", category=DeprecationWarning
)
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from skdigits import ReluSoftmaxClassifier
X, y = load_digits(return_X_y=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    clf = ReluSoftmaxClassifier(max_iter=2, random_state=0).fit(X / 16, y)
print(json.dumps({
    "hits": len(hits),
    "warnings": [str(w.message) for w in caught],
    "jax_cache": jax.config.jax_compilation_cache_dir,
    "backend": __import__("keras").backend.backend() if "keras" in sys.modules
    else None,
    "proba": hashlib.sha256(clf.predict_proba(X / 16).tobytes()).hexdigest(),
}))
"""


def fit_in_new_process(cache, *, cwd=None, **env_changes) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "JAX_COMPILATION_CACHE_DIR"}
    env["SKDIGITS_COMPILATION_CACHE"] = str(cache)
    for name, value in env_changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    result = subprocess.run(
        [sys.executable, "-c", FIT],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def jax_entries(cache: Path) -> list[Path]:
    return [
        p
        for p in cache.iterdir()
        if p.is_file() and not p.name.startswith(".") and not p.name.endswith("-atime")
    ]


def cache_warnings(outcome: dict) -> list[str]:
    return [w for w in outcome["warnings"] if "cache" in w.lower()]


# 11. An entry left truncated by a killed process is repaired --------------------


def test_a_truncated_compiled_entry_is_repaired_not_warned_about_forever(tmp_path):
    cache = tmp_path / "cache"
    first = fit_in_new_process(cache)
    assert cache_warnings(first) == []
    damaged = jax_entries(cache)
    assert damaged
    for entry in damaged:  # as a writer killed halfway leaves them
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    second = fit_in_new_process(cache)
    assert cache_warnings(second) == []  # no "Error reading ... cache entry"
    assert second["proba"] == first["proba"]
    third = fit_in_new_process(cache)
    assert third["hits"] >= 1  # written anew, and read
    assert cache_warnings(third) == []
    assert third["proba"] == first["proba"]


def test_the_check_reads_only_what_changed_and_leaves_whole_entries(tmp_path):
    import zlib

    whole, broken = tmp_path / "jit_a-cache", tmp_path / "jit_b-cache"
    whole.write_bytes(zlib.compress(b"x" * 1000))
    broken.write_bytes(zlib.compress(b"y" * 1000)[:10])
    (tmp_path / "jit_b-atime").write_bytes(b"\0" * 8)
    assert repair_damaged_entries(tmp_path) == [broken]
    assert whole.exists()
    assert not (tmp_path / "jit_b-atime").exists()
    # Damage older than the last check is not read again (it was checked).
    old = time.time() - 3600
    broken.write_bytes(b"garbage")
    os.utime(broken, (old, old))
    assert repair_damaged_entries(tmp_path) == []
    # A newer one is.
    broken.touch()
    assert repair_damaged_entries(tmp_path) == [broken]


# 12. A program entry killed between write and rename ------------------------------


def test_a_stale_temporary_program_file_is_removed(tmp_path, monkeypatch):
    folder = tmp_path / "programs"
    monkeypatch.setattr(program_cache, "program_cache_dir", lambda: folder)
    folder.mkdir()
    stale = folder / ".abc.npz.x1y2.part"
    stale.write_bytes(b"half an entry")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    young = folder / ".def.npz.z3w4.part"  # another process's, being written
    young.write_bytes(b"in progress")
    program_cache.store("key", {"v": np.arange(3)})
    assert not stale.exists()
    assert young.exists()


# 13. A read-only cache folder: one clear warning, not six raw ones ----------------


def make_read_only(folder: Path) -> None:
    """chmod for a user; for root, who writes anyway, an immutable folder."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return
    if shutil.which("chattr") is None:
        pytest.skip("root writes to read-only folders, and chattr is missing")
    done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"chattr +i refused here: {done.stderr.decode().strip()}")


def make_writable(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
    folder.chmod(0o755)


def test_a_read_only_cache_folder_gets_one_clear_warning(tmp_path):
    cache = tmp_path / "cache"
    fit_in_new_process(cache)  # filled, then frozen
    make_read_only(cache)
    try:
        outcome = fit_in_new_process(cache)
    finally:
        make_writable(cache)
    warned = cache_warnings(outcome)
    assert len(warned) == 1, warned
    assert "could not create its compilation cache" in warned[0]
    assert "SKDIGITS_COMPILATION_CACHE" in warned[0]


# 14. A URL is no folder ------------------------------------------------------------


def test_a_url_is_refused_with_a_warning_and_creates_nothing(tmp_path):
    outcome = fit_in_new_process("gs://bucket/x", cwd=tmp_path)
    assert list(tmp_path.iterdir()) == []  # no ./gs:/bucket/x
    assert outcome["jax_cache"] is None
    (warned,) = cache_warnings(outcome)
    assert "is a URL" in warned


def test_a_relative_folder_is_made_absolute(tmp_path):
    outcome = fit_in_new_process("relative/cache", cwd=tmp_path)
    assert outcome["jax_cache"] == str(tmp_path / "relative" / "cache")


# 15. KERAS_BACKEND: skdigits' own message, before Keras is imported --------------


@pytest.mark.parametrize("backend", ["torch", "tensorflow", "nonsense"])
def test_another_backend_is_refused_by_skdigits_not_by_keras(tmp_path, backend):
    code = (
        "import sys\n"
        "from sklearn.datasets import load_digits\n"
        "from skdigits import ReluSoftmaxClassifier\n"
        "X, y = load_digits(return_X_y=True)\n"
        "try:\n"
        "    ReluSoftmaxClassifier(max_iter=1).fit(X, y)\n"
        "except ImportError as exc:\n"
        "    print(type(exc).__name__, 'keras' in sys.modules, exc)\n"
    )
    env = {**os.environ, "KERAS_BACKEND": backend}
    env["SKDIGITS_COMPILATION_CACHE"] = str(tmp_path / "cache")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    ).stdout
    assert out.startswith("ImportError False skdigits needs the Keras 'jax' backend")
    assert repr(backend) in out


def test_an_empty_keras_backend_means_jax_whatever_keras_json_says(tmp_path):
    home = tmp_path / "home"
    (home / ".keras").mkdir(parents=True)
    (home / ".keras" / "keras.json").write_text('{"backend": "tensorflow"}')
    outcome = fit_in_new_process(
        tmp_path / "cache", HOME=str(home), KERAS_BACKEND="", KERAS_HOME=None
    )
    assert outcome["backend"] in (None, "jax")  # Keras not needed, or on JAX
    # And when Keras is needed (a callback), it is on JAX.
    code = (
        "from sklearn.datasets import load_digits\n"
        "from skdigits import ReluSoftmaxClassifier\n"
        "from skdigits._jax_runtime.keras import import_keras\n"
        "X, y = load_digits(return_X_y=True)\n"
        "keras = import_keras()\n"
        "ReluSoftmaxClassifier(max_iter=1, callbacks=[keras.callbacks.History()]"
        ").fit(X / 16, y)\n"
        "print(keras.backend.backend())\n"
    )
    env = {**os.environ, "HOME": str(home), "KERAS_BACKEND": ""}
    env.pop("KERAS_HOME", None)
    env["SKDIGITS_COMPILATION_CACHE"] = str(tmp_path / "cache")
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.stdout.split() == ["jax"], out.stderr


# 16. A cold fit: no numpy deprecation from Keras -----------------------------------


def test_a_cold_fit_emits_no_numpy_copy_deprecation(tmp_path):
    # FIT turns that DeprecationWarning into an error: a cold fit (empty
    # cache, so Keras builds and traces the network) must not raise it.
    outcome = fit_in_new_process(tmp_path / "cold")
    assert not any("__array__" in w for w in outcome["warnings"])
