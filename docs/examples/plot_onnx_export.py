"""
======================================
Export a pipeline to ONNX and check it
======================================

A model that leaves Python: a pipeline of scikit-learn's ``StandardScaler``
and skdigits' :class:`~skdigits.ConvNetClassifier`, exported with
:func:`skdigits.onnx.to_onnx` and run by onnxruntime. The two give the same
probabilities to float32's precision: the plot shows how far apart they are
on every test image.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
import onnxruntime as ort
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skdigits import ConvNetClassifier
from skdigits.onnx import to_onnx

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X.astype(np.float32), y, random_state=0
)
model = make_pipeline(StandardScaler(), ConvNetClassifier(max_iter=20, random_state=0))
model.fit(X_train, y_train)

# %%
# The pipeline as one ONNX graph; ``zipmap=False`` gives the probabilities
# as one tensor, which every runtime (onnxruntime-web too) reads.
onx = to_onnx(model, X_train[:1], zipmap=False)
session = ort.InferenceSession(onx.SerializeToString())
labels, proba = session.run(None, {"X": X_test})

difference = np.abs(proba - model.predict_proba(X_test)).max(axis=1)
print(f"largest difference of a probability: {difference.max():.2e}")
print(f"same labels: {np.mean(labels == model.predict(X_test)):.1%}")
print(f"accuracy in onnxruntime: {np.mean(labels == y_test):.1%}")

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.hist(difference, bins=40, color="tab:blue")
ax.set_xlabel("largest |onnxruntime - skdigits| of an image's probabilities")
ax.set_ylabel("test images")
ax.set_title("onnxruntime agrees with predict_proba")
fig.tight_layout()
plt.show()
