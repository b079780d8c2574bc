"""
=================================
Reading a string of digits
=================================

A cheque amount or a postcode is a line of digits. :func:`skdigits.reading.read_digits`
cuts a scanned field into digits (a stroke broken in two stays one digit,
specks of dirt are dropped), brings each to MNIST's format, and reads it with
a classifier trained on MNIST. With ``reject_threshold``, a digit it is not
sure of reads as "?", for a person to check.

The fields here are made from MNIST test digits by
:func:`skdigits.datasets.make_digit_strings`: digits of different sizes and
baselines, dark on light paper with a shadow and grain.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from skdigits import ReluSoftmaxClassifier
from skdigits.datasets import fetch_mnist, make_digit_strings
from skdigits.reading import read_digits

X_train, y_train = fetch_mnist(return_X_y=True)
X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
model = ReluSoftmaxClassifier(max_iter=10, random_state=0).fit(X_train / 255, y_train)

fields, texts = make_digit_strings(
    X_test.reshape(-1, 28, 28), y_test, n_strings=100, random_state=0
)

# %%
# Four fields, the boxes found and what was read.
fig, axes = plt.subplots(4, 1, figsize=(8, 6))
for ax, field, text in zip(axes, fields, texts, strict=False):
    reading = read_digits(field, model, reject_threshold=0.9)
    ax.imshow(field, cmap="gray", vmin=0, vmax=255)
    for top, left, bottom, right in reading.boxes:
        ax.add_patch(
            plt.Rectangle(
                (left - 0.5, top - 0.5),
                right - left,
                bottom - top,
                fill=False,
                edgecolor="tab:red",
            )
        )
    ax.set_title(f"written {text}, read {reading.text}", fontsize=9)
    ax.set_axis_off()
fig.tight_layout()

# %%
# Over the 100 fields: how many are read exactly, and how many would go to a
# person with the reject option.
readings = [read_digits(field, model, reject_threshold=0.9) for field in fields]
exact = np.mean([r.text == t for r, t in zip(readings, texts, strict=True)])
flagged = np.mean(["?" in r.text for r in readings])
accepted = [(r, t) for r, t in zip(readings, texts, strict=True) if "?" not in r.text]
right = np.mean([r.text == t for r, t in accepted])
print(f"read exactly: {exact:.0%}; flagged for a person: {flagged:.0%}")
print(f"of the fields read without a '?', right: {right:.0%}")
