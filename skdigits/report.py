"""The one-command report: fit the models on MNIST, write every analysis.

``python -m skdigits report --output DIR`` writes ``DIR/index.html`` (every
analysis as an image, the metrics tables, the model comparison),
``DIR/metrics.json`` and the images in ``DIR/figures/``.

The report is built in a folder beside ``DIR`` and swapped in when complete:
``DIR`` always holds one whole report, never parts of two runs, whether a run
is interrupted or two run at once.
"""

import base64
import html
import json
import os
import re
import shutil
import tempfile
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from skdigits.model_fitting import MODEL_NAMES, fit_models

__all__ = ["MODEL_NAMES", "build_report", "check_report_options"]


@dataclass(frozen=True)
class FigureSection:
    """A figure of the report: its heading, caption, and ``figures/<name>.png``."""

    title: str
    name: str
    caption: str = ""

    def html(self, output: Path, *, inline: bool) -> str:
        """The section; with ``inline``, the image is in the page itself."""
        source = f"figures/{self.name}.png"
        if inline:
            data = base64.b64encode((output / source).read_bytes()).decode()
            source = f"data:image/png;base64,{data}"
        return (
            f'<h3 id="{self.name}">{html.escape(self.title)}</h3>'
            f"<p>{html.escape(self.caption)}</p>"
            f'<img src="{source}" alt="{html.escape(self.title)}">'
        )


@dataclass
class Report:
    """What the report collects as it goes: sections, metrics and failures.

    A section is HTML, or a `FigureSection`, rendered when the page is
    written.
    """

    output: Path
    sections: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    self_contained: bool = False

    def run(self, part: str, function: Callable, *args, **kwargs):
        """Run one part; on failure, record and print which, and go on."""
        print(f"[report] {part}...", flush=True)
        start = time.perf_counter()
        try:
            result = function(*args, **kwargs)
        except Exception as exc:  # one failed part must not lose the others
            self.failures.append(
                {
                    "part": part,
                    "error": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc(),
                }
            )
            print(f"[report] {part} FAILED: {type(exc).__name__}: {exc}", flush=True)
            return None
        finally:
            self.timings[part] = round(time.perf_counter() - start, 3)
        return result

    def figure(self, title: str, name: str, display, caption: str = ""):
        """Save a Display's figure as figures/<name>.png and add its section."""
        import matplotlib.pyplot as plt

        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise ValueError(
                f"figure name {name!r} must be letters, digits, '_' and '-' only"
            )
        path = self.output / "figures" / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        display.figure_.savefig(path, dpi=90, bbox_inches="tight")
        plt.close(display.figure_)
        self.sections.append(FigureSection(title, name, caption))


def _fit_models(report, names, X_train, y_train, X_test, y_test, max_iter, seed):
    fitted, metrics = fit_models(
        names, X_train, y_train, X_test, y_test, max_iter=max_iter, random_state=seed
    )
    report.metrics["models"] = metrics
    return fitted


def _metrics_tables(report, fitted, X_test, y_test):
    from skdigits.inspect import classification_report_frame

    rows = []
    for name, model in fitted.items():
        frame = classification_report_frame(y_test, model.predict(X_test))
        per_class = frame.iloc[:-3]  # the classes; the summary rows are last
        report.metrics["models"][name]["per_class"] = {
            label: {metric: float(value) for metric, value in values.items()}
            for label, values in per_class.to_dict(orient="index").items()
        }
        summary = report.metrics["models"][name]
        rows.append(
            f"<tr><td>{html.escape(name)}</td><td>{summary['accuracy']:.2%}</td>"
            f"<td>{summary['epochs']}</td><td>{summary['fit_time_s']:.1f}</td>"
            f"<td>{summary['predict_time_10k_s'] * 1000:.1f}</td>"
            f"<td>{summary['rejection_for_0_5_percent_error']:.1%}</td>"
            f"<td>{summary['rejection_for_0_1_percent_error']:.1%}</td>"
            f"<td>{summary['expected_calibration_error']:.2%}</td></tr>"
        )
        report.sections.append(
            f"<h3>{html.escape(name)}: precision, recall and F1 per class</h3>"
            + frame.to_html(
                float_format=lambda v: f"{v:.3f}",
                formatters={"support": "{:.0f}".format},
                na_rep="",
                border=0,
            )
        )
    report.sections.insert(
        0,
        "<h2>Models</h2><table><tr><th>model</th><th>test accuracy</th>"
        "<th>epochs</th><th>fit (s)</th><th>predict 10k (ms)</th>"
        "<th>rejected for 0.5% error</th><th>rejected for 0.1% error</th>"
        "<th>calibration error (ECE)</th></tr>" + "".join(rows) + "</table>",
    )


