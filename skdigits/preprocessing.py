"""Preprocessing of digit images."""

from numbers import Real
from typing import ClassVar

import numpy as np
from scipy import sparse
from sklearn.base import (
    BaseEstimator,
    OneToOneFeatureMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from skdigits._digit_normalization import (
    INK_CONSTRAINTS,
    NoInkError,
    check_image,
    normalize_digit,
)
from skdigits._images import to_images

__all__ = ["DigitNormalizer", "NoInkError", "PixelScaler", "normalize_digit"]


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


class DigitNormalizer(TransformerMixin, BaseEstimator):
    """Digit images of any size and polarity to MNIST's format.

    Each image goes through MNIST's own procedure (LeCun et al.): its ink is
    cropped, scaled into a 20x20 box keeping its aspect ratio (anti-aliased
    when shrunk, with a cubic spline when enlarged), and centred by its
    centre of mass in a 28x28 field. Before that, what
    scans and photos need: the ink is found whatever its polarity ("auto":
    the paper is what the image's border mostly is), uneven paper is
    flattened, and noise specks are dropped while a stroke broken in two is
    kept. An image without ink is an error, never a guess.

    Stateless: ``fit`` learns nothing, so it goes in a pipeline before a
    classifier trained on MNIST pixels scaled to [0, 1] (``X / 255`` or
    :class:`PixelScaler`).

    Parameters
    ----------
    polarity : {"auto", "dark_on_light", "light_on_dark"}, default="auto"
        The ink's polarity: "auto" decides for each image.

    image_shape : tuple of int, default=None
        (height, width), when the images come as rows of pixels; square rows
        are inferred (64 -> 8x8). A 2-D array is rows of pixels, one image
        per row, as scikit-learn's X always is: one image is passed as
        ``[image]`` or ``image[np.newaxis]``. A square 2-D array, which could
        be one image or as many rows, is refused without ``image_shape``.

    on_empty : {"error", "zeros"}, default="error"
        What an image without ink gives: a ValueError naming it, or a row of
        zeros (which a user can find by its sum).

    min_contrast : float, default=5.0
        How many standard deviations of the paper the ink must stand above
        it; below, the image has no ink (a blank or noise-only field).

    min_piece : float, default=0.03
        Connected pieces of ink carrying less than this share of the image's
        ink are specks, and dropped.

    min_size : float, default=0.05
        Connected pieces of ink whose longer side is below this share of the
        image's shorter side (or below 3 pixels) are specks, and dropped; an
        image holding only specks has no ink.

    Examples
    --------
    >>> import numpy as np
    >>> from skdigits.preprocessing import DigitNormalizer
    >>> page = np.full((120, 80), 230, dtype=np.uint8)  # light paper
    >>> page[20:100, 35:45] = 20  # a dark "1"
    >>> X = DigitNormalizer().fit_transform([page])
    >>> X.shape, float(X.max())
    ((1, 784), 1.0)
    """

    _parameter_constraints: ClassVar[dict] = {
        "polarity": [StrOptions({"auto", "dark_on_light", "light_on_dark"})],
        "image_shape": ["array-like", None],
        "on_empty": [StrOptions({"error", "zeros"})],
        "min_contrast": INK_CONSTRAINTS["min_contrast"],
        "min_piece": INK_CONSTRAINTS["min_piece"],
        "min_size": INK_CONSTRAINTS["min_size"],
    }

    def __init__(
        self,
        *,
        polarity: str = "auto",
        image_shape: tuple[int, int] | None = None,
        on_empty: str = "error",
        min_contrast: float = 5.0,
        min_piece: float = 0.03,
        min_size: float = 0.05,
    ):
        self.polarity = polarity
        self.image_shape = image_shape
        self.on_empty = on_empty
        self.min_contrast = min_contrast
        self.min_piece = min_piece
        self.min_size = min_size

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and the images; learn nothing.

        Parameters
        ----------
        X : array-like of shape (n_images, height, width) or (n_images, n_pixels)
            The images, or a list of 2-D arrays.

        y : None
            Ignored.

        Returns
        -------
        self : DigitNormalizer
        """
        self._images(X)
        return self

    def transform(self, X) -> np.ndarray:
        """Normalize each image to 28x28, as a row of 784 pixels in [0, 1].

        Parameters
        ----------
        X : array-like of shape (n_images, height, width) or (n_images, n_pixels)
            The images: a 3-D array, a list of 2-D arrays of any shapes, or
            rows of pixels (see ``image_shape``).

        Returns
        -------
        X_mnist : ndarray of shape (n_images, 784)
            The normalized images, light ink on black, float64.
        """
        images = self._images(X)
        rows = np.zeros((len(images), 28 * 28))
        for i, image in enumerate(images):
            try:
                rows[i] = normalize_digit(
                    image,
                    polarity=self.polarity,
                    min_contrast=self.min_contrast,
                    min_piece=self.min_piece,
                    min_size=self.min_size,
                ).ravel()
            except NoInkError as exc:
                if self.on_empty == "error":
                    raise NoInkError(
                        f"image {i} has no ink: {exc}. Pass on_empty='zeros' to "
                        "get a row of zeros for it instead."
                    ) from exc
        return rows

    def _images(self, X) -> list:
        if isinstance(X, list | tuple):
            images = list(X)
        else:
            if sparse.issparse(X):  # rows of pixels, as sparse MNIST
                X = X.toarray()
            if isinstance(X, np.ma.MaskedArray):
                check_image(X, name="X")  # refused, with the reason
            X = np.asarray(X)
            if X.ndim == 3 and X.shape[-1] in (3, 4) and min(X.shape[:2]) > 4:
                raise ValueError(
                    f"X has shape {X.shape}: one colour image? DigitNormalizer "
                    "takes grayscale images: convert it (e.g. image.mean(axis=-1)) "
                    "and pass [image], or pass a 3-D array of grayscale images."
                )
            if X.ndim not in (2, 3):
                raise ValueError(
                    "Expected images as a 3-D array, a list of 2-D arrays or rows "
                    f"of pixels (2-D); got an array of {X.ndim} dimensions."
                )
            if X.ndim == 2 and self.image_shape is None:
                self._check_rows(X)
            images = list(to_images(X, self.image_shape))
        if not images:
            raise ValueError("Expected at least one image, got none.")
        return [check_image(image, name=f"image {i}") for i, image in enumerate(images)]

    @staticmethod
    def _check_rows(X) -> None:
        """Refuse a 2-D array that is, or may be, one image rather than rows."""
        n_rows, n_features = X.shape
        one_image = (
            "A 2-D array is read as rows of pixels, one image per row; to pass "
            "one image, pass [image] or image[np.newaxis]."
        )
        if n_rows == n_features and n_rows > 1:
            raise ValueError(
                f"X of shape {X.shape} is ambiguous: one {n_rows}x{n_features} "
                f"image, or {n_rows} rows of {n_features} pixels? {one_image} "
                "For rows, pass image_shape=(height, width)."
            )
        side = int(np.sqrt(n_features))
        if side * side != n_features:
            raise ValueError(
                f"X of shape {X.shape}: rows of {n_features} pixels, which is not "
                f"a square number, so the images' shape is unknown. {one_image} "
                "For rows of non-square images, pass image_shape=(height, width)."
            )

    def get_feature_names_out(self, input_features=None):
        """Names of the 784 output pixels, ``pixel0`` to ``pixel783``."""
        return np.asarray([f"pixel{i}" for i in range(28 * 28)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags
