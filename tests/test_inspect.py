"""The Displays of skdigits.inspect, tested on the data they compute and draw."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import matplotlib.text
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, recall_score
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from skdigits import PixelScaler, SigmoidNetClassifier
from skdigits.inspect import (
    AverageImageDisplay,
    ConfusionMatrixPercentDisplay,
    LabelDistributionDisplay,
    MisclassifiedDisplay,
    ModelComparisonDisplay,
    PerClassAccuracyDisplay,
    PredictionConfidenceDisplay,
    SampleGridDisplay,
    TSNEDisplay,
    classification_report_frame,
    infer_image_shape,
    to_images,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def split(digits):
    X, y = digits
    return X[:1200], X[1200:], y[:1200], y[1200:]


@pytest.fixture(scope="module")
def logistic(split):
    X_train, _, y_train, _ = split
    return LogisticRegression(max_iter=1000).fit(X_train, y_train)


@pytest.fixture(scope="module")
def network(split):
    X_train, _, y_train, _ = split
    return make_pipeline(
        PixelScaler(max_value=1.0),
        SigmoidNetClassifier(max_iter=20, learning_rate_init=0.01, random_state=0),
    ).fit(X_train, y_train)


def test_image_shapes():
    assert infer_image_shape(784) == (28, 28)
    assert infer_image_shape(64) == (8, 8)
    assert infer_image_shape(30, image_shape=(5, 6)) == (5, 6)
    with pytest.raises(ValueError, match="not a square number"):
        infer_image_shape(30)
    with pytest.raises(ValueError, match="has 20 pixels, but the data have 30"):
        infer_image_shape(30, image_shape=(4, 5))
    X = np.arange(2 * 64).reshape(2, 64)
    np.testing.assert_array_equal(to_images(X)[1], X[1].reshape(8, 8))


def test_sample_grid_shows_the_images_labels_and_predictions(split, logistic):
    _, X_test, _, y_test = split
    display = SampleGridDisplay.from_estimator(logistic, X_test, y_test, n_samples=30)
    np.testing.assert_array_equal(display.images, X_test[:30].reshape(30, 8, 8))
    np.testing.assert_array_equal(display.predictions, logistic.predict(X_test[:30]))
    assert len(display.axes_) == 30
    for i, axis in enumerate(display.axes_):
        np.testing.assert_array_equal(axis.images[0].get_array(), display.images[i])
        assert axis.get_title() == f"true {y_test[i]}\npred {display.predictions[i]}"
        wrong = display.predictions[i] != y_test[i]
        assert (axis.title.get_color() == "red") == wrong

    chosen = SampleGridDisplay.from_data(X_test, y_test, n_samples=5, random_state=0)
    rows = [
        np.flatnonzero((X_test == image.ravel()).all(axis=1))[0]
        for image in chosen.images
    ]
    np.testing.assert_array_equal(chosen.labels, y_test[rows])
    assert [axis.get_title() for axis in chosen.axes_] == [str(v) for v in y_test[rows]]


def test_multi_panel_displays_honour_ax(split):
    X_train, _, y_train, _ = split
    figure, (left, right) = plt.subplots(1, 2)
    display = AverageImageDisplay.from_data(X_train, y_train, ax=right)
    assert display.figure_ is figure
    assert left in figure.axes
    assert right not in figure.axes  # split into the ten panels
    assert all(axis.figure is figure for axis in display.axes_)
    axes = plt.subplots(2, 5)[1]
    display = SampleGridDisplay.from_data(X_train, y_train, n_samples=10, ax=axes)
    assert list(display.axes_) == list(axes.ravel())


def test_label_distribution_counts_and_bars(split):
    _, _, y_train, y_test = split
    figure, ax = plt.subplots()
    display = LabelDistributionDisplay.from_labels(y_train, y_test, ax=ax)
    assert display.ax_ is ax
    assert display.figure_ is figure
    np.testing.assert_array_equal(display.counts["train"], np.bincount(y_train))
    np.testing.assert_array_equal(display.counts["test"], np.bincount(y_test))
    heights = sorted(patch.get_height() for patch in ax.patches if patch.get_height())
    expected = sorted([*np.bincount(y_train), *np.bincount(y_test)])
    assert heights == expected


def test_the_label_distribution_legend_covers_no_bar(split):
    _, _, y_train, y_test = split
    for size in [(7, 3.5), (4, 3)]:
        figure = plt.figure(figsize=size)
        display = LabelDistributionDisplay.from_labels(y_train, y_test, ax=figure.gca())
        figure.canvas.draw()
        legend = display.ax_.get_legend().get_window_extent()
        bars = [p.get_window_extent() for p in display.ax_.patches if p.get_height()]
        assert bars
        assert not any(legend.overlaps(bar) for bar in bars)
        labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
        assert labels == ["train", "test"]
        plt.close(figure)


def test_average_image_of_digit_k_is_the_mean_of_its_images(split):
    X_train, _, y_train, _ = split
    display = AverageImageDisplay.from_data(X_train, y_train)
    for k in range(10):
        expected = X_train[y_train == k].mean(axis=0).reshape(8, 8)
        np.testing.assert_allclose(display.average_images[k], expected)
        drawn = display.axes_[k].collections[0].get_array()
        np.testing.assert_allclose(np.asarray(drawn).reshape(8, 8), expected)
        assert display.axes_[k].get_title() == f"average {k}"


def test_confusion_percentages_equal_sklearn_normalised_matrix(split, network):
    _, X_test, _, y_test = split
    ax = plt.subplots()[1]
    display = ConfusionMatrixPercentDisplay.from_estimator(
        network, X_test, y_test, ax=ax
    )
    y_pred = network.predict(X_test)
    np.testing.assert_array_equal(display.counts, confusion_matrix(y_test, y_pred))
    np.testing.assert_allclose(
        display.percentages, 100 * confusion_matrix(y_test, y_pred, normalize="true")
    )
    assert display.ax_ is ax
    annotations = [text.get_text() for text in ax.texts]
    assert annotations == [f"{value:.1f}" for value in display.percentages.ravel()]


def test_per_class_bars_equal_per_class_recall(split, network):
    _, X_test, _, y_test = split
    display = PerClassAccuracyDisplay.from_estimator(network, X_test, y_test)
    y_pred = network.predict(X_test)
    recalls = recall_score(y_test, y_pred, average=None)
    np.testing.assert_allclose(display.per_class["accuracy"], recalls)
    np.testing.assert_array_equal(display.per_class["support"], np.bincount(y_test))
    heights = [patch.get_height() for patch in display.ax_.patches]
    np.testing.assert_allclose(heights, recalls)
    overall = display.ax_.lines[0].get_ydata()
    np.testing.assert_allclose(overall, network.score(X_test, y_test))

    sorted_display = PerClassAccuracyDisplay.from_estimator(
        network, X_test, y_test, sort=True
    )
    heights = [patch.get_height() for patch in sorted_display.ax_.patches]
    assert heights == sorted(heights)
    labels = [tick.get_text() for tick in sorted_display.ax_.get_xticklabels()]
    assert labels == [str(k) for k in np.argsort(recalls, kind="stable")]


def test_misclassified_shows_only_mistakes_worst_first(split, network):
    _, X_test, _, y_test = split
    display = MisclassifiedDisplay.from_estimator(network, X_test, y_test, n_samples=12)
    proba = network.predict_proba(X_test)
    y_pred = network.predict(X_test)
    assert len(display.index) == min(12, np.sum(y_pred != y_test))
    assert (y_test[display.index] != y_pred[display.index]).all()
    np.testing.assert_array_equal(display.true_labels, y_test[display.index])
    np.testing.assert_array_equal(display.predicted_labels, y_pred[display.index])
    np.testing.assert_allclose(display.confidences, proba[display.index].max(axis=1))
    assert (np.diff(display.confidences) <= 0).all()
    # The worst: no mistake left out was more confident than those shown.
    wrong = np.flatnonzero(y_pred != y_test)
    left_out = np.setdiff1d(wrong, display.index)
    if len(left_out):
        assert proba[left_out].max(axis=1).max() <= display.confidences.min()
    for axis, row in zip(display.axes_, display.index, strict=True):
        np.testing.assert_array_equal(
            axis.images[0].get_array(), X_test[row].reshape(8, 8)
        )


def test_prediction_confidence_of_one_digit(split, network):
    _, X_test, _, y_test = split
    display = PredictionConfidenceDisplay.from_estimator(network, X_test[3], y_test[3])
    np.testing.assert_allclose(
        display.probabilities, network.predict_proba(X_test[3:4])[0]
    )
    image_ax, bar_ax = display.axes_
    np.testing.assert_array_equal(
        image_ax.images[0].get_array(), X_test[3].reshape(8, 8)
    )
    heights = [patch.get_height() for patch in bar_ax.patches]
    np.testing.assert_allclose(heights, display.probabilities)
    assert image_ax.get_title() == f"true {y_test[3]}"


def test_tsne_has_one_point_per_sample_and_keeps_neighbourhoods(digits):
    X, y = digits
    ax = plt.subplots()[1]
    display = TSNEDisplay.from_data(X, y, n_samples=1000, random_state=0, ax=ax)
    assert display.embedding.shape == (1000, 2)
    assert display.ax_ is ax
    assert sum(len(scatter.get_offsets()) for scatter in display.scatter_) == 1000
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        str(k) for k in range(10)
    ]
    knn = KNeighborsClassifier(n_neighbors=10)
    assert cross_val_score(knn, display.embedding, display.labels, cv=5).mean() > 0.9
    again = TSNEDisplay.from_data(X, y, n_samples=1000, random_state=0)
    np.testing.assert_array_equal(again.embedding, display.embedding)


def test_model_comparison(split, logistic, network):
    _, X_test, _, y_test = split
    models = {"logistic": logistic, "sigmoid net": network}
    display = ModelComparisonDisplay.from_estimators(models, X_test, y_test)
    for name, model in models.items():
        assert display.summary.loc[name, "accuracy"] == model.score(X_test, y_test)
        np.testing.assert_allclose(
            display.per_class[name],
            recall_score(y_test, model.predict(X_test), average=None),
        )
    assert list(display.loss_curves) == ["sigmoid net"]
    assert display.loss_curves["sigmoid net"] == network[-1].loss_curve_
    percent = {
        name: 100 * confusion_matrix(y_test, model.predict(X_test), normalize="true")
        for name, model in models.items()
    }
    np.testing.assert_allclose(
        display.confusion_difference, percent["sigmoid net"] - percent["logistic"]
    )
    assert len(display.axes_) == 4
    with pytest.raises(ValueError, match="at least two models"):
        ModelComparisonDisplay.from_estimators({"one": logistic}, X_test, y_test)


def test_model_comparison_texts_overlap_nothing(split, logistic, network):
    """Titles, labels and the legend stay clear of each other and of the data."""
    _, X_test, _, y_test = split
    models = {"LogisticRegression": logistic, "SigmoidNetClassifier (long)": network}
    display = ModelComparisonDisplay.from_estimators(models, X_test, y_test)
    figure = display.figure_
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    texts = [
        text
        for ax in display.axes_
        for text in (ax.title, ax.xaxis.label, ax.yaxis.label)
        if text.get_text()
    ]
    boxes = [text.get_window_extent(renderer) for text in texts]
    for i, first in enumerate(boxes):
        for j, second in enumerate(boxes[i + 1 :], start=i + 1):
            assert not first.overlaps(second), (texts[i], texts[j])
        for ax in display.axes_:
            if texts[i].axes is not ax:
                assert not first.overlaps(ax.get_window_extent(renderer)), (
                    texts[i],
                    ax,
                )
    class_ax = display.axes_[2]
    legend = class_ax.get_legend().get_window_extent(renderer)
    for ax in display.axes_:
        assert not legend.overlaps(ax.get_window_extent(renderer))
    assert [t.get_text() for t in class_ax.get_legend().get_texts()] == list(models)


def test_classification_report_frame(split, logistic):
    _, X_test, _, y_test = split
    frame = classification_report_frame(y_test, logistic.predict(X_test))
    recalls = recall_score(y_test, logistic.predict(X_test), average=None)
    np.testing.assert_allclose(
        frame.loc[[str(k) for k in range(10)], "recall"], recalls
    )
    assert frame.loc["accuracy", "f1-score"] == logistic.score(X_test, y_test)


def test_classification_report_frame_matches_sklearn_whatever_the_labels():
    from sklearn.metrics import classification_report

    y_true = np.array(["accuracy", "macro avg", "b", "b", "accuracy", "b"])
    y_pred = np.array(["accuracy", "b", "b", "macro avg", "b", "b"])
    frame = classification_report_frame(y_true, y_pred)
    assert list(frame.index) == [
        "accuracy",
        "b",
        "macro avg",
        "accuracy",
        "macro avg",
        "weighted avg",
    ]
    classes = frame.iloc[:-3]
    np.testing.assert_allclose(
        classes["recall"], recall_score(y_true, y_pred, average=None)
    )
    np.testing.assert_allclose(classes["support"], [2, 3, 1])
    # The summary rows are scikit-learn's, on labels that do not collide.
    renamed = {"accuracy": "x", "macro avg": "y", "b": "b"}
    reference = classification_report(
        [renamed[v] for v in y_true], [renamed[v] for v in y_pred], output_dict=True
    )
    assert frame.iloc[-3]["f1-score"] == reference["accuracy"]
    for row in ("macro avg", "weighted avg"):
        for column in ("precision", "recall", "f1-score", "support"):
            assert frame.iloc[-2 if row == "macro avg" else -1][column] == (
                pytest.approx(reference[row][column])
            )


DOLLAR_LABELS = np.array(["$5", "$\\frac$", "10$"])


def drawn_texts(figure):
    figure.savefig(io.BytesIO(), format="png")  # mathtext would fail here
    return [text.get_text() for text in figure.findobj(matplotlib.text.Text)]


def test_displays_draw_dollar_labels_literally():
    y_true = DOLLAR_LABELS[[0, 1, 2, 0, 1, 2]]
    y_pred = DOLLAR_LABELS[[0, 1, 1, 0, 2, 2]]
    escaped = [label.replace("$", "\\$") for label in DOLLAR_LABELS]
    displays = [
        ConfusionMatrixPercentDisplay.from_predictions(y_true, y_pred),
        PerClassAccuracyDisplay.from_predictions(y_true, y_pred),
        LabelDistributionDisplay.from_labels(y_true, y_pred),
    ]
    for display in displays:
        texts = drawn_texts(display.figure_)
        for label in escaped:
            assert label in texts
        plt.close(display.figure_)
    images = np.random.default_rng(0).random((6, 64))
    for display in (
        SampleGridDisplay(images.reshape(6, 8, 8), y_true, y_pred).plot(),
        AverageImageDisplay.from_data(images, y_true),
    ):
        assert any("\\$\\frac\\$" in text for text in drawn_texts(display.figure_))
        plt.close(display.figure_)
