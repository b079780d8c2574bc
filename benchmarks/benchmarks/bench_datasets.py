"""fetch_mnist from the package (cold) and from the cache (warm)."""

import shutil
import tempfile

from skdigits.datasets import fetch_mnist


class MnistFetch:
    # One call per sample, each after its own setup: a cold fetch needs an
    # empty data home every time.
    number = 1
    repeat = (1, 5, 60.0)
    timeout = 300

    def setup(self):
        self.cold_home = tempfile.mkdtemp()
        self.warm_home = tempfile.mkdtemp()
        fetch_mnist(data_home=self.warm_home)

    def teardown(self):
        shutil.rmtree(self.cold_home)
        shutil.rmtree(self.warm_home)

    def time_fetch_mnist_cold(self):
        fetch_mnist(data_home=self.cold_home)

    def time_fetch_mnist_warm(self):
        fetch_mnist(data_home=self.warm_home)
