"""
==================================
Early stopping and learning curves
==================================

With ``early_stopping=True`` a stratified tenth of the training data is set
aside; training stops when its accuracy has not improved for
``n_iter_no_change`` epochs, and the weights of the best epoch are kept.
``loss_curve_`` and ``validation_scores_`` (also in ``history_``, as in Keras)
give the learning curves.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.pipeline import make_pipeline

from skdigits import PixelScaler, ReluSoftmaxClassifier
from skdigits.datasets import fetch_mnist

X_train, y_train = fetch_mnist(return_X_y=True)
X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
network = ReluSoftmaxClassifier(
    early_stopping=True, n_iter_no_change=4, max_iter=60, random_state=0
)
model = make_pipeline(PixelScaler(), network).fit(X_train, y_train)
print(
    f"stopped after {network.n_iter_} epochs; best validation accuracy "
    f"{network.best_validation_score_:.4f}; test accuracy "
    f"{model.score(X_test, y_test):.4f}"
)

# %%
fig, (loss_ax, score_ax) = plt.subplots(1, 2, figsize=(10, 3.5))
loss_ax.plot(range(1, network.n_iter_ + 1), network.loss_curve_)
loss_ax.set(xlabel="epoch", ylabel="training loss", yscale="log")
score_ax.plot(range(1, network.n_iter_ + 1), network.validation_scores_)
best = network.validation_scores_.index(network.best_validation_score_) + 1
score_ax.axvline(best, color="gray", linestyle="--", label="kept")
score_ax.set(xlabel="epoch", ylabel="validation accuracy")
score_ax.legend()
