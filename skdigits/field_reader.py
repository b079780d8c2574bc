"""Reading handwritten fields whole, without cutting them into digits.

`FieldReader` reads a field (a cheque amount, a postcode, a date, the boxes
of a form) as one image: a convolutional network scores each column of the
field over the alphabet and a blank, and connectionist temporal
classification (CTC, Graves et al., 2006) reads the text from those scores.
Nothing is segmented, so digits that touch, overlap, slant, or sit on a
printed line or in printed boxes are read as they come; the network learns
to ignore the furniture from fields that have it (see
`skdigits.datasets.make_digit_fields`).

It is trained on the engine of skdigits' classifiers: the same fit loop,
schedules, stopping rules, optimizers, callbacks, ``warm_start`` and
``partial_fit`` (fine-tuning on one's own fields), a ``random_state`` that
gives the same bits from fit to fit, and prediction without Keras once
fitted.
"""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
from scipy import ndimage
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from skdigits._digit_normalization import check_image
from skdigits._jax_runtime.keras import import_keras
from skdigits.formats import FieldFormat
from skdigits.neural_network import _targets as targets
from skdigits.neural_network._base import BaseKerasClassifier
from skdigits.neural_network._ctc import (
    beam_search,
    best_path,
    decode_labels,
    encode_texts,
    surest_frames,
    text_log_likelihood,
)
from skdigits.neural_network._docstrings import fill_shared_parameters
from skdigits.neural_network._frame_predictor import FramePredictor
from skdigits.neural_network._keras_network import KerasNetwork
from skdigits.neural_network._validation import positive_integers
from skdigits.neural_network._weights_file import check_weight_shapes
from skdigits.weights import load_weights, save_weights, shipped_model

__all__ = [
    "FieldReader",
    "FieldReading",
    "default_reader",
    "field_canvas",
    "load_reader",
    "read_image_files",
    "save_reader",
]

# Digits and the separators of amounts and dates.
DEFAULT_ALPHABET = "0123456789,.-/"

# The batch normalization's epsilon (Keras' default), and the frames the
# context convolution sees: `FramePredictor` computes the same network.
NORM_EPSILON = 1e-3
CONTEXT_FRAMES = 5

# The frames are the columns of the feature map after the first two
# poolings: one frame for every 4 columns of the canvas.
COLUMNS_PER_FRAME = 4


def field_canvas(fields, height: int, width: int) -> np.ndarray:
    """Fields as rows of a ``height`` x ``width`` canvas, light ink on black.

    Each field (a 2-D grayscale image of any size and either polarity: the
    paper is its median level) is cropped to its ink, with a margin of a
    tenth of the ink's height, so that the text fills the canvas' height
    whatever the field's margins; scaled to ``height`` rows, keeping its
    aspect; and placed at the canvas' left. A field that would then be
    wider than ``width`` is narrowed to it. The ink is scaled to [0, 1]
    above the paper.

    Returns an array of shape (n_fields, height * width), float32.
    """
    if isinstance(fields, np.ndarray) and fields.ndim == 2:
        raise ValueError(
            "X must be a list of field images (2-D arrays) or an array of "
            f"shape (n_fields, height, width); got a 2-D array of shape "
            f"{fields.shape}. Wrap a single field in a list."
        )
    fields = list(fields)
    if not fields:
        raise ValueError("X holds no field: a fit or a prediction needs one or more.")
    canvas = np.zeros((len(fields), height, width), np.float32)
    for i, field in enumerate(fields):
        ink = _cropped(_ink(check_image(field, name=f"X[{i}]")))
        rows, cols = ink.shape
        new_width = min(width, max(1, round(cols * height / rows)))
        canvas[i, :, :new_width] = _resize(ink, height, new_width)
    return canvas.reshape(len(fields), -1)


def _ink(image: np.ndarray) -> np.ndarray:
    """The field's ink above its paper, light on black, in [0, 1]."""
    image = image.astype(np.float64)
    paper = np.median(image)
    low, high = image.min(), image.max()
    # The ink is what lies far from the paper: on the side with the room.
    ink = image - paper if high - paper >= paper - low else paper - image
    top = ink.max()
    if top <= 0:
        return np.zeros_like(ink)
    return np.clip(ink / top, 0.0, 1.0)