def build_report(
    output,
    *,
    models=("sigmoid", "relu"),
    max_iter=None,
    random_state=0,
    tsne_samples=10_000,
    n_images=30,
    data_home=None,
    self_contained=False,
) -> dict:
    """Fit the models on MNIST and write the report to ``output``.

    Parameters
    ----------
    output : str or path
        Folder of the report; created if needed.

    models : sequence of {"sigmoid", "relu", "convnet"}, \
            default=("sigmoid", "relu")
        The models to fit, with their default parameters:
        SigmoidNetClassifier, ReluSoftmaxClassifier, ConvNetClassifier.

    max_iter : int, default=None
        Maximum epochs of each model; None means each model's default (200
        for the dense networks, 34 for the convolutional one).

    random_state : int, default=0
        Seed of the models, the samples shown and the t-SNE.

    tsne_samples : int, default=10000
        Test images in the t-SNE projection.

    n_images : int, default=30
        Images in the sample and misclassified grids.

    data_home : str or path, default=None
        Folder of the MNIST cache.

    self_contained : bool, default=False
        Whether ``index.html`` holds its images (as data URIs), so that the
        one file can be mailed or moved; the images are also written to
        ``figures/``.

    Returns
    -------
    metrics : dict
        What ``metrics.json`` holds: per model its accuracy, per-class
        precision, recall and F1, fit and predict time; the time of each
        part; and the parts that failed.
    """
    check_report_options(
        output,
        models=models,
        max_iter=max_iter,
        tsne_samples=tsne_samples,
        n_images=n_images,
    )
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    building = Path(
        tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}.building-")
    )
    building.chmod(0o755)  # mkdtemp's folder is private; a report is not
    try:
        metrics = _build(
            building,
            models=models,
            max_iter=max_iter,
            random_state=random_state,
            tsne_samples=tsne_samples,
            n_images=n_images,
            data_home=data_home,
            self_contained=self_contained,
        )
        _swap_in(building, output)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return metrics


def check_report_options(output, *, models, max_iter, tsne_samples, n_images):
    """Check the options before any work; raise ValueError naming the bad one."""
    problems = []
    if not models or any(name not in MODEL_NAMES for name in models):
        problems.append(f"models must be some of {sorted(MODEL_NAMES)}, got {models}")
    for name, value, least in (
        *([("max_iter", max_iter, 1)] if max_iter is not None else []),
        ("tsne_samples", tsne_samples, 10),
        ("n_images", n_images, 1),
    ):
        if not isinstance(value, int) or value < least:
            problems.append(f"{name} must be an integer >= {least}, got {value!r}")
    output = Path(output)
    if output.exists() and not _is_report_folder(output):
        problems.append(
            f"{output} exists and is not a report folder: a report replaces its "
            "folder whole, so give a new or empty folder, or an earlier report's"
        )
    if problems:
        raise ValueError("; ".join(problems))


_REPORT_FILES = {"index.html", "metrics.json", "figures"}


def _is_report_folder(path: Path) -> bool:
    return path.is_dir() and set(os.listdir(path)) <= _REPORT_FILES


def _swap_in(building: Path, output: Path) -> None:
    """Put the finished report at ``output``, replacing an earlier one whole."""
    while True:
        try:
            os.rename(building, output)
            return
        except OSError:
            if not output.exists():
                raise
        # An earlier report is in the way: move it aside, then try again (a
        # concurrent run may swap its own in between; the last one wins).
        old = output.with_name(f".{output.name}.old-{uuid.uuid4().hex}")
        try:
            os.rename(output, old)
        except FileNotFoundError:
            continue
        shutil.rmtree(old, ignore_errors=True)


@dataclass(frozen=True)
class _Part:
    """A figure of the report: how to draw it, and the words around it.

    ``display(displays, data, options[, model])`` returns the Display, with
    ``displays`` the module `skdigits.inspect`; a model figure's name, title
    and part are prefixed with the model's name.
    """

    part: str
    title: str
    name: str
    display: Callable
    caption: str = ""


