"""
=============================================
Fine-tune the field reader on your own fields
=============================================

The reader shipped with skdigits learnt MNIST's writers. Fields written by
other people, or scanned otherwise, read less well; a few hundred of them,
labelled, teach it their writing. Here the "other writers" are
scikit-learn's ``load_digits`` (8x8 scans, enlarged): the reader is
fine-tuned with ``warm_start=True`` on fields written with half of its
digits, and measured on fields written with the other half, before and
after.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from skdigits.datasets import make_digit_fields
from skdigits.field_reader import default_reader

digits = load_digits()
images, labels = digits.images / 16, digits.target
half = len(images) // 2
own_fields, own_texts = make_digit_fields(
    images[:half], labels[:half], 400, random_state=0
)
test_fields, test_texts = make_digit_fields(
    images[half:], labels[half:], 200, random_state=1
)

reader = default_reader()
before = reader.score(test_fields, test_texts)

# %%
# ``warm_start=True`` continues from the shipped weights: the network is
# built with Keras for the fit, and reads with it after.
# :func:`~skdigits.field_reader.save_reader` keeps the tuned weights in a
# file that :func:`~skdigits.field_reader.load_reader` reads into a reader
# that reads in numpy, without Keras.
reader.set_params(warm_start=True, max_iter=4, batch_size=32, random_state=0)
reader.fit(own_fields, own_texts)
after = reader.score(test_fields, test_texts)
print(f"read exactly: {before:.1%} before, {after:.1%} after fine-tuning")

# %%
fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(["shipped", "fine-tuned"], [before, after], color=["#999", "#1f77b4"])
ax.set_ylim(0, 1)
ax.set_ylabel("fields read exactly")
ax.set_title("Other writers' fields (load_digits), 200 held out")
for x, value in enumerate([before, after]):
    ax.text(x, value + 0.02, f"{value:.1%}", ha="center")
fig.tight_layout()
