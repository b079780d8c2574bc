"""Fitting the named models on a train/test split, timed and measured.

What the report, ``python -m skdigits train`` and the drawing page's default
model share: ``PixelScaler() -> model`` for each name of `MODEL_NAMES`, with
progress printed, and the metrics of each on the test data.
"""

import time

import numpy as np

MODEL_NAMES = {
    "sigmoid": "SigmoidNetClassifier",
    "relu": "ReluSoftmaxClassifier",
    "convnet": "ConvNetClassifier",
}
# The progress is printed about this many times a fit.
PROGRESS_LINES = 20


def progress_callback(name: str, every: int):
    """A Keras callback printing the training loss every ``every`` epochs."""
    from skdigits._jax_runtime.keras import import_keras

    keras = import_keras()

    class Progress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if (epoch + 1) % every == 0:
                print(
                    f"  {name} epoch {epoch + 1:>3}: loss {logs['loss']:.4f}",
                    flush=True,
                )

    return Progress()


def fit_models(
    names, X_train, y_train, X_test, y_test, *, max_iter=None, random_state=0
):
    """Fit ``PixelScaler() -> model`` for each name of MODEL_NAMES, timed.

    ``max_iter`` None fits each model for its default number of epochs.

    Returns
    -------
    fitted : dict of str to Pipeline
        The fitted pipelines, by class name.

    metrics : dict of str to dict
        Per class name: test accuracy, epochs, fit time, time to predict
        X_test, and the estimator's parameters.
    """
    from sklearn.pipeline import make_pipeline

    import skdigits
    from skdigits.metrics import expected_calibration_error, rejection_at_error

    fitted, metrics = {}, {}
    for key in names:
        name = MODEL_NAMES[key]
        print(f"Fitting {name} (random_state={random_state})...", flush=True)
        estimator = getattr(skdigits, name)(random_state=random_state)
        if max_iter is not None:
            estimator.set_params(max_iter=max_iter)
        every = max(1, estimator.max_iter // PROGRESS_LINES)
        estimator.set_params(callbacks=[progress_callback(name, every=every)])
        model = make_pipeline(skdigits.PixelScaler(), estimator)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        fit_time = time.perf_counter() - start
        start = time.perf_counter()
        y_pred = model.predict(X_test)
        predict_time = time.perf_counter() - start
        proba = model.predict_proba(X_test)
        estimator.callbacks = None  # the progress printer is not part of the model
        fitted[name] = model
        metrics[name] = {
            "accuracy": float(np.mean(y_pred == y_test)),
            "epochs": int(estimator.n_iter_),
            "fit_time_s": round(fit_time, 3),
            "predict_time_10k_s": round(predict_time, 4),
            "rejection_for_0_5_percent_error": rejection_at_error(
                y_test, proba, 0.005, labels=model.classes_
            ),
            "rejection_for_0_1_percent_error": rejection_at_error(
                y_test, proba, 0.001, labels=model.classes_
            ),
            "expected_calibration_error": expected_calibration_error(
                y_test, proba, labels=model.classes_
            ),
            "params": {
                k: v
                for k, v in estimator.get_params().items()
                if isinstance(v, int | float | str | tuple) or v is None
            },
        }
    return fitted, metrics


# The rejection threshold of a default model is the one that brings its
# error on the MNIST test set down to this (LeCun et al.'s operating point).
TARGET_ERROR = 0.005


def fit_default_model(name: str, X_train, y_train, X_test, y_test) -> dict:
    """Fit the named model at its defaults (``random_state=0``) and measure it.

    What the drawing page's default models and skdigits' shipped
    ConvNetClassifier (``benchmarks/train_convnet.py``) are: `fit_models`
    for one name, with the accuracy on the test data and the probability
    below which a digit is rejected for `TARGET_ERROR` of error on them.

    Returns
    -------
    fitted : dict
        ``estimator`` (the fitted pipeline), ``accuracy`` and
        ``reject_threshold``.
    """
    from skdigits.metrics import threshold_at_error

    fitted, metrics = fit_models([name], X_train, y_train, X_test, y_test)
    ((class_name, estimator),) = fitted.items()
    threshold = threshold_at_error(
        y_test,
        estimator.predict_proba(X_test),
        TARGET_ERROR,
        labels=estimator.classes_,
    )
    return {
        "estimator": estimator,
        "accuracy": metrics[class_name]["accuracy"],
        "reject_threshold": threshold,
    }
