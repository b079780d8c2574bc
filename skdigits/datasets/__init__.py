"""Digit data sets in scikit-learn's conventions."""

from skdigits.datasets._mnist import fetch_mnist

__all__ = ["fetch_mnist"]
