"""How skdigits imports Keras: JAX backend, pyplot deferred, nothing lost."""

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
