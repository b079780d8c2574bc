"""
================================
Three digit readers side by side
================================

skdigits has three networks for digits: :class:`~skdigits.SigmoidNetClassifier`
(one layer, the seed's model), :class:`~skdigits.ReluSoftmaxClassifier` (a
hidden ReLU layer) and :class:`~skdigits.ConvNetClassifier` (two strided
convolutions, trained on randomly distorted images). They have the same
parameters and the same API, so comparing them is one loop.

This example fits them on 10,000 MNIST images so that it runs in a couple
of minutes, with fewer epochs than the defaults; on all 60,000 images at the
defaults, the figures measured in ``benchmarks/`` (``python
benchmarks/convnet.py fit``) are the ones to quote.
"""

# %%
import time

import matplotlib.pyplot as plt
import pandas as pd

from skdigits import ConvNetClassifier, ReluSoftmaxClassifier, SigmoidNetClassifier
from skdigits.datasets import fetch_mnist
from skdigits.inspect import ErrorRejectDisplay, ModelComparisonDisplay
from skdigits.metrics import rejection_at_error

X_train, y_train = fetch_mnist(return_X_y=True)
X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
X_train, y_train = X_train[:10_000] / 255, y_train[:10_000]
X_test = X_test / 255

models = {
    "sigmoid net": SigmoidNetClassifier(max_iter=30, random_state=0),
    "ReLU net": ReluSoftmaxClassifier(max_iter=30, random_state=0),
    "convnet": ConvNetClassifier(max_iter=10, random_state=0),
}
rows = {}
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train, y_train)
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    proba = model.predict_proba(X_test)
    predict_time = time.perf_counter() - start
    accuracy = (model.classes_[proba.argmax(axis=1)] == y_test).mean()
    rows[name] = {
        "test accuracy": accuracy,
        "errors": round((1 - accuracy) * len(y_test)),
        "rejected for 0.5% error": rejection_at_error(y_test, proba, 0.005),
        "fit (s)": fit_time,
        "predict 10,000 (s)": predict_time,
    }
pd.DataFrame(rows).T.round(3)

# %%
# The convnet makes a fraction of the others' errors, and is much more often
# sure when it is right: to bring its error down to 0.5% it has to refuse far
# fewer digits (the left end of its error-reject curve).
fig, ax = plt.subplots(figsize=(6, 4))
for name, model in models.items():
    ErrorRejectDisplay.from_estimator(model, X_test, y_test, name=name, ax=ax)
ax.set_xlim(0, 20)

# %%
# Where they differ, class by class: accuracy per digit, and how the
# convnet's confusions differ from the ReLU net's.
display = ModelComparisonDisplay.from_estimators(
    {name: models[name] for name in ("ReLU net", "convnet")}, X_test, y_test
)
display.figure_.set_size_inches(10, 8)
