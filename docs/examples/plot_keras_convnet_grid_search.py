"""
=================================================
Your own convolutional network in a grid search
=================================================

:class:`~skdigits.KerasClassifier` makes any Keras network a scikit-learn
classifier. Here a small convolutional network is written as a builder: a
function that returns an uncompiled Keras model, taking ``meta`` (what the
data look like) and its own parameters, which the estimator routes to it as
``model__<name>``. :class:`~sklearn.model_selection.GridSearchCV` then tunes
one of them, the number of filters, like any other parameter.

The network sees rows of 784 pixels, as scikit-learn's ``X`` is 2-D: it
starts with a ``Reshape`` to 28x28 images.
"""

# %%
import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # before Keras is first imported

import keras
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.model_selection import GridSearchCV, train_test_split

from skdigits import KerasClassifier
from skdigits.datasets import fetch_mnist


def convnet(meta, filters=16):
    """Two convolution blocks and a softmax over the classes."""
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Reshape((28, 28, 1)),
            keras.layers.Conv2D(filters, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(2 * filters, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


X, y = fetch_mnist(return_X_y=True)
X = X / 255
# A subset keeps the example quick; the full data read better still.
X_train, X_test, y_train, y_test = train_test_split(
    X[:8000], y[:8000], test_size=2000, random_state=0
)

clf = KerasClassifier(convnet, max_iter=5, random_state=0)
search = GridSearchCV(clf, {"model__filters": [4, 16]}, cv=2, n_jobs=2)
search.fit(X_train, y_train)

results = pd.DataFrame(search.cv_results_)
print(results[["param_model__filters", "mean_test_score", "mean_fit_time"]])
print("best:", search.best_params_)
print(f"test accuracy: {search.score(X_test, y_test):.3f}")

# %%
# The fitted network is a Keras model, ``model_``, and the training curve is
# in ``loss_curve_``, as for MLPClassifier.
best = search.best_estimator_
best.model_.summary()

fig, ax = plt.subplots(figsize=(5, 3))
ax.plot(range(1, best.n_iter_ + 1), best.loss_curve_, marker="o")
ax.set_xlabel("epoch")
ax.set_ylabel("training loss")
ax.set_title(f"Best network: {best.model__filters} filters")
fig.tight_layout()
plt.show()
