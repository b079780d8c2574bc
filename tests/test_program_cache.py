"""Traced training programs on disk: a new process trains a known network
without importing Keras, gets the same bits, and never reads a program that
another skdigits, a damaged file or a custom optimizer could have left."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import skdigits
from skdigits._jax_runtime import program_cache
from skdigits.neural_network import _training

FIT = """
import hashlib, json, sys, warnings
warnings.filterwarnings("ignore")
from sklearn.datasets import load_digits
from skdigits import ReluSoftmaxClassifier, SigmoidNetClassifier
X, y = load_digits(return_X_y=True)
X = X / 16
hashes = {}
for name, clf in [
    # The default ReLU net has dropout, whose random states start the fit.
    ("relu", ReluSoftmaxClassifier(max_iter=3, random_state=0)),
    ("relu_two_layers", ReluSoftmaxClassifier(
        hidden_layer_sizes=(16, 8), dropout=0.3, max_iter=3, random_state=1)),
    # The sigmoid net's dropout acts on its inputs.
    ("sigmoid", SigmoidNetClassifier(dropout=0.1, max_iter=3, random_state=0)),
]:
    clf.fit(X, y)
    hashes[name] = hashlib.sha256(clf.predict_proba(X).tobytes()).hexdigest()
print(json.dumps({"keras": "keras" in sys.modules, "hashes": hashes}))
"""


def fit_in_new_process(cache: Path, pythonpath: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "JAX_COMPILATION_CACHE_DIR"}
    env["SKDIGITS_COMPILATION_CACHE"] = str(cache)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    result = subprocess.run(
        [sys.executable, "-c", FIT],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def entries(cache: Path) -> list[Path]:
    return sorted((cache / "programs").glob("*.npz"))


@pytest.fixture
def programs_in(tmp_path, monkeypatch):
    """This process's programs in ``tmp_path / "programs"``, from now on."""
    monkeypatch.setattr(
        program_cache, "program_cache_dir", lambda: tmp_path / "programs"
    )
    return tmp_path


@pytest.fixture(scope="module")
def traced_then_loaded(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    first = fit_in_new_process(cache)
    second = fit_in_new_process(cache)
    return cache, first, second


def test_a_new_process_trains_a_known_network_without_keras(traced_then_loaded):
    cache, first, second = traced_then_loaded
    assert first["keras"]  # it traced the programs, with Keras
    assert entries(cache)
    assert not second["keras"]
    assert second["hashes"] == first["hashes"]  # bit for bit the same models


def test_a_damaged_entry_is_traced_again(traced_then_loaded):
    cache, first, _ = traced_then_loaded
    for i, path in enumerate(entries(cache)):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if i % 2 else b"not a program")
    again = fit_in_new_process(cache)
    assert again["keras"]
    assert again["hashes"] == first["hashes"]
    for path in entries(cache):  # rewritten whole
        with np.load(path, allow_pickle=False) as entry:
            assert entry.files


def test_another_skdigits_source_never_reads_these_programs(tmp_path):
    package = Path(skdigits.__file__).parent
    copy = tmp_path / "skdigits"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert program_cache.source_digest(copy) == program_cache.source_digest(package)
    training = copy / "neural_network" / "_training.py"
    training.write_text(training.read_text() + "\n# an edit\n")
    assert program_cache.source_digest(copy) != program_cache.source_digest(package)
    training.rename(training.with_name("_moved.py"))
    assert program_cache.source_digest(copy) != program_cache.source_digest(package)
    # This package's digest is in the fingerprint, which names every entry.
    fingerprint = json.loads(program_cache.fingerprint())
    assert fingerprint["skdigits"] == program_cache.source_digest(package)


def test_the_dropout_states_are_those_keras_starts_with():
    from skdigits._jax_runtime.keras import import_keras
    from skdigits.neural_network._network import (
        NetworkSpec,
        build_network,
        check_initial_non_trainable,
        initial_non_trainable,
    )

    keras = import_keras()
    for hidden, dropout, input_dropout in [
        ((8,), 0.0, False),
        ((8, 4), 0.5, False),
        ((8,), 0.5, True),
    ]:
        spec = NetworkSpec(
            "n", 5, 3, hidden, "softmax", dropout, input_dropout, "float32"
        )
        for seed in (0, 12345, np.iinfo(np.int32).max - 1):
            model = build_network(keras, spec, seed)
            values = [np.asarray(v.value) for v in model.non_trainable_variables]
            ours = initial_non_trainable(spec, seed)
            assert [v.dtype for v in values] == [v.dtype for v in ours]
            np.testing.assert_array_equal(values, ours)
            check_initial_non_trainable(model, spec, seed)
        if dropout:
            with pytest.raises(RuntimeError, match="Dropout layers' random states"):
                check_initial_non_trainable(build_network(keras, spec, 1), spec, 2)
        else:
            assert initial_non_trainable(spec, 0) == []