def _cropped(ink: np.ndarray) -> np.ndarray:
    """The ink's bounding box (of its pixels above half the brightest), with
    a margin of a tenth of its height: the text fills the canvas' height
    whatever the field's margins."""
    rows = np.flatnonzero((ink > 0.5).any(axis=1))
    cols = np.flatnonzero((ink > 0.5).any(axis=0))
    if not len(rows):
        return ink
    margin = max(1, (rows[-1] - rows[0] + 1) // 10)
    top, bottom = max(rows[0] - margin, 0), rows[-1] + 1 + margin
    left, right = max(cols[0] - margin, 0), cols[-1] + 1 + margin
    return ink[top:bottom, left:right]


def _resize(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """``image`` at ``height`` x ``width``: block means, then linear steps."""
    rows, cols = image.shape
    k_rows, k_cols = max(1, rows // height), max(1, cols // width)
    if k_rows * k_cols > 1:
        # Padded with paper to whole blocks: the last columns' ink is kept.
        image = np.pad(image, ((0, -rows % k_rows), (0, -cols % k_cols)))
        rows, cols = image.shape
        image = image.reshape(rows // k_rows, k_rows, cols // k_cols, k_cols).mean(
            axis=(1, 3)
        )
    zoom = (height / image.shape[0], width / image.shape[1])
    resized = ndimage.zoom(image, zoom, order=1, mode="nearest", grid_mode=True)
    return np.clip(resized[:height, :width], 0.0, 1.0)


def field_network(
    meta: dict,
    *,
    height: int,
    width: int,
    filters: tuple[int, ...],
    context: int,
    dropout: float,
):
    """The Keras network of `FieldReader`: frames of scores over the alphabet.

    Rows of the canvas are reshaped to ``height`` x ``width`` images; each
    3x3 convolution of ``filters[i]`` ReLU units is followed by a 2x2
    pooling (the first two: a frame is 4 columns wide) or a pooling of the
    rows only (the others, while rows remain). Each frame's column of
    features then goes through a dense ReLU layer of ``context`` units, a
    1-D convolution of 5 frames (the neighbours a symbol's reading needs:
    where a digit ends, what touches it) and a softmax over the blank and
    the alphabet (``meta["n_outputs_"]``).
    """
    keras = import_keras()
    layers = keras.layers
    x = inputs = keras.Input((meta["n_features_in_"],))
    x = layers.Reshape((height, width, 1))(x)
    rows = height
    for i, n_filters in enumerate(filters):
        x = layers.Conv2D(
            n_filters, 3, padding="same", use_bias=False, name=f"conv_{i + 1}"
        )(x)
        x = layers.BatchNormalization(epsilon=NORM_EPSILON, name=f"norm_{i + 1}")(x)
        x = layers.Activation("relu")(x)
        pool = (2 if rows >= 2 else 1, 2 if i < 2 else 1)
        if pool != (1, 1):
            x = layers.MaxPooling2D(pool)(x)
        rows //= pool[0]
    _, rows, frames, channels = x.shape
    x = layers.Permute((2, 1, 3))(x)
    x = layers.Reshape((frames, rows * channels))(x)
    x = layers.Dense(context, activation="relu", name="frames")(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    x = layers.Conv1D(
        context, CONTEXT_FRAMES, padding="same", activation="relu", name="context"
    )(x)
    outputs = layers.Dense(meta["n_outputs_"], activation="softmax", name="scores")(x)
    return keras.Model(inputs, outputs, name="field_reader")


@dataclass(frozen=True)
class FieldReading:
    """What `FieldReader.read` read in one field.

    Attributes
    ----------
    text : str
        The text read ("" for a field read as empty).

    probability : float
        The probability of the whole text: the sum over every path of the
        network's frames that reads it (not a product of per-character
        maxima).

    rejected : bool
        Whether the field is not read: ``probability`` fell below the
        reader's threshold, no text of the format was found, or the field
        was read as saying nothing (a blank field, or noise).

    alternatives : list of dict
        For each character of ``text``, the probabilities of the symbols at
        the frame where it is most certain, the most probable first (the
        character itself, then the others above 1%).
    """

    text: str
    probability: float
    rejected: bool
    alternatives: list


def _never(self) -> bool:
    return False


@fill_shared_parameters
class FieldReader(BaseKerasClassifier):
    """Reads handwritten fields whole: a convolutional network trained with CTC.

    Each field (a 2-D image of any size and either polarity) is scaled to
    ``height`` rows on a canvas ``width`` pixels wide. The network scores
    every 4 columns of the canvas (a frame) over the blank and the symbols
    of ``alphabet``; the text is read from the frames without cutting the
    field into digits (connectionist temporal classification, Graves et
    al., 2006), so digits may touch, overlap and slant, and printed lines
    and boxes are learnt as paper.

    It fits on field images and their texts, and predicts texts; ``score``
    is the share of fields read exactly; :meth:`read` gives each text's
    probability, per-character alternatives and a rejection. Training runs
    on the engine of :class:`ConvNetClassifier` (its parameters, fit loop,
    schedules, early stopping, ``warm_start`` and :meth:`partial_fit` for
    fine-tuning, the same bits for an int ``random_state``); prediction
    runs an exported JAX program, without Keras.

    Parameters
    ----------
    alphabet : str, default="0123456789,.-/"
        The symbols the texts are written with, each once.

    height : int, default=32
        The canvas' height: every field is scaled to it.

    width : int, default=256
        The canvas' width; a field wider than it (at ``height``) is
        narrowed. The canvas has ``width // 4`` frames; a text of ``n``
        symbols needs ``n`` of them, and one more between equal neighbours.

    filters : array-like of shape (n_convolutions,), default=(16, 32, 64)
        The number of filters of each 3x3 convolution, two or more (the
        first two halve the columns twice, into frames).

    context : int, default=128
        The units of the dense layer and of the 1-D convolution over the
        frames.

    alpha : float, default=0.0001
        {alpha}

    batch_size : int or "auto", default="auto"
        Size of the mini-batches; "auto" means ``min(200, n_samples)``.

    learning_rate_init : float, default=0.001
        {learning_rate_init}

    max_iter : int, default=30
        {max_iter}

    shuffle : bool, default=True
        Whether to shuffle the fields at each epoch.

    random_state : int, RandomState instance or None, default=None
        Determines the initial weights, the shuffling, the dropout masks and
        the early-stopping split. An int gives the same predictions across
        fits and processes.

    tol : float, default=1e-4
        {tol}

    verbose : bool or int, default=False
        {verbose}

    warm_start : bool, default=False
        When True, ``fit`` continues from the fitted weights and optimizer
        state (fine-tuning on one's own fields); the network and the
        alphabet must stay the same.

    early_stopping : bool, default=False
        Whether to stop when the share of validation fields read exactly
        stops improving; ``validation_fraction`` of the fields are set
        aside for it.

    validation_fraction : float, default=0.1
        Fraction of the training fields set aside for early stopping.

    n_iter_no_change : int or np.inf, default=10
        {n_iter_no_change}

    dropout : float, default=0.25
        Fraction of the dense layer's outputs dropped in training.

    optimizer : str or keras.optimizers.Optimizer, default="adam"
        {optimizer}

    callbacks : list of keras.callbacks.Callback, default=None
        {callbacks}

    learning_rate : {"constant", "cosine"}, default="cosine"
        {learning_rate}

    reject_threshold : float, default=0.5
        :meth:`read` rejects a text whose probability is below it.

    Attributes
    ----------
    classes_ : ndarray of shape (n_symbols,)
        The alphabet's symbols; a frame's scores are the blank's, then
        theirs.

    loss_ : float
        The training loss (CTC's) of the last epoch.

    loss_curve_ : list of float
        The training loss of each epoch, across continued fits.

    best_loss_ : float or None
        The lowest training loss; None with ``early_stopping``.

    validation_scores_ : list of float or None
        The share of validation fields read exactly, each epoch; None
        without ``early_stopping``.

    best_validation_score_ : float or None
        The best of ``validation_scores_``; None without ``early_stopping``.

    n_iter_ : int
        The number of epochs run by the last call to ``fit``.

    t_ : int
        The number of training fields seen, across continued fits.

    n_layers_ : int
        The number of the Keras model's layers.

    n_outputs_ : int
        The scores of a frame: the blank and the alphabet's symbols.

    n_features_in_ : int
        The canvas' pixels, ``height * width``.

    model_ : keras.Model
        The fitted Keras network, from canvas rows to the frames' scores.

    history_ : dict of str to list
        The ``logs`` of each epoch, as Keras' ``History.history``.

    See Also
    --------
    skdigits.reading.read_digits : Reads fields by cutting them into digits.
    skdigits.datasets.make_digit_fields : Fields to train and test a reader.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skdigits.datasets import make_digit_fields
    >>> from skdigits.field_reader import FieldReader
    >>> digits = load_digits()
    >>> fields, texts = make_digit_fields(
    ...     digits.images / 16, digits.target, 8, kind="apart", length=(2, 3),
    ...     random_state=0)
    >>> reader = FieldReader(height=16, width=64, filters=(8, 16), context=32,
    ...                      max_iter=2, random_state=0).fit(fields, texts)
    >>> reader.n_outputs_  # the blank and 14 symbols
    15
    >>> len(reader.predict(fields))
    8
    >>> reading = reader.read(fields[:1])[0]
    >>> 0 <= reading.probability <= 1
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        **{
            name: constraint
            for name, constraint in BaseKerasClassifier._parameter_constraints.items()
            if name
            not in (
                "dtype",
                "augmentation",
                "augmentation_params",
                "image_shape",
                "class_weight",
            )
        },
        "alphabet": [str],
        "height": [Interval(Integral, 4, None, closed="left")],
        "width": [Interval(Integral, 8, None, closed="left")],
        "filters": ["array-like", Interval(Integral, 1, None, closed="left")],
        "context": [Interval(Integral, 1, None, closed="left")],
        "reject_threshold": [Interval(Real, 0, 1, closed="both")],
    }
    _network_name = "field_reader"
    # Not parameters: the reader trains in float32, on fields as they are
    # (the generator of training fields distorts them), every symbol alike.
    dtype = "float32"
    augmentation = None
    augmentation_params = None
    image_shape = None
    class_weight = None

    def __init__(
        self,
        alphabet: str = DEFAULT_ALPHABET,
        *,
        height: int = 32,
        width: int = 256,
        filters: Sequence[int] | int = (16, 32, 64),
        context: int = 128,
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate_init: float = 0.001,
        max_iter: int = 30,
        shuffle: bool = True,
        random_state=None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
        dropout: float = 0.25,
        optimizer="adam",
        callbacks: list | None = None,
        learning_rate: str = "cosine",
        reject_threshold: float = 0.5,
    ):
        self.alphabet = alphabet
        self.height = height
        self.width = width
        self.filters = filters
        self.context = context
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.dropout = dropout
        self.optimizer = optimizer
        self.callbacks = callbacks
        self.learning_rate = learning_rate
        self.reject_threshold = reject_threshold

    # Fitting -----------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the reader to field images and their texts.

        Parameters
        ----------
        X : list of array-like of shape (height, width)
            Field images, of any sizes, either polarity.

        y : array-like of shape (n_fields,) of str
            What each field says, in symbols of ``alphabet``.

        sample_weight : array-like of shape (n_fields,), default=None
            Weights of the fields in the loss; None weighs them equally.

        Returns
        -------
        self : object
            The fitted reader.
        """
        return self._fit(self._canvas(X), y, sample_weight, incremental=False)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the reader with one epoch over the given fields.

        Parameters
        ----------
        X : list of array-like of shape (height, width)
            Field images.

        y : array-like of shape (n_fields,) of str
            Their texts.

        sample_weight : array-like of shape (n_fields,), default=None
            Weights of the fields in the loss.

        Returns
        -------
        self : object
            The updated reader.
        """
        if self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        return self._fit(
            self._canvas(X),
            y,
            sample_weight,
            incremental=True,
            classes=list(self.alphabet),
        )

    def _canvas(self, X) -> np.ndarray:
        return field_canvas(X, int(self.height), int(self.width))

    def _n_frames(self) -> int:
        return int(self.width) // COLUMNS_PER_FRAME

    def _targets(self, y, continuing, incremental, classes) -> targets.Targets:
        """The texts as rows of symbol indices (`_ctc.encode_texts`)."""
        alphabet = self.alphabet
        if not alphabet or len(set(alphabet)) != len(alphabet):
            raise ValueError(
                f"alphabet must list one or more symbols, each once; got {alphabet!r}."
            )
        if continuing and list(alphabet) != list(self.classes_):
            raise ValueError(
                f"alphabet is {alphabet!r} but the fitted reader reads "
                f"{''.join(self.classes_)!r}: a continued fit keeps the alphabet. "
                "Fit with warm_start=False to train a new reader."
            )
        texts = np.asarray(y)
        if texts.ndim != 1 or not all(isinstance(text, str) for text in texts):
            raise ValueError(
                "y must be a sequence of texts (str), one per field; got "
                f"{type(y).__name__} of shape {texts.shape}."
            )
        Y = encode_texts(list(texts), alphabet)
        # A text needs a frame per symbol and a blank between repeated ones.
        needed = (Y > 0).sum(axis=1) + ((Y[:, 1:] == Y[:, :-1]) & (Y[:, 1:] > 0)).sum(
            axis=1
        )
        if needed.max() > self._n_frames():
            longest = int(np.argmax(needed))
            raise ValueError(
                f"y[{longest}] = {texts[longest]!r} needs {needed[longest]} frames, "
                f"but a canvas {self.width} pixels wide has {self._n_frames()}: "
                "increase width."
            )
        return targets.Targets(
            y=texts,
            Y=Y,
            classes=np.array(list(alphabet)),
            multilabel=False,
            type="sequence",
            n_outputs=len(alphabet) + 1,
        )

    def _make_network(self, meta, multilabel, seed):
        filters = positive_integers(self.filters, "filters", allow_empty=False)
        if len(filters) < 2:
            raise ValueError(
                f"filters must give two or more convolutions, got {self.filters!r}: "
                "the first two halve the columns twice, into frames."
            )
        params = {
            "height": int(self.height),
            "width": int(self.width),
            "filters": filters,
            "context": int(self.context),
            "dropout": float(self.dropout),
        }
        return KerasNetwork.build(
            import_keras(), field_network, params, meta, seed, multilabel
        )

    def _augmentation(self, n_features):
        return None

    # Weights files: the network's parameters, and its frames in numpy.
    _saved_params = (
        "alphabet",
        "height",
        "width",
        "filters",
        "context",
        "dropout",
        "reject_threshold",
    )

    def _saved_attributes(self) -> dict:
        return {"epsilon": NORM_EPSILON}

    def _numpy_predictor(self, saved, path):
        filters = positive_integers(self.filters, "filters", allow_empty=False)
        n_symbols, context = len(self.alphabet) + 1, int(self.context)
        expected = {"scores/kernel": (context, n_symbols), "scores/bias": (n_symbols,)}
        previous = 1
        for i, n_filters in enumerate(filters, start=1):
            expected[f"conv_{i}/kernel"] = (3, 3, previous, n_filters)
            for name in ("gamma", "beta", "moving_mean", "moving_variance"):
                expected[f"norm_{i}/{name}"] = (n_filters,)
            previous = n_filters
        rows = int(self.height)
        for _ in filters:
            rows //= 2 if rows >= 2 else 1
        expected["frames/kernel"] = (rows * filters[-1], context)
        expected["frames/bias"] = (context,)
        expected["context/kernel"] = (CONTEXT_FRAMES, context, context)
        expected["context/bias"] = (context,)
        check_weight_shapes(saved.weights, expected, path)
        return FramePredictor(
            saved.weights,
            {
                "height": int(self.height),
                "width": int(self.width),
                "n_convolutions": len(filters),
                "epsilon": float(saved.attributes["epsilon"]),
            },
        )

    # Prediction --------------------------------------------------------------

    def _frame_log_proba(self, X) -> np.ndarray:
        """The frames' log-probabilities, (n_fields, n_frames, 1 + n_symbols)."""
        check_is_fitted(self)
        return self._validated_log_proba(self._canvas(X))

    def predict(self, X) -> np.ndarray:
        """Read the text of each field.

        Parameters
        ----------
        X : list of array-like of shape (height, width)
            Field images.

        Returns
        -------
        texts : ndarray of shape (n_fields,) of str
            The text of each field's most probable path of frames.
        """
        alphabet = "".join(self.classes_)
        texts = [
            decode_labels(labels, alphabet)
            for labels in best_path(self._frame_log_proba(X))
        ]
        return np.array(texts, dtype=object)

    def read(
        self,
        X,
        *,
        format: "str | FieldFormat | None" = None,
        reject_threshold: float | None = None,
        beam_width: int = 16,
    ) -> list[FieldReading]:
        """Read each field with the probability of its text, and reject.

        The text is the most probable one found by a beam search over the
        frames (the texts on the beam, their probabilities summed over
        every path that reads them); with a ``format``, the most probable
        one of that format that passes its check. A field with no such text
        on the beam, or whose text's probability is below the threshold,
        is rejected.

        Parameters
        ----------
        X : list of array-like of shape (height, width)
            Field images.

        format : str or FieldFormat, default=None
            What the fields may say: a regular expression over the
            alphabet (``r"\\d{5}"``), or a
            :class:`~skdigits.formats.FieldFormat` with a check; None reads
            any text.

        reject_threshold : float, default=None
            The probability below which a text is rejected; None uses the
            reader's ``reject_threshold``.

        beam_width : int, default=16
            The texts kept at each frame of the search.

        Returns
        -------
        readings : list of FieldReading
            For each field, its text, the probability of that text, whether
            it is rejected, and each character's alternatives.
        """
        check_is_fitted(self)
        threshold = (
            self.reject_threshold if reject_threshold is None else reject_threshold
        )
        if isinstance(threshold, bool) or not (
            isinstance(threshold, Real) and 0 <= threshold <= 1
        ):
            raise ValueError(
                f"reject_threshold must be a probability in [0, 1]; got {threshold!r}."
            )
        if isinstance(beam_width, bool) or not (
            isinstance(beam_width, Integral) and beam_width >= 1
        ):
            raise ValueError(
                f"beam_width must be a positive integer; got {beam_width!r}."
            )
        alphabet = "".join(self.classes_)
        text_format = FieldFormat(format) if isinstance(format, str) else format
        if text_format is not None and not isinstance(text_format, FieldFormat):
            raise TypeError(
                "format must be a regular expression (str), a FieldFormat or None; "
                f"got {type(format).__name__}."
            )
        automaton = None if text_format is None else text_format.automaton(alphabet)
        check = None if text_format is None else text_format.check
        log_proba = self._frame_log_proba(X).astype(np.float64)
        return [
            _reading(frames, alphabet, automaton, check, threshold, int(beam_width))
            for frames in log_proba
        ]

    # A reader's outputs are texts, not classes with probabilities.
    @available_if(_never)
    def predict_proba(self, X):
        raise NotImplementedError

    @available_if(_never)
    def predict_log_proba(self, X):
        raise NotImplementedError

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.sparse = False
        tags.classifier_tags.multi_label = False
        tags.target_tags.one_d_labels = True
        return tags


# The texts on the beam whose exact probability is computed, the most
# probable by the beam first: the beam's own values are within rounding of
# the exact ones for the likely texts, and each exact value is a pass of
# the forward algorithm over every frame.
_EXACT_CANDIDATES = 4


def _reading(frames, alphabet, automaton, check, threshold, beam_width):
    """The `FieldReading` of one field's frames (see `FieldReader.read`)."""
    best = None
    candidates = (
        labels
        for labels, _ in beam_search(frames, beam_width, automaton)
        if check is None or check(decode_labels(labels, alphabet))
    )
    for labels in itertools.islice(candidates, _EXACT_CANDIDATES):
        # The exact probability: a path of the text may have left the beam.
        log_likelihood = text_log_likelihood(frames, labels)
        if best is None or log_likelihood > best[1]:
            best = labels, log_likelihood
    if best is None:  # nothing on the beam has the format
        return FieldReading(text="", probability=0.0, rejected=True, alternatives=[])
    labels, log_likelihood = best
    probability = float(np.exp(log_likelihood))
    proba = np.exp(frames)
    alternatives = [
        _character_alternatives(proba[frame, 1:], alphabet, label - 1)
        for label, frame in zip(labels, surest_frames(frames, labels), strict=True)
    ]
    return FieldReading(
        text=decode_labels(labels, alphabet),
        probability=probability,
        # A field read as saying nothing (blank, or only noise) is not read.
        rejected=probability < threshold or not len(labels),
        alternatives=alternatives,
    )


# A character's alternatives below this probability are left out.
_MIN_ALTERNATIVE = 0.01


def _character_alternatives(proba, symbols, chosen: int) -> dict:
    """A character's `FieldReading.alternatives`: the symbols' probabilities
    at its place, most probable first, of the ``chosen`` index and of the
    others of at least `_MIN_ALTERNATIVE`."""
    order = np.argsort(-proba, kind="stable")
    return {
        symbols[i]: float(proba[i])
        for i in order
        if i == chosen or proba[i] >= _MIN_ALTERNATIVE
    }


# Reading image files ----------------------------------------------------------

# Image files read at once: their fields' canvases and frames stay small.
FILES_PER_BATCH = 256


def read_image_files(
    paths,
    reader: FieldReader | None = None,
    *,
    format: "str | FieldFormat | None" = None,
    box=None,
    reject_threshold: float | None = None,
    client=None,
) -> list[FieldReading]:
    """Read the field of each image file (one field per file, or a box of it).

    Files are read `FILES_PER_BATCH` at a time, so that memory stays bounded
    however many there are. With a ``dask.distributed`` ``client``, the
    batches are read on its workers, the reader sent to each worker once
    (a reader loaded from weights, such as the shipped one, reads there
    without Keras); the files must be readable at the same paths there.

    Parameters
    ----------
    paths : sequence of str or path-like
        The image files (PNG, JPEG, TIFF...; `skdigits.image_files`).

    reader : FieldReader, default=None
        A fitted reader; None reads with `default_reader`.

    format : str or FieldFormat, default=None
        What the fields may say (see `FieldReader.read`).

    box : (top, left, bottom, right), default=None
        The box of each image to read; None reads the whole image.

    reject_threshold : float, default=None
        See `FieldReader.read`.

    client : dask.distributed.Client, default=None
        Where to read; None reads in this process.

    Returns
    -------
    readings : list of FieldReading
        The reading of each file, in the order of ``paths``.
    """
    reader = default_reader() if reader is None else reader
    check_is_fitted(reader)
    if isinstance(format, str):
        format = FieldFormat(format)
    paths = [str(path) for path in paths]
    batches = [
        paths[start : start + FILES_PER_BATCH]
        for start in range(0, len(paths), FILES_PER_BATCH)
    ]
    options = {"format": format, "box": box, "reject_threshold": reject_threshold}
    if client is None:
        return [
            reading
            for batch in batches
            for reading in _read_batch(batch, reader, **options)
        ]
    # A key of this call's own (not the reader's hash): a previous call's
    # release of the same key may still be under way on the workers.
    [remote_reader] = client.scatter([reader], broadcast=True, hash=False)
    futures = client.map(
        _read_batch, batches, reader=remote_reader, **options, pure=False
    )
    return [reading for batch in client.gather(futures) for reading in batch]


def _read_batch(paths, reader, *, format, box, reject_threshold) -> list[FieldReading]:
    from skdigits.image_files import read_image_file

    fields = [read_image_file(path, box=box) for path in paths]
    return reader.read(fields, format=format, reject_threshold=reject_threshold)


# Saved readers ----------------------------------------------------------------


def default_reader() -> FieldReader:
    """The reader shipped with skdigits, ready to read without training.

    It was trained on fields of MNIST's training digits of every kind of
    `skdigits.datasets.make_digit_fields` by ``benchmarks/train_field_reader.py``;
    ``benchmarks/README.md`` has the command, the file's SHA-256 and how well
    it reads fields of MNIST's test digits. Its file is checked against the
    recorded SHA-256 before it is read (`skdigits.weights.shipped_model`).

    Returns
    -------
    reader : FieldReader
        The fitted reader, reading without Keras or JAX.
    """
    return shipped_model("field_reader")


def save_reader(reader: FieldReader, path) -> None:
    """Write a fitted reader's weights to ``path``: an ``.npz`` file, no pickle.

    `skdigits.weights.save_weights` for a reader: `load_reader` reads the
    file into a reader that reads fields without Keras or JAX. It is
    written to a temporary file, read back and checked, then renamed: an
    interrupted save leaves no file.

    Parameters
    ----------
    reader : FieldReader
        A fitted reader.

    path : str or path-like
        The file to write (``.npz``).
    """
    if not isinstance(reader, FieldReader):
        raise TypeError(f"reader must be a FieldReader, got {type(reader).__name__}.")
    save_weights(reader, path)


def load_reader(path) -> FieldReader:
    """A fitted `FieldReader` from a weights file of `save_reader`.

    The reader predicts and reads in numpy, without Keras or JAX, and can
    be fine-tuned (``warm_start=True`` or ``partial_fit``), which builds its
    network with Keras from the weights.

    Parameters
    ----------
    path : str or path-like
        A file written by `save_reader`.

    Returns
    -------
    reader : FieldReader
        The fitted reader.
    """
    reader = load_weights(path)
    if not isinstance(reader, FieldReader):
        raise ValueError(
            f"{path} holds the weights of a {type(reader).__name__}, not of a "
            "field reader: load it with skdigits.weights.load_weights."
        )
    return reader