# The figures of the data, in the report's order.
_DATA_FIGURES = (
    _Part(
        "sample grid",
        "Sample images",
        "sample_grid",
        lambda displays, data, options: displays.SampleGridDisplay.from_data(
            data.X_train,
            data.y_train,
            n_samples=options["n_images"],
            random_state=options["random_state"],
        ),
        "Training images with their labels.",
    ),
    _Part(
        "label distribution",
        "Label distribution",
        "label_distribution",
        lambda displays, data, options: displays.LabelDistributionDisplay.from_labels(
            data.y_train, data.y_test
        ),
    ),
    _Part(
        "average images",
        "Average images",
        "average_images",
        lambda displays, data, options: displays.AverageImageDisplay.from_data(
            data.X_train, data.y_train
        ),
        "The mean of the training images of each digit.",
    ),
    _Part(
        "t-SNE",
        "t-SNE projection",
        "tsne",
        lambda displays, data, options: displays.TSNEDisplay.from_data(
            data.X_test / 255,
            data.y_test,
            n_samples=options["tsne_samples"],
            random_state=options["random_state"],
            n_jobs=-1,
        ),
        "{tsne_shown} test images, after PCA to 30 dimensions.",
    ),
)

# The figures of each fitted model, in the report's order.
_MODEL_FIGURES = (
    _Part(
        "confusion matrix",
        "confusion matrix",
        "confusion",
        lambda displays, data, options, model: (
            displays.ConfusionMatrixPercentDisplay.from_estimator(
                model, data.X_test, data.y_test
            )
        ),
        "Each row in percent of the images of its true digit.",
    ),
    _Part(
        "per-class accuracy",
        "accuracy per digit",
        "per_class",
        lambda displays, data, options, model: (
            displays.PerClassAccuracyDisplay.from_estimator(
                model, data.X_test, data.y_test
            )
        ),
    ),
    _Part(
        "misclassified",
        "the worst mistakes",
        "misclassified",
        lambda displays, data, options, model: (
            displays.MisclassifiedDisplay.from_estimator(
                model, data.X_test, data.y_test, n_samples=options["n_images"]
            )
        ),
        "Misclassified test images, the most confident mistake first.",
    ),
    _Part(
        "prediction confidence",
        "confidence for one digit",
        "confidence",
        lambda displays, data, options, model: (
            displays.PredictionConfidenceDisplay.from_estimator(
                model, data.X_test[0], data.y_test[0]
            )
        ),
        "The probability of each digit for the first test image.",
    ),
    _Part(
        "error-reject",
        "error against rejection",
        "error_reject",
        lambda displays, data, options, model: (
            displays.ErrorRejectDisplay.from_estimator(
                model, data.X_test, data.y_test, name=options["model_name"]
            )
        ),
        "The error rate among the accepted answers as the least confident ones "
        "are rejected; the dot marks the rejection needed for 0.5% error.",
    ),
    _Part(
        "reliability",
        "reliability",
        "reliability",
        lambda displays, data, options, model: (
            displays.ReliabilityDisplay.from_estimator(
                model, data.X_test, data.y_test, name=options["model_name"]
            )
        ),
        "Accuracy against confidence: on the diagonal, the confidence can be "
        "taken at its word.",
    ),
)

# The figure comparing the fitted models, drawn when there are two or more.
_COMPARISON_FIGURE = _Part(
    "model comparison",
    "Model comparison",
    "comparison",
    lambda displays, data, options, fitted: (
        displays.ModelComparisonDisplay.from_estimators(
            fitted, data.X_test, data.y_test
        )
    ),
    "Accuracy, training loss, accuracy per digit, and where the second "
    "model's confusions differ from the first's.",
)


