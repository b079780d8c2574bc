"""
==================
The worst mistakes
==================

The misclassified test images on which the network was most confident.
Many are ambiguous even to a person; some are plain errors of the model.
"""

# %%
from sklearn.pipeline import make_pipeline

from skdigits import PixelScaler, ReluSoftmaxClassifier
from skdigits.datasets import fetch_mnist
from skdigits.inspect import MisclassifiedDisplay

X_train, y_train = fetch_mnist(return_X_y=True)
X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
model = make_pipeline(PixelScaler(), ReluSoftmaxClassifier(max_iter=10, random_state=0))
model.fit(X_train, y_train)

display = MisclassifiedDisplay.from_estimator(model, X_test, y_test, n_samples=20)
print(f"{(model.predict(X_test) != y_test).sum()} mistakes in {len(y_test)} images")
