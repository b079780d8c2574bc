"""
===============================
Confusion matrix in percentages
===============================

Which digits does a ReLU network confuse? Each row of the matrix is a true
digit, in percent of its test images: the diagonal is the recall of each
digit, and the largest off-diagonal cells are the usual confusions.
"""

# %%
from sklearn.pipeline import make_pipeline

from skdigits import PixelScaler, ReluSoftmaxClassifier
from skdigits.datasets import fetch_mnist
from skdigits.inspect import ConfusionMatrixPercentDisplay

X_train, y_train = fetch_mnist(return_X_y=True)
X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
model = make_pipeline(PixelScaler(), ReluSoftmaxClassifier(max_iter=10, random_state=0))
model.fit(X_train, y_train)

display = ConfusionMatrixPercentDisplay.from_estimator(model, X_test, y_test)

# %%
# The most frequent confusion:
import numpy as np

off_diagonal = display.percentages - np.diag(np.diag(display.percentages))
true, predicted = np.unravel_index(off_diagonal.argmax(), off_diagonal.shape)
print(f"{off_diagonal.max():.1f}% of the {true}s are read as {predicted}")
