"""
======================================
Elastic distortions of training digits
======================================

Simard, Steinkraus and Platt (2003) trained a one-hidden-layer network to
99.3% on MNIST by distorting each training image anew at every epoch. With
``augmentation="elastic"`` the estimators do the same, inside the compiled
training step; predictions and validation data are never distorted.
"""

# %%
# Original digits (top) and two elastic distortions of each (below): random
# displacement fields smoothed by a Gaussian of width ``sigma`` and scaled by
# ``alpha`` (Simard's values).
import jax
import matplotlib.pyplot as plt
import numpy as np

from skdigits.augmentation import elastic_distort
from skdigits.datasets import fetch_mnist

X_train, y_train = fetch_mnist(return_X_y=True)
X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
images = (X_train[:8] / 255).astype(np.float32).reshape(-1, 28, 28)

fig, axes = plt.subplots(3, 8, figsize=(8, 3.2))
rows = [images] + [
    np.asarray(elastic_distort(jax.random.key(seed), images, alpha=34.0, sigma=4.0))
    for seed in (0, 1)
]
for row_axes, row in zip(axes, rows, strict=True):
    for ax, image in zip(row_axes, row, strict=True):
        ax.imshow(image, cmap="gray_r")
        ax.set_axis_off()
axes[0, 0].set_title("original", fontsize=8, loc="left")
axes[1, 0].set_title("distorted", fontsize=8, loc="left")

# %%
# The gain is largest when data are scarce: 5,000 training images, the same
# network and epochs, with and without distortions.
from sklearn.pipeline import make_pipeline

from skdigits import PixelScaler, ReluSoftmaxClassifier

scores = {}
for augmentation in (None, "elastic"):
    model = make_pipeline(
        PixelScaler(),
        ReluSoftmaxClassifier(
            hidden_layer_sizes=(256,),
            max_iter=60,
            learning_rate="cosine",
            augmentation=augmentation,
            random_state=0,
        ),
    )
    model.fit(X_train[:5000], y_train[:5000])
    scores[str(augmentation)] = model.score(X_test, y_test)
print(scores)

fig, ax = plt.subplots(figsize=(4, 3))
ax.bar(
    ["no augmentation", "elastic"], list(scores.values()), color=["gray", "tab:blue"]
)
ax.set_ylim(min(scores.values()) - 0.02, 1.0)
ax.set_ylabel("test accuracy")
ax.set_title("5,000 training images")
