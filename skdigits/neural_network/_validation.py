"""Checks of the estimators' parameters that `validate_params` cannot word."""

from numbers import Integral

import numpy as np


def positive_integers(value, name: str, *, allow_empty: bool) -> tuple[int, ...]:
    """``value`` (an int or a sequence of them) as a tuple of positive ints.

    Raises a ValueError naming ``name`` for anything else: a bool, a float,
    a non-positive value, or an empty sequence unless ``allow_empty``.
    """
    values = list(value) if np.iterable(value) else [value]
    if (not values and not allow_empty) or not all(
        isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in values
    ):
        raise ValueError(
            f"{name} must be {'' if allow_empty else 'one or more '}positive "
            f"integers, got {value!r}."
        )
    return tuple(int(v) for v in values)
