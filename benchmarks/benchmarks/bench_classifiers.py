"""Fit, predict and accuracy of our networks and of MLPClassifier."""

import numpy as np

from .common import (
    MODELS,
    alternate_median_ratio,
    get_data,
    make_model,
    predict_data,
)

MODELS_AND_REFERENCES = MODELS + [f"MLPClassifier:{model}" for model in MODELS]


class _Classifiers:
    """time_fit, peakmem_fit, time_predict(_one), track_test_accuracy.

    ``model`` "MLPClassifier:<ours>" is MLPClassifier with our network.
    Fits are timed at FIT_SETTINGS; predictions and accuracy use models
    fitted at their defaults, once, in each subclass's ``setup_cache``.
    """

    dataset = None
    params = (MODELS_AND_REFERENCES,)
    param_names = ("model",)
    timeout = 900

    def _fit_at_defaults(self):
        # Called from each subclass's own setup_cache: asv keys a cache by the
        # source line of setup_cache, so an inherited one would be shared
        # between data sets.
        X_train, _, y_train, _ = get_data(self.dataset)
        return {
            model: make_model(model, self.dataset, defaults=True).fit(X_train, y_train)
            for model in MODELS_AND_REFERENCES
        }

    def setup(self, fitted, model):
        self.X_train, self.X_test, self.y_train, self.y_test = get_data(self.dataset)
        self.X_predict = predict_data(self.dataset)
        self.fitted = fitted[model]
        self.model = model
        # A first fit compiles our network for this data shape; timed fits
        # then measure training, as in a grid search's second fit onwards.
        make_model(model, self.dataset).set_params(max_iter=1).fit(
            self.X_train, self.y_train
        )

    def time_fit(self, fitted, model):
        make_model(model, self.dataset).fit(self.X_train, self.y_train)

    def peakmem_fit(self, fitted, model):
        make_model(model, self.dataset).fit(self.X_train, self.y_train)

    def time_predict(self, fitted, model):
        self.fitted.predict(self.X_predict)

    def time_predict_one(self, fitted, model):
        self.fitted.predict(self.X_test[:1])

    def track_test_accuracy(self, fitted, model):
        return self.fitted.score(self.X_test, self.y_test)

    track_test_accuracy.unit = "accuracy"


class _RatiosVsMLP:
    """Our time over MLPClassifier's, for the same network, in one process."""

    dataset = None
    params = (MODELS,)
    param_names = ("model",)
    timeout = 900

    def setup(self, model):
        self.X_train, _, self.y_train, _ = get_data(self.dataset)
        self.X_predict = predict_data(self.dataset)
        self.reference = f"MLPClassifier:{model}"
        self.fitted = {
            name: make_model(name, self.dataset).fit(self.X_train, self.y_train)
            for name in (model, self.reference)
        }

    def _fit(self, name):
        return lambda: make_model(name, self.dataset).fit(self.X_train, self.y_train)

    def track_fit_time_ratio_vs_mlp(self, model):
        return alternate_median_ratio(self._fit(model), self._fit(self.reference))

    track_fit_time_ratio_vs_mlp.unit = "ratio"

    def track_predict_time_ratio_vs_mlp(self, model):
        ours, reference = (
            lambda name=name: self.fitted[name].predict(self.X_predict)
            for name in (model, self.reference)
        )
        return alternate_median_ratio(ours, reference, repeats=21)

    track_predict_time_ratio_vs_mlp.unit = "ratio"

    def track_predict_float64_time_ratio_vs_mlp(self, model):
        # float64 input (``X / 255`` of fetch_mnist's pixels): MLPClassifier
        # multiplies in float64, ours in its network's float32.
        X = self.X_predict.astype(np.float64)
        ours, reference = (
            lambda name=name: self.fitted[name].predict(X)
            for name in (model, self.reference)
        )
        return alternate_median_ratio(ours, reference, repeats=21)

    track_predict_float64_time_ratio_vs_mlp.unit = "ratio"

    def track_predict_one_time_ratio_vs_mlp(self, model):
        # One sample at a time, as a service or the drawing page predicts:
        # the median of 200 calls each way, alternating.
        x = self.X_predict[:1]
        ours, reference = (
            lambda name=name: [self.fitted[name].predict(x) for _ in range(200)]
            for name in (model, self.reference)
        )
        return alternate_median_ratio(ours, reference, repeats=21)

    track_predict_one_time_ratio_vs_mlp.unit = "ratio"


class DigitsClassifiers(_Classifiers):
    dataset = "digits"

    def setup_cache(self):
        return self._fit_at_defaults()


class DigitsRatiosVsMLP(_RatiosVsMLP):
    dataset = "digits"


class MnistClassifiers(_Classifiers):
    dataset = "mnist"

    def setup_cache(self):
        return self._fit_at_defaults()


class MnistRatiosVsMLP(_RatiosVsMLP):
    dataset = "mnist"
