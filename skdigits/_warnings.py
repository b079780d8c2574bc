"""Warnings that name the user's call."""

import functools
import inspect
from pathlib import Path

from sklearn.base import _fit_context

_PACKAGE = str(Path(__file__).resolve().parent)


@functools.cache
def _fit_context_code():
    """The code of scikit-learn's `_fit_context` wrapper around ``fit``."""
    return _fit_context(prefer_skip_nested_validation=True)(lambda self: self).__code__


def _is_ours(frame) -> bool:
    """Whether ``frame`` runs skdigits' code, or scikit-learn's wrapper of it."""
    return frame.f_code is _fit_context_code() or str(
        Path(frame.f_code.co_filename).resolve()
    ).startswith(_PACKAGE)


def find_stack_level() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside skdigits.

    Counted from the frames, as pandas does, so that a warning issued deep in
    the engine names the user's line (or scikit-learn's, for a fit inside a
    search) however many of skdigits' frames lie between, and stays right
    when one is added. scikit-learn's `_fit_context` wrapper around ``fit``
    counts as skdigits'.
    """
    frame = inspect.currentframe()
    level = 0
    try:
        while frame is not None and _is_ours(frame):
            frame = frame.f_back
            level += 1
    finally:
        del frame
    return level
