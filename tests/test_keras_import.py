"""How skdigits imports Keras: JAX backend, pyplot deferred, nothing lost."""

import os
import subprocess
import sys

import pytest

FIT = """
import sys
from sklearn.datasets import load_digits
from skdigits import ReluSoftmaxClassifier
X, y = load_digits(return_X_y=True)
ReluSoftmaxClassifier(max_iter=2).fit(X / 16, y)
"""


def run(code):
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()


def skip_without_visualization():
    from skdigits._jax_runtime.keras import import_keras

    if not hasattr(import_keras(), "visualization"):
        pytest.skip("this Keras has no visualization module (Keras < 3.8)")


def test_a_fit_does_not_import_pyplot():
    (imported,) = run(FIT + "print('matplotlib.pyplot' in sys.modules)")
    assert imported == "False"


def test_keras_plotting_still_imports_pyplot_when_used(tmp_path):
    skip_without_visualization()
    path = tmp_path / "gallery.png"
    code = FIT + (
        "import keras, numpy as np, matplotlib\n"
        "matplotlib.use('Agg')\n"
        "keras.visualization.plot_image_gallery(np.random.rand(4, 8, 8, 3), "
        f"path={str(path)!r}, rows=2, cols=2, value_range=(0, 1))\n"
        "print('matplotlib.pyplot' in sys.modules)"
    )
    (imported,) = run(code)
    assert imported == "True"
    assert path.stat().st_size > 0


def test_pyplot_imported_first_is_left_alone():
    code = (
        "import matplotlib.pyplot as plt\n"
        + FIT
        + "import keras.src.visualization.plot_image_gallery as g\n"
        "print(g.plt is plt)"
    )
    skip_without_visualization()
    (same,) = run(code)
    assert same == "True"


def test_pyplot_can_be_imported_after_a_fit():
    (ok,) = run(FIT + "import matplotlib.pyplot as plt\nprint(callable(plt.subplots))")
    assert ok == "True"


@pytest.mark.parametrize(
    "choice",
    [
        "os.environ.setdefault('KERAS_BACKEND', 'jax')",  # the gallery's way
        "pass",  # no choice: skdigits' import makes it
    ],
)
def test_workers_started_before_the_choice_still_import_keras_on_jax(tmp_path, choice):
    # ~/.keras/keras.json names TensorFlow (not installed) and KERAS_BACKEND
    # is unset. joblib's workers are started first, as by an earlier cell of a
    # notebook, so they do not inherit the KERAS_BACKEND chosen later. Each
    # must still import Keras on JAX when it unpickles a builder defined in
    # __main__ (pickled by value, with its global ``keras``): as in the
    # gallery's convnet grid search, whose docs build failed this way.
    home = tmp_path / "home"
    (home / ".keras").mkdir(parents=True)
    (home / ".keras" / "keras.json").write_text('{"backend": "tensorflow"}')
    code = (
        "from joblib import Parallel, delayed\n"
        "Parallel(n_jobs=2)(delayed(abs)(i) for i in range(2))\n"
        f"import os\n{choice}\n"
        "from sklearn.datasets import load_digits\n"
        "from sklearn.model_selection import GridSearchCV\n"
        "from skdigits import KerasClassifier\n"
        "import keras\n"
        "def dense(meta, units=8):\n"
        "    return keras.Sequential([\n"
        "        keras.Input((meta['n_features_in_'],)),\n"
        "        keras.layers.Dense(units, activation='relu'),\n"
        "        keras.layers.Dense(meta['n_classes_'], activation='softmax'),\n"
        "    ])\n"
        "X, y = load_digits(return_X_y=True)\n"
        "clf = KerasClassifier(dense, max_iter=1, random_state=0)\n"
        "search = GridSearchCV(clf, {'model__units': [4, 8]}, cv=2, n_jobs=2)\n"
        "search.fit(X[:200] / 16, y[:200])\n"
        "print(keras.backend.backend(), len(search.cv_results_['params']))\n"
    )
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KERAS_BACKEND", "KERAS_HOME", "JAX_COMPILATION_CACHE_DIR")
    }
    env["HOME"] = str(home)
    env["SKDIGITS_COMPILATION_CACHE"] = str(tmp_path / "cache")
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["jax", "2"]
