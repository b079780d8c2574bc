"""Fitted networks as weights files: saved and loaded without pickle or Keras.

A weights file (``.npz``) holds a fitted estimator's network: the parameters
that fix it, its classes and its weights by their Keras names, and no
pickled object, so that loading it runs no code from the file. The loaded
estimator predicts in numpy, without importing Keras or JAX; it builds its
Keras network from the weights when asked for ``model_`` or for a continued
fit (``warm_start=True``, ``partial_fit``).

`ConvNetClassifier` and `~skdigits.field_reader.FieldReader` save their
weights; the other estimators pickle. skdigits ships trained weights for
both (`shipped_model`), so that neither needs training first.
"""

import hashlib

import numpy as np

from skdigits._shipped import SHIPPED_MODELS
from skdigits.neural_network._weights_file import (
    SavesWeights,
    read_weights_file,
    write_weights_file,
)

__all__ = ["load_weights", "save_weights", "shipped_model"]


def _saving_classes() -> dict:
    """The estimators that have a weights file, by class name."""
    from skdigits.field_reader import FieldReader
    from skdigits.neural_network import ConvNetClassifier

    return {cls.__name__: cls for cls in (ConvNetClassifier, FieldReader)}


def save_weights(estimator: SavesWeights, path) -> None:
    """Write a fitted estimator's network to ``path``, an ``.npz`` weights file.

    The file is written to a temporary file, read back with `load_weights`
    and checked to predict as ``estimator`` does, then renamed: an
    interrupted or failed save leaves no file.

    Parameters
    ----------
    estimator : ConvNetClassifier or FieldReader
        A fitted estimator.

    path : str or path-like
        The file to write.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from sklearn.datasets import load_digits
    >>> from skdigits import ConvNetClassifier
    >>> from skdigits.weights import load_weights, save_weights
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ConvNetClassifier(filters=(4,), hidden_layer_sizes=(), max_iter=2,
    ...                         random_state=0).fit(X / 16, y)
    >>> path = Path(tempfile.mkdtemp()) / "convnet.npz"
    >>> save_weights(clf, path)
    >>> loaded = load_weights(path)
    >>> bool((loaded.predict(X / 16) == clf.predict(X / 16)).all())
    True
    """
    classes = _saving_classes()
    if type(estimator).__name__ not in classes or not isinstance(
        estimator, classes[type(estimator).__name__]
    ):
        raise TypeError(
            f"save_weights saves {' and '.join(sorted(classes))}; got "
            f"{type(estimator).__name__}: pickle it (or joblib) instead."
        )
    saved = estimator._saved_network()
    X = np.random.default_rng(0).random((2, estimator.n_features_in_), np.float32)
    expected = estimator._predictor.log_proba(X)

    def verify(temporary: str) -> None:
        computed = load_weights(temporary)._predictor.log_proba(X)
        if not np.allclose(computed, expected, rtol=1e-4, atol=1e-4):
            raise RuntimeError(
                "The saved weights do not compute the estimator's probabilities; "
                "please report it to skdigits."
            )

    write_weights_file(path, saved, verify)


def load_weights(path) -> SavesWeights:
    """The fitted estimator of a weights file written by `save_weights`.

    Parameters
    ----------
    path : str or path-like
        The weights file.

    Returns
    -------
    estimator : ConvNetClassifier or FieldReader
        The fitted estimator, predicting without Keras or JAX.
    """
    saved = read_weights_file(path)
    classes = _saving_classes()
    if saved.estimator not in classes:
        raise ValueError(
            f"{path} holds the weights of a {saved.estimator!r}; skdigits loads "
            f"those of {' and '.join(sorted(classes))}."
        )
    cls = classes[saved.estimator]
    unknown = sorted(set(saved.params) - set(cls._saved_params))
    if unknown:
        raise ValueError(f"{path} is damaged: it sets unknown parameters {unknown}.")
    return cls._from_saved_network(saved, path)


def shipped_model(name: str) -> SavesWeights:
    """A model skdigits ships, trained, ready to predict without training.

    Its file is checked against the SHA-256 recorded in skdigits before it
    is read. ``benchmarks/README.md`` has, for each, the command that
    trained it on MNIST's training digits and how well it does on MNIST's
    test digits.

    Parameters
    ----------
    name : {"convnet", "field_reader"}
        ``"convnet"``: `ConvNetClassifier` at its defaults, of 784 pixels in
        [0, 1] (``PixelScaler`` before it reads MNIST's 0-255);
        ``"field_reader"``: the default `~skdigits.field_reader.FieldReader`
        (`skdigits.field_reader.default_reader`).

    Returns
    -------
    estimator : ConvNetClassifier or FieldReader
        The fitted estimator, predicting without Keras or JAX.

    Examples
    --------
    >>> from skdigits.weights import shipped_model
    >>> clf = shipped_model("convnet")
    >>> clf.filters, clf.n_features_in_
    ((16, 64), 784)
    """
    if name not in SHIPPED_MODELS:
        raise ValueError(
            f"name must be one of {', '.join(sorted(SHIPPED_MODELS))}; got {name!r}."
        )
    shipped = SHIPPED_MODELS[name]
    path = shipped.path
    if not path.is_file():
        raise ValueError(
            f"This installation of skdigits lacks {path}: reinstall skdigits."
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != shipped.sha256:
        raise ValueError(
            f"{path} is not the file skdigits shipped (its SHA-256 is {digest}); "
            "reinstall skdigits."
        )
    return load_weights(path)
