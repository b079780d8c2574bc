"""Digit data sets in scikit-learn's conventions."""

from skdigits.datasets._digit_fields import FIELD_KINDS, make_digit_fields
from skdigits.datasets._digit_strings import make_digit_strings
from skdigits.datasets._mnist import fetch_mnist

__all__ = ["FIELD_KINDS", "fetch_mnist", "make_digit_fields", "make_digit_strings"]
