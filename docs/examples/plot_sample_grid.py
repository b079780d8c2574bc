"""
========================================
Sample images and the label distribution
========================================

A first look at MNIST: a grid of training images with their labels, and how
many images of each digit the training and test sets hold.
"""

# %%
# Load the data: 60,000 training and 10,000 test images of 28x28 pixels.
from skdigits.datasets import fetch_mnist
from skdigits.inspect import LabelDistributionDisplay, SampleGridDisplay

mnist = fetch_mnist()
y_test = fetch_mnist(subset="test").target
print(mnist.data.shape, mnist.images.shape, mnist.data.dtype)

# %%
# Thirty images drawn at random, with their labels.
SampleGridDisplay.from_data(mnist.data, mnist.target, n_samples=30, random_state=0)

# %%
# The classes are nearly balanced: 1 is the most frequent digit, 5 the least.
display = LabelDistributionDisplay.from_labels(mnist.target, y_test)
print(display.counts)
