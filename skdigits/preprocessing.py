"""Preprocessing of digit images."""

from numbers import Real
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data


class PixelScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Scale pixel intensities from [0, max_value] to [0, 1].

    Unlike :class:`sklearn.preprocessing.MinMaxScaler`, which stretches each
    pixel by its own range (so a rarely-inked border pixel is blown up), all
    pixels share one scale, so an image keeps its shape. Integer input (such
    as MNIST's uint8 pixels) becomes float32; float input keeps its dtype.

    Parameters
    ----------
    max_value : float, default=255.0
        The intensity of a fully inked pixel: 255 for MNIST, 16 for
        :func:`sklearn.datasets.load_digits`.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string feature names.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.preprocessing import PixelScaler
    >>> PixelScaler().fit_transform(np.array([[0, 51, 255]], dtype=np.uint8))
    array([[0. , 0.2, 1. ]], dtype=float32)
    """

    _parameter_constraints: ClassVar[dict] = {
        "max_value": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, max_value: float = 255.0):
        self.max_value = max_value

    def fit(self, X, y=None):
        """Check X and remember its number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The pixels.

        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted scaler.
        """
        self._validate_params()
        validate_data(self, X, dtype=(np.float32, np.float64))
        return self

    def transform(self, X):
        """Divide the pixels by ``max_value``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The pixels.

        Returns
        -------
        X_scaled : ndarray of shape (n_samples, n_features)
            The pixels in [0, 1].
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=(np.float32, np.float64))
        return X / X.dtype.type(self.max_value)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
