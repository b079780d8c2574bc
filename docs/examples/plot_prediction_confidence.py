"""
===================================
Prediction confidence for one digit
===================================

The probability the network gives each digit, beside the image: for a clear
image, and for the test image on which the model hesitates most.
"""

# %%
import numpy as np
from sklearn.pipeline import make_pipeline

from skdigits import PixelScaler, ReluSoftmaxClassifier
from skdigits.datasets import fetch_mnist
from skdigits.inspect import PredictionConfidenceDisplay

X_train, y_train = fetch_mnist(return_X_y=True)
X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
model = make_pipeline(PixelScaler(), ReluSoftmaxClassifier(max_iter=10, random_state=0))
model.fit(X_train, y_train)

PredictionConfidenceDisplay.from_estimator(model, X_test[0], y_test[0])

# %%
# The least confident prediction of the test set.
hesitant = int(np.argmin(model.predict_proba(X_test).max(axis=1)))
PredictionConfidenceDisplay.from_estimator(model, X_test[hesitant], y_test[hesitant])
