"""skdigits' persistent compilation cache: on by default, moved or off by the
environment, shared by processes, and the user's own JAX set-up respected."""

import os
import subprocess
import sys

import pytest

SCRIPT = """
import sys, warnings
warnings.filterwarnings("ignore")
import jax, jax.monitoring
hits = []
jax.monitoring.register_event_listener(
    lambda event, **kwargs: hits.append(event) if "cache_hits" in event else None
)
if sys.argv[1] != "-":
    jax.config.update("jax_compilation_cache_dir", sys.argv[1])
from sklearn.datasets import load_digits
from skdigits import ReluSoftmaxClassifier
X, y = load_digits(return_X_y=True)
clf = ReluSoftmaxClassifier(max_iter=2, random_state=0).fit(X / 16, y)
print(len(hits), jax.config.jax_compilation_cache_dir)
print(clf.predict_proba(X[:3] / 16).tobytes().hex())
"""


def run(cache, user_dir="-"):
    env = dict(os.environ)
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    if cache is None:
        env.pop("SKDIGITS_COMPILATION_CACHE", None)
    else:
        env["SKDIGITS_COMPILATION_CACHE"] = str(cache)
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(user_dir)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    (hits, folder), (proba,) = (line.split() for line in result.stdout.splitlines())
    return int(hits), folder, proba


def test_a_second_process_loads_the_compiled_step(tmp_path):
    cache = tmp_path / "cache"
    hits, folder, proba = run(cache)
    assert folder == str(cache)
    assert hits == 0
    assert os.listdir(cache)  # entries' names vary with JAX's version
    hits_again, _, proba_again = run(cache)
    assert hits_again >= 1
    assert proba_again == proba  # the cached code computes the same


def test_the_default_folder_is_per_user(tmp_path, monkeypatch):
    from skdigits._jax_runtime.compilation_cache import compilation_cache_dir

    monkeypatch.delenv("SKDIGITS_COMPILATION_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert compilation_cache_dir() == tmp_path / "skdigits" / "jax"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert compilation_cache_dir() == tmp_path / ".cache" / "skdigits" / "jax"


@pytest.mark.parametrize("off", ["0", "off", "FALSE"])
def test_the_environment_switches_it_off(off):
    _, folder, _ = run(off)
    assert folder == "None"


def test_the_users_own_cache_folder_is_kept(tmp_path):
    _, folder, _ = run(tmp_path / "ours", user_dir=tmp_path / "theirs")
    assert folder == str(tmp_path / "theirs")
    assert not (tmp_path / "ours").exists()


def test_an_unwritable_folder_warns_and_trains(tmp_path, digits):
    from skdigits._jax_runtime.compilation_cache import enable_compilation_cache

    blocker = tmp_path / "file"
    blocker.write_text("")
    env = {"SKDIGITS_COMPILATION_CACHE": str(blocker / "cache")}
    import jax

    previous = jax.config.jax_compilation_cache_dir
    try:
        jax.config.update("jax_compilation_cache_dir", None)
        with pytest.MonkeyPatch.context() as mp:
            for key, value in env.items():
                mp.setenv(key, value)
            with pytest.warns(UserWarning, match="could not create its compilation"):
                enable_compilation_cache()
        assert jax.config.jax_compilation_cache_dir is None
    finally:
        jax.config.update("jax_compilation_cache_dir", previous)


def test_the_cache_is_bounded_and_caches_every_compilation(tmp_path, monkeypatch):
    import jax

    from skdigits._jax_runtime.compilation_cache import (
        MAX_BYTES,
        enable_compilation_cache,
    )

    names = (
        "jax_compilation_cache_dir",
        "jax_compilation_cache_max_size",
        "jax_persistent_cache_min_compile_time_secs",
        "jax_persistent_cache_min_entry_size_bytes",
    )
    previous = {name: getattr(jax.config, name) for name in names}
    monkeypatch.setenv("SKDIGITS_COMPILATION_CACHE", str(tmp_path / "cache"))
    try:
        jax.config.update("jax_compilation_cache_dir", None)
        enable_compilation_cache()
        assert jax.config.jax_compilation_cache_dir == str(tmp_path / "cache")
        assert jax.config.jax_compilation_cache_max_size == MAX_BYTES
        assert jax.config.jax_persistent_cache_min_compile_time_secs == 0
        assert jax.config.jax_persistent_cache_min_entry_size_bytes == -1
    finally:
        for name, value in previous.items():
            jax.config.update(name, value)
