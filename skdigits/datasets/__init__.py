"""Digit data sets in scikit-learn's conventions."""

from skdigits.datasets._digit_strings import make_digit_strings
from skdigits.datasets._mnist import fetch_mnist

__all__ = ["fetch_mnist", "make_digit_strings"]
