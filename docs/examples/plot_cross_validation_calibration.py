"""
============================================
Cross-validation and probability calibration
============================================

Other scikit-learn tools work on the estimators as on any classifier:
:func:`~sklearn.model_selection.cross_val_score`, and the calibration
curve of their probabilities. The sigmoid network's normalised outputs are
less well calibrated than the softmax of the ReLU network.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.calibration import CalibrationDisplay
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from skdigits import PixelScaler, ReluSoftmaxClassifier, SigmoidNetClassifier
from skdigits.datasets import fetch_mnist

X_train, y_train = fetch_mnist(return_X_y=True)
X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
models = {
    "sigmoid": make_pipeline(
        PixelScaler(), SigmoidNetClassifier(max_iter=5, random_state=0)
    ),
    "ReLU + softmax": make_pipeline(
        PixelScaler(), ReluSoftmaxClassifier(max_iter=5, random_state=0)
    ),
}

# %%
# Five-fold cross-validation on a subset of the training set.
for name, model in models.items():
    scores = cross_val_score(model, X_train[:10000], y_train[:10000], cv=5, n_jobs=2)
    print(f"{name}: {scores.mean():.3f} ± {scores.std():.3f}")

# %%
# Calibration of the probability of the digit 8, on the test set.
fig, ax = plt.subplots(figsize=(5, 5))
for name, model in models.items():
    model.fit(X_train, y_train)
    proba_of_8 = model.predict_proba(X_test)[:, 8]
    CalibrationDisplay.from_predictions(
        y_test == 8, proba_of_8, n_bins=10, name=name, ax=ax
    )
ax.set_title("Calibration of P(digit = 8)")
