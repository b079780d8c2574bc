"""
====================================
Grid search over the network's shape
====================================

The estimators are scikit-learn classifiers: they go in a
:class:`~sklearn.pipeline.Pipeline` and a
:class:`~sklearn.model_selection.GridSearchCV`, here with two processes. The
network is compiled once per architecture; the other fits reuse it.
"""

# %%
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skdigits import PixelScaler, ReluSoftmaxClassifier
from skdigits.datasets import fetch_mnist

X, y = fetch_mnist(return_X_y=True)
X, y = X[:12000], y[:12000]  # a subset keeps the example quick

pipeline = make_pipeline(
    PixelScaler(), ReluSoftmaxClassifier(max_iter=10, random_state=0)
)
grid = {
    "relusoftmaxclassifier__hidden_layer_sizes": [(32,), (128,)],
    "relusoftmaxclassifier__alpha": [1e-4, 1e-2],
}
search = GridSearchCV(pipeline, grid, cv=3, n_jobs=2).fit(X, y)

results = pd.DataFrame(search.cv_results_)[
    [
        "param_relusoftmaxclassifier__hidden_layer_sizes",
        "param_relusoftmaxclassifier__alpha",
        "mean_test_score",
        "mean_fit_time",
    ]
]
print(results.sort_values("mean_test_score", ascending=False))
print("best:", search.best_params_)

# %%
# The mean score of each combination across the three folds, with the range
# of the folds' scores.
scores = pd.DataFrame(search.cv_results_)
labels = [
    f"{params['relusoftmaxclassifier__hidden_layer_sizes']}, "
    f"alpha={params['relusoftmaxclassifier__alpha']:g}"
    for params in scores["params"]
]
folds = scores[[f"split{i}_test_score" for i in range(3)]]
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(labels, scores["mean_test_score"], color="tab:blue")
ax.errorbar(
    scores["mean_test_score"],
    labels,
    xerr=[
        scores["mean_test_score"] - folds.min(axis=1),
        folds.max(axis=1) - scores["mean_test_score"],
    ],
    fmt="none",
    color="black",
)
ax.set_xlim(folds.min().min() - 0.02, 1.0)
ax.set_xlabel("mean cross-validated accuracy")
ax.set_title("Hidden layers and L2 penalty")
fig.tight_layout()
plt.show()
