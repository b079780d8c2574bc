"""
===========================================
Knowing when not to answer: error and trust
===========================================

A bank that reads cheques does not need every digit read: it needs the digits
it reads to be right, and sends the others to a person. The error-reject curve
shows the error rate among the accepted answers as more of the least confident
ones are rejected; LeCun et al. (1998) compare MNIST classifiers by the
rejection needed for 0.5% error. The reliability diagram shows whether a
confidence of 0.9 is right 9 times in 10.
"""

# %%
import matplotlib.pyplot as plt

from skdigits import ReluSoftmaxClassifier, SigmoidNetClassifier
from skdigits.datasets import fetch_mnist
from skdigits.inspect import ErrorRejectDisplay, ReliabilityDisplay
from skdigits.metrics import expected_calibration_error, rejection_at_error

X_train, y_train = fetch_mnist(return_X_y=True)
X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
X_train, y_train = X_train[:20000] / 255, y_train[:20000]  # quick to fit
X_test = X_test / 255

models = {
    "sigmoid net": SigmoidNetClassifier(max_iter=30, random_state=0),
    "ReLU net": ReluSoftmaxClassifier(max_iter=15, random_state=0),
}
for model in models.values():
    model.fit(X_train, y_train)

# %%
fig, (reject_ax, reliability_ax) = plt.subplots(1, 2, figsize=(10, 4.5))
for name, model in models.items():
    ErrorRejectDisplay.from_estimator(model, X_test, y_test, name=name, ax=reject_ax)
    ReliabilityDisplay.from_estimator(
        model, X_test, y_test, name=name, ax=reliability_ax
    )
reject_ax.set_xlim(0, 30)
fig.tight_layout()

# %%
# The same figures, without plotting:
for name, model in models.items():
    proba = model.predict_proba(X_test)
    print(
        f"{name}: {rejection_at_error(y_test, proba, 0.005):.1%} rejected for 0.5% "
        f"error; ECE {expected_calibration_error(y_test, proba):.2%}"
    )
