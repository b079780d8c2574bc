"""
=========================
t-SNE projection of MNIST
=========================

The 10,000 test images projected to two dimensions with t-SNE, after a PCA to
30 dimensions, coloured by digit. Images of one digit form clusters; the
clusters of 4 and 9, or 3, 5 and 8, touch, as these digits are easily
confused.
"""

# %%
from skdigits.datasets import fetch_mnist
from skdigits.inspect import TSNEDisplay

X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
display = TSNEDisplay.from_data(X_test / 255, y_test, random_state=0, n_jobs=-1)

# %%
# The embedding keeps neighbourhoods: a 10-nearest-neighbour classifier on the
# 2-D points recognises most digits.
from sklearn.model_selection import cross_val_score
from sklearn.neighbors import KNeighborsClassifier

scores = cross_val_score(KNeighborsClassifier(10), display.embedding, display.labels)
print(f"10-NN accuracy on the embedding: {scores.mean():.3f}")
