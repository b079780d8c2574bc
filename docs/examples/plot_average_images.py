"""
===========================
The average image of digits
===========================

The mean of all training images of each digit, as a heatmap: where the ink
usually is. A network that sees a new image compares it, in effect, with
templates of this kind.
"""

# %%
from skdigits.datasets import fetch_mnist
from skdigits.inspect import AverageImageDisplay

X, y = fetch_mnist(return_X_y=True)
display = AverageImageDisplay.from_data(X, y, n_cols=5)

# %%
# The computed images are kept on the display: digit 1 has the least ink.
ink = display.average_images.mean(axis=(1, 2))
print(
    {
        int(label): round(float(value), 1)
        for label, value in zip(display.labels, ink, strict=True)
    }
)