def test_a_custom_optimizer_is_not_kept_on_disk(programs_in, monkeypatch, digits):
    """Its class's name does not fix its code: a program kept under the name
    could be another version's."""
    from skdigits import ReluSoftmaxClassifier
    from skdigits._jax_runtime.keras import import_keras

    keras = import_keras()

    class MyAdam(keras.optimizers.Adam):
        pass

    X, y = digits
    monkeypatch.setattr(_training, "_trainers", type(_training._trainers)())
    ReluSoftmaxClassifier(max_iter=1, optimizer=MyAdam()).fit(X[:50], y[:50])
    assert entries(programs_in) == []
    ReluSoftmaxClassifier(max_iter=1, optimizer=keras.optimizers.Adam()).fit(
        X[:50], y[:50]
    )
    assert len(entries(programs_in)) == 2  # the optimizer's state and the epoch


def test_entries_are_bounded_least_recently_used_first(programs_in, monkeypatch):
    monkeypatch.setattr(program_cache, "MAX_ENTRIES", 3)
    for i in range(3):
        program_cache.store(f"key {i}", {"v": np.arange(i)})
    for age in range(3):  # key 0 the oldest; the file system's clock is coarse
        os.utime(program_cache._path(f"key {age}"), (1000 + age, 1000 + age))
    assert program_cache.load("key 0") is not None  # used: now the newest
    program_cache.store("key 3", {"v": np.arange(3)})
    kept = [k for k in range(4) if program_cache.load(f"key {k}") is not None]
    assert len(entries(programs_in)) == 3
    assert kept == [0, 2, 3]


def test_an_entry_holds_its_key(programs_in):
    program_cache.store("key", {"v": np.arange(3)})
    np.testing.assert_array_equal(program_cache.load("key")["v"], np.arange(3))
    assert program_cache.load("another key") is None
    (path,) = entries(programs_in)
    # Another key's entry under this name (a collision, or a copied file).
    with np.load(path) as entry:
        content = dict(entry)
    content["__key__"] = np.str_(str(content["__key__"]) + " changed")
    np.savez(path, **content)
    assert program_cache.load("key") is None


def test_off_means_off(monkeypatch, tmp_path):
    monkeypatch.setenv("SKDIGITS_COMPILATION_CACHE", "0")
    assert program_cache.program_cache_dir() is None
    program_cache.store("key", {"v": np.arange(3)})
    assert program_cache.load("key") is None


def test_an_unwritable_folder_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setattr(program_cache, "program_cache_dir", lambda: blocker / "p")
    program_cache.store("key", {"v": np.arange(3)})  # no error
    assert program_cache.load("key") is None


def test_only_plain_values_make_a_key():
    from skdigits.neural_network._network import NetworkSpec

    spec = NetworkSpec("n", 5, 3, (8,), "softmax", 0.0, False, "float32")
    key = program_cache.canonical_key((spec, ("name", "adam"), np.float64(0.5)))
    assert key == program_cache.canonical_key(
        (spec, ["name", "adam"], 0.5)
    )  # the same values, the same key
    assert program_cache.canonical_key((spec, object())) is None
    assert program_cache.canonical_key({"f": len}) is None


def test_the_fingerprint_names_the_versions():
    fingerprint = json.loads(program_cache.fingerprint())
    from importlib.metadata import version

    assert fingerprint["jax"] == version("jax")
    assert fingerprint["keras"] == version("keras")
    assert len(fingerprint["skdigits"]) == len(hashlib.sha256().hexdigest())


def test_a_network_jax_cannot_export_trains_as_traced(programs_in, monkeypatch, digits):
    from jax import export

    from skdigits import ReluSoftmaxClassifier

    def refuse(*args, **kwargs):
        raise NotImplementedError("not exportable")

    X, y = digits
    with monkeypatch.context() as patch:
        patch.setattr(_training, "_trainers", type(_training._trainers)())
        patch.setattr(export, "export", refuse)
        traced = ReluSoftmaxClassifier(max_iter=2, random_state=0).fit(X, y)
    assert len(entries(programs_in)) == 1  # the optimizer's state, no program
    monkeypatch.setattr(_training, "_trainers", type(_training._trainers)())
    exported = ReluSoftmaxClassifier(max_iter=2, random_state=0).fit(X, y)
    assert len(entries(programs_in)) == 2
    for a, b in zip(traced.coefs_, exported.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_which_optimizers_are_kept_on_disk():
    from skdigits import ReluSoftmaxClassifier
    from skdigits._jax_runtime.keras import import_keras

    keras = import_keras()

    class MyAdam(keras.optimizers.Adam):
        pass

    def kind(optimizer):
        return ReluSoftmaxClassifier(optimizer=optimizer)._optimizer_key()[0]

    assert kind("adam") == "name"
    assert kind(keras.optimizers.Adam(beta_1=0.8)) == "keras"
    assert kind(MyAdam()) == "custom"
    # An object in the configuration is known by its text, which may name
    # another object in another process.
    assert kind(keras.optimizers.Adam(beta_1=np.float32(0.8))) == "custom"
