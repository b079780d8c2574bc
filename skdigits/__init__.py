"""Handwritten-digit recognition with Keras-backed scikit-learn classifiers.

The heavy dependencies (scikit-learn, Keras, JAX, matplotlib) are imported
only when the names that need them are first used, so ``import skdigits``
stays fast.
"""

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "augmentation",
    "datasets",
    "field_reader",
    "inspect",
    "metrics",
    "neural_network",
    "preprocessing",
    "reading",
)
_LAZY_NAMES = {
    "fetch_mnist": "datasets",
    "ConvNetClassifier": "neural_network",
    "KerasClassifier": "neural_network",
    "FieldReader": "field_reader",
    "SigmoidNetClassifier": "neural_network",
    "ReluSoftmaxClassifier": "neural_network",
    "PixelScaler": "preprocessing",
    "DigitNormalizer": "preprocessing",
}

__all__ = [*_SUBMODULES, *_LAZY_NAMES, "__version__"]


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY_NAMES:
        module = importlib.import_module(f"{__name__}.{_LAZY_NAMES[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