@dataclass(frozen=True)
class _Data:
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def _build(output, *, models, data_home, self_contained, **options):
    """Run every part of the report into ``output``; return its metrics."""
    import matplotlib

    matplotlib.use("Agg")
    from skdigits import inspect as displays
    from skdigits.datasets import fetch_mnist

    report = Report(output, self_contained=self_contained)
    start = time.perf_counter()

    def draw(part, *args, prefix=""):
        caption = part.caption.format(
            tsne_shown=min(options["tsne_samples"], len(data.X_test))
        )
        report.run(
            f"{part.part} ({prefix})" if prefix else part.part,
            lambda: report.figure(
                f"{prefix}: {part.title}" if prefix else part.title,
                f"{part.name}_{prefix}" if prefix else part.name,
                part.display(displays, data, options, *args),
                caption,
            ),
        )

    loaded = report.run(
        "data",
        lambda: (
            fetch_mnist(data_home=data_home, return_X_y=True),
            fetch_mnist(data_home=data_home, subset="test", return_X_y=True),
        ),
    )
    if loaded is None:
        return _write(report, start)
    (X_train, y_train), (X_test, y_test) = loaded
    data = _Data(X_train, y_train, X_test, y_test)
    report.metrics["data"] = {"train": len(X_train), "test": len(X_test)}
    for part in _DATA_FIGURES:
        draw(part)

    fitted = report.run(
        "fit models",
        _fit_models,
        report,
        models,
        X_train,
        y_train,
        X_test,
        y_test,
        options["max_iter"],
        options["random_state"],
    )
    if fitted:
        report.run("metrics", _metrics_tables, report, fitted, X_test, y_test)
    for name, model in (fitted or {}).items():
        options["model_name"] = name
        for part in _MODEL_FIGURES:
            draw(part, model, prefix=name)
    if fitted and len(fitted) >= 2:
        draw(_COMPARISON_FIGURE, fitted)
    return _write(report, start)


def _write(report: Report, start: float) -> dict:
    report.metrics["timings_s"] = report.timings
    report.metrics["total_time_s"] = round(time.perf_counter() - start, 3)
    report.metrics["failures"] = [
        {"part": f["part"], "error": f["error"]} for f in report.failures
    ]
    (report.output / "metrics.json").write_text(json.dumps(report.metrics, indent=2))
    failures = "".join(
        f"<li><b>{html.escape(f['part'])}</b>: {html.escape(f['error'])}"
        f"<pre>{html.escape(f['traceback'])}</pre></li>"
        for f in report.failures
    )
    sections = [
        section.html(report.output, inline=report.self_contained)
        if isinstance(section, FigureSection)
        else section
        for section in report.sections
    ]
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<title>skdigits report</title><style>"
        "body{font-family:sans-serif;max-width:1100px;margin:auto}"
        "img{max-width:100%}table{border-collapse:collapse}"
        "td,th{padding:2px 8px;text-align:right}"
        ".summary li{margin:2px 0}</style></head><body>"
        "<h1>skdigits report: MNIST</h1>"
        + _summary(report)
        + (f"<h2 id='failed'>Failed parts</h2><ul>{failures}</ul>" if failures else "")
        + "".join(sections)
        + f"<p>Total time: {report.metrics['total_time_s']:.1f} s.</p>"
        "</body></html>"
    )
    (report.output / "index.html").write_text(page, encoding="utf-8")
    return report.metrics


def _summary(report: Report) -> str:
    """The report in a few lines, and its contents, for the top of the page."""
    metrics = report.metrics
    lines = []
    if "data" in metrics:
        lines.append(
            f"MNIST: {metrics['data']['train']:,} training and "
            f"{metrics['data']['test']:,} test images."
        )
    models = metrics.get("models", {})
    for name, values in models.items():
        lines.append(
            f"<b>{html.escape(name)}</b>: {values['accuracy']:.2%} test accuracy; "
            f"rejects {values['rejection_for_0_5_percent_error']:.1%} of the test "
            "images for 0.5% error; calibration error "
            f"{values['expected_calibration_error']:.2%}; "
            f"{values['epochs']} epochs in {values['fit_time_s']:.1f} s."
        )
    if len(models) >= 2:
        best = max(models, key=lambda name: models[name]["accuracy"])
        lines.append(f"Most accurate: <b>{html.escape(best)}</b>.")
    n_parts = len(report.timings)
    lines.append(
        f"<a href='#failed'>{len(report.failures)} of {n_parts} parts failed</a>."
        if report.failures
        else f"All {n_parts} parts succeeded in {metrics['total_time_s']:.0f} s."
    )
    contents = "".join(
        f"<li><a href='#{section.name}'>{html.escape(section.title)}</a></li>"
        for section in report.sections
        if isinstance(section, FigureSection)
    )
    return (
        "<h2>Summary</h2><ul class='summary'>"
        + "".join(f"<li>{line}</li>" for line in lines)
        + "</ul>"
        + (
            f"<details><summary>Contents</summary><ul>{contents}</ul></details>"
            if contents
            else ""
        )
    )
