"""
==================
Accuracy per digit
==================

The overall accuracy hides which digits are hard. One bar per digit (its
recall), sorted from the hardest, with the overall accuracy as a line.
"""

# %%
from sklearn.pipeline import make_pipeline

from skdigits import PixelScaler, SigmoidNetClassifier
from skdigits.datasets import fetch_mnist
from skdigits.inspect import PerClassAccuracyDisplay, classification_report_frame

X_train, y_train = fetch_mnist(return_X_y=True)
X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
model = make_pipeline(PixelScaler(), SigmoidNetClassifier(max_iter=10, random_state=0))
model.fit(X_train, y_train)

display = PerClassAccuracyDisplay.from_estimator(model, X_test, y_test, sort=True)

# %%
# The full classification report, as a DataFrame.
classification_report_frame(y_test, model.predict(X_test)).round(3)
