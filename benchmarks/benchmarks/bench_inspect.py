"""skdigits.inspect on full MNIST: the t-SNE and the report's analyses."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from skdigits import inspect

from .common import MODELS, get_data, make_model


class MnistTSNE:
    """The t-SNE projection of the 10,000 test images (target: <= 12 s)."""

    number = 1
    repeat = (1, 3, 120.0)
    timeout = 600

    def setup(self):
        self.X_test, self.y_test = get_data("mnist")[1], get_data("mnist")[3]

    def time_tsne_10000(self):
        inspect.TSNEDisplay.from_data(
            self.X_test, self.y_test, random_state=0, n_jobs=-1
        )
        plt.close("all")

    def track_tsne_10nn_accuracy(self):
        """5-fold accuracy of 10 nearest neighbours on the 2-D points (>= 0.94)."""
        display = inspect.TSNEDisplay.from_data(
            self.X_test, self.y_test, random_state=0, n_jobs=-1
        )
        plt.close("all")
        knn = KNeighborsClassifier(n_neighbors=10)
        return cross_val_score(knn, display.embedding, display.labels, cv=5).mean()

    track_tsne_10nn_accuracy.unit = "accuracy"


class MnistReportAnalyses:
    """Every analysis of the report but the t-SNE, on two fitted models."""

    number = 1
    repeat = (1, 3, 120.0)
    timeout = 900

    def setup_cache(self):
        X_train, _, y_train, _ = get_data("mnist")
        return {
            model: make_model(model, "mnist").fit(X_train, y_train) for model in MODELS
        }

    def setup(self, fitted):
        self.X_train, self.X_test, self.y_train, self.y_test = get_data("mnist")
        self.fitted = fitted

    def time_report_analyses(self, fitted):
        X_test, y_test = self.X_test, self.y_test
        inspect.SampleGridDisplay.from_data(self.X_train, self.y_train, n_samples=30)
        inspect.LabelDistributionDisplay.from_labels(self.y_train, y_test)
        inspect.AverageImageDisplay.from_data(self.X_train, self.y_train)
        for model in self.fitted.values():
            inspect.ConfusionMatrixPercentDisplay.from_estimator(model, X_test, y_test)
            inspect.PerClassAccuracyDisplay.from_estimator(model, X_test, y_test)
            inspect.MisclassifiedDisplay.from_estimator(model, X_test, y_test)
            inspect.PredictionConfidenceDisplay.from_estimator(
                model, X_test[0], y_test[0]
            )
        inspect.ModelComparisonDisplay.from_estimators(self.fitted, X_test, y_test)
        plt.close("all")
