"""End to end on the full MNIST: the defaults reach the seed's accuracy.

Slow (about a minute): run alone with ``pytest -m mnist``.
"""

import pytest
from sklearn.pipeline import make_pipeline

from skdigits import PixelScaler, ReluSoftmaxClassifier, SigmoidNetClassifier
from skdigits.datasets import fetch_mnist


@pytest.mark.mnist
@pytest.mark.parametrize(
    ("Estimator", "min_accuracy"),
    [(ReluSoftmaxClassifier, 0.978), (SigmoidNetClassifier, 0.925)],
    ids=["relu-softmax", "sigmoid"],
)
def test_default_models_reach_the_seed_accuracy(mnist_home, Estimator, min_accuracy):
    X_train, y_train = fetch_mnist(data_home=mnist_home, return_X_y=True)
    X_test, y_test = fetch_mnist(data_home=mnist_home, subset="test", return_X_y=True)
    model = make_pipeline(PixelScaler(), Estimator(random_state=0))
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= min_accuracy
