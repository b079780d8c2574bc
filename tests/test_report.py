"""The report command on the real MNIST, with few epochs and a small t-SNE."""

import base64
import json
import re
import shutil

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from skdigits import PixelScaler, ReluSoftmaxClassifier, SigmoidNetClassifier, inspect
from skdigits.__main__ import main
from skdigits.datasets import fetch_mnist
from skdigits.metrics import expected_calibration_error, rejection_at_error

SMALL = ["--max-iter", "2", "--tsne-samples", "500", "--n-images", "10"]


@pytest.fixture(scope="module")
def report_dir(mnist_home, tmp_path_factory):
    output = tmp_path_factory.mktemp("report")
    code = main(
        ["--data-home", str(mnist_home), "report", "--output", str(output), *SMALL]
    )
    assert code == 0
    return output


@pytest.mark.mnist
def test_index_images_all_exist_and_load(report_dir):
    import matplotlib.image

    page = (report_dir / "index.html").read_text()
    sources = re.findall(r'<img src="([^"]+)"', page)
    expected = {
        "sample_grid",
        "label_distribution",
        "average_images",
        "tsne",
        "comparison",
    } | {
        f"{part}_{model}"
        for part in (
            "confusion",
            "per_class",
            "misclassified",
            "confidence",
            "error_reject",
            "reliability",
        )
        for model in ("SigmoidNetClassifier", "ReluSoftmaxClassifier")
    }
    assert {
        src.removeprefix("figures/").removesuffix(".png") for src in sources
    } == expected
    for src in sources:
        image = matplotlib.image.imread(report_dir / src)
        assert image.shape[0] > 100
        assert image.shape[1] > 100
        assert image.std() > 0  # not blank
    assert "precision" in page
    assert "Failed parts" not in page


@pytest.mark.mnist
def test_metrics_equal_what_the_estimators_score(report_dir, mnist_home):
    metrics = json.loads((report_dir / "metrics.json").read_text())
    assert metrics["failures"] == []
    X_train, y_train = fetch_mnist(data_home=mnist_home, return_X_y=True)
    X_test, y_test = fetch_mnist(data_home=mnist_home, subset="test", return_X_y=True)
    for Estimator in (SigmoidNetClassifier, ReluSoftmaxClassifier):
        model = make_pipeline(PixelScaler(), Estimator(max_iter=2, random_state=0))
        model.fit(X_train, y_train)
        reported = metrics["models"][Estimator.__name__]
        assert reported["accuracy"] == model.score(X_test, y_test)
        assert reported["epochs"] == 2
        recall_of_7 = np.mean(model.predict(X_test[y_test == 7]) == 7)
        assert reported["per_class"]["7"]["recall"] == pytest.approx(recall_of_7)
        proba = model.predict_proba(X_test)
        assert reported["rejection_for_0_5_percent_error"] == rejection_at_error(
            y_test, proba, 0.005
        )
        assert reported["expected_calibration_error"] == pytest.approx(
            expected_calibration_error(y_test, proba)
        )
    assert set(metrics["timings_s"]) >= {"t-SNE", "fit models", "model comparison"}


@pytest.mark.mnist
def test_a_failed_part_is_reported_and_the_rest_written(
    mnist_home, tmp_path, monkeypatch, capsys
):
    def broken(*args, **kwargs):
        raise RuntimeError("no embedding today")

    monkeypatch.setattr(inspect.TSNEDisplay, "from_data", broken)
    with pytest.raises(SystemExit, match="these parts of the report failed: t-SNE"):
        main(
            [
                "--data-home",
                str(mnist_home),
                "report",
                "--output",
                str(tmp_path),
                "--models",
                "sigmoid",
                *SMALL,
            ]
        )
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["failures"] == [
        {"part": "t-SNE", "error": "RuntimeError: no embedding today"}
    ]
    assert (tmp_path / "figures" / "confusion_SigmoidNetClassifier.png").exists()
    page = (tmp_path / "index.html").read_text()
    assert "Failed parts" in page
    assert "no embedding today" in page
    assert "t-SNE FAILED" in capsys.readouterr().out


@pytest.mark.mnist
def test_the_summary_opens_the_page(report_dir):
    page = (report_dir / "index.html").read_text()
    metrics = json.loads((report_dir / "metrics.json").read_text())
    summary = page[page.index("<h2>Summary</h2>") : page.index("<h2>Models</h2>")]
    assert page.index("<h2>Summary</h2>") < page.index("<img")
    assert "60,000 training and 10,000 test images" in summary
    for name, values in metrics["models"].items():
        assert f"<b>{name}</b>: {values['accuracy']:.2%} test accuracy" in summary
        assert f"rejects {values['rejection_for_0_5_percent_error']:.1%}" in summary
    best = max(metrics["models"], key=lambda n: metrics["models"][n]["accuracy"])
    assert f"Most accurate: <b>{best}</b>" in summary
    assert f"All {len(metrics['timings_s'])} parts succeeded" in summary
    # The contents link to every figure, and every link has its target.
    links = re.findall(r"<a href='#([^']+)'>", summary)
    targets = re.findall(r'<h3 id="([^"]+)">', page)
    assert links == targets
    assert len(targets) == len(re.findall(r"<img ", page))


@pytest.mark.mnist
def test_a_self_contained_report_is_one_file(mnist_home, tmp_path):
    output = tmp_path / "report"
    code = main(
        [
            "--data-home",
            str(mnist_home),
            "report",
            "--output",
            str(output),
            "--models",
            "sigmoid",
            "--self-contained",
            *SMALL,
        ]
    )
    assert code == 0
    # Mailed: the page alone, away from its folder.
    mailed = tmp_path / "mailed.html"
    shutil.move(output / "index.html", mailed)
    page = mailed.read_text()
    assert "figures/" not in page
    sources = re.findall(r'<img src="([^"]+)"', page)
    names = re.findall(r'<h3 id="([^"]+)">', page)
    assert len(sources) == len(names) >= 10
    for name, source in zip(names, sources, strict=True):
        prefix = "data:image/png;base64,"
        assert source.startswith(prefix)
        png = base64.b64decode(source.removeprefix(prefix), validate=True)
        assert png == (output / "figures" / f"{name}.png").read_bytes()
