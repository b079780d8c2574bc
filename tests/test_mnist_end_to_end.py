"""End to end on the full MNIST: the defaults reach the seed's accuracy.

Slow (a few minutes): run alone with ``pytest -m mnist``.
"""

import pytest
from sklearn.datasets import load_digits
from sklearn.pipeline import make_pipeline

from skdigits import PixelScaler, ReluSoftmaxClassifier, SigmoidNetClassifier
from skdigits.datasets import fetch_mnist
from skdigits.preprocessing import DigitNormalizer


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


@pytest.mark.mnist
def test_the_default_network_reads_load_digits_through_the_normalizer(mnist_home):
    """scikit-learn's 8x8 digits, by other writers, read by a network trained
    on MNIST: 88-91% for three seeds (benchmarks/read_load_digits.py), 84-88%
    before small images were enlarged with a cubic spline."""
    X_train, y_train = fetch_mnist(data_home=mnist_home, return_X_y=True)
    network = ReluSoftmaxClassifier(random_state=0).fit(X_train / 255, y_train)
    digits = load_digits()
    reader = make_pipeline(DigitNormalizer(), network)
    assert reader.score(digits.images, digits.target) >= 0.87


@pytest.mark.mnist
def test_the_convnet_through_the_report_s_model_fitting(mnist_home, capsys):
    """``fit_models(["convnet"])``, as the report and the drawing page run it.

    Three epochs on 6,000 images: the full fit at the defaults belongs in
    ``benchmarks/convnet.py fit``.
    """
    from skdigits.model_fitting import fit_models

    X_train, y_train = fetch_mnist(data_home=mnist_home, return_X_y=True)
    X_test, y_test = fetch_mnist(data_home=mnist_home, subset="test", return_X_y=True)
    fitted, metrics = fit_models(
        ["convnet"],
        X_train[:6000],
        y_train[:6000],
        X_test[:2000],
        y_test[:2000],
        max_iter=3,
    )
    summary = metrics["ConvNetClassifier"]
    assert summary["accuracy"] >= 0.9
    assert summary["epochs"] == 3
    assert (
        0
        <= summary["rejection_for_0_5_percent_error"]
        <= summary["rejection_for_0_1_percent_error"]
    )
    assert summary["params"]["augmentation"] == "auto"
    # Progress every epoch (of 3), and none left in the fitted model.
    assert capsys.readouterr().out.count("ConvNetClassifier epoch") == 3
    assert fitted["ConvNetClassifier"][-1].callbacks is None
