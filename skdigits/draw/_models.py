"""The model the drawing page reads with: a user's file, or the default one.

A user's model is a fitted classifier saved with pickle/joblib, or with
skops (``.skops``: loaded without running arbitrary code; types outside
scikit-learn and skdigits must be trusted by name). Otherwise one of
skdigits' models, by its name in `MODEL_NAMES` (by default "relu",
``PixelScaler() -> ReluSoftmaxClassifier()``): the convnet, which skdigits
ships trained, is loaded from its weights file; the others are trained at
their defaults on MNIST's 60,000 training images once, then loaded from the
user's cache folder.
"""

import math
import pickle
import warnings
from dataclasses import dataclass
from pathlib import Path

from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

import skdigits
from skdigits._atomic_write import atomic_write
from skdigits._shipped import SHIPPED_MODELS
from skdigits._user_cache import user_cache_dir
from skdigits.model_fitting import MODEL_NAMES
from skdigits.reading import infer_pixel_max

__all__ = ["ServedModel", "default_model", "default_model_path", "load_model"]

# For a user's model, whose error-reject curve is unknown.
DEFAULT_REJECT_THRESHOLD = 0.9


@dataclass(frozen=True)
class ServedModel:
    """A classifier of 784 MNIST pixels, with what the page says about it.

    Attributes
    ----------
    estimator : fitted classifier with ``predict_proba``

    description : str
        One line for the page: what the model is, and how good.

    reject_threshold : float
        Digits whose highest probability is below it are "not sure".

    pixel_max : float
        The value of a fully inked pixel in what ``estimator`` takes.

    field_reader : FieldReader or None, default=None
        A fitted `~skdigits.field_reader.FieldReader` that reads the whole
        drawing, digits that touch included, with its own rejection; None
        reads the digits ``estimator`` reads once cut apart.
    """

    estimator: object
    description: str
    reject_threshold: float
    pixel_max: float
    field_reader: object = None

    def __post_init__(self):
        # Checked here, where every way of serving a model passes, so that a
        # bad value is refused before the server starts, not at each request.
        if not 0.0 <= self.reject_threshold <= 1.0:
            raise ValueError(
                "reject_threshold must be a probability in [0, 1], got "
                f"{self.reject_threshold!r}."
            )
        if not 0.0 < self.pixel_max < math.inf:
            raise ValueError(
                f"pixel_max must be a finite positive number, got {self.pixel_max!r}."
            )
        if self.field_reader is not None and not hasattr(self.field_reader, "read"):
            raise ValueError(
                "field_reader must be a fitted FieldReader or None, got "
                f"{type(self.field_reader).__name__}."
            )


def check_servable(estimator, source: str) -> None:
    """Refuse what cannot read 28x28 digits, naming ``source``."""
    if not hasattr(estimator, "predict_proba") or not hasattr(estimator, "classes_"):
        raise ValueError(
            f"{source} is not a fitted classifier with predict_proba (got "
            f"{type(estimator).__name__})."
        )
    try:
        # A predictor that is no estimator (an exported model) has no fit.
        if hasattr(estimator, "fit"):
            check_is_fitted(estimator)
    except NotFittedError as exc:
        raise ValueError(f"{source} holds an unfitted estimator.") from exc
    n_features = getattr(estimator, "n_features_in_", 784)
    if n_features != 784:
        raise ValueError(
            f"{source} takes {n_features} features; the drawing page gives it "
            "28x28 = 784 MNIST pixels."
        )


def load_model(
    path,
    *,
    reject_threshold: float | None = None,
    pixel_max: float | None = None,
    trusted: tuple[str, ...] = (),
) -> ServedModel:
    """Load a fitted classifier of MNIST pixels from a file.

    Parameters
    ----------
    path : str or path-like
        A ``.skops`` file (needs the ``skops`` package), an ``.onnx`` file
        (`skdigits.onnx.OnnxClassifier`, needs the ``onnx`` extra), or any
        file that ``joblib.load`` reads (pickle or joblib). Unpickling runs
        code from the file: load only files you trust.

    reject_threshold : float, default=None
        Digits read with a lower probability are shown as "not sure";
        None means 0.9.

    pixel_max : float, default=None
        The value of a fully inked pixel in the model's input; None infers
        it: the pipeline's `PixelScaler` ``max_value`` when it starts with
        one, else 1.0.

    trusted : tuple of str, default=()
        For ``.skops`` files: types to trust besides scikit-learn's and
        skdigits' own (as ``skops.io.get_untrusted_types`` names them).

    Returns
    -------
    model : ServedModel
    """
    path = Path(path)
    estimator = read_model_file(path, trusted=trusted)
    check_servable(estimator, str(path))
    name = _describe(estimator)
    return ServedModel(
        estimator=estimator,
        description=f"{name} from {path.name}",
        reject_threshold=(
            DEFAULT_REJECT_THRESHOLD if reject_threshold is None else reject_threshold
        ),
        pixel_max=infer_pixel_max(estimator) if pixel_max is None else pixel_max,
    )


def read_model_file(path: Path, *, trusted: tuple[str, ...] = ()):
    """The fitted model in ``path``: skops, ONNX, or pickle and joblib."""
    if not path.is_file():
        raise FileNotFoundError(f"no model file at {path}")
    if path.suffix == ".skops":
        return _load_skops(path, trusted)
    if path.suffix == ".onnx":
        from skdigits.onnx import OnnxClassifier

        return OnnxClassifier(path)
    import joblib

    try:
        return joblib.load(path)
    except Exception as exc:  # a damaged pickle raises anything
        raise ValueError(
            f"{path} is not a readable pickle or joblib file: {exc}"
        ) from exc


def _load_skops(path: Path, trusted: tuple[str, ...]):
    try:
        import skops.io as sio
    except ImportError as exc:
        raise ImportError(
            f"{path} is a skops file; reading it needs skops: pip install skops"
        ) from exc
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:  # a damaged archive raises anything
        raise ValueError(f"{path} is not a readable skops file: {exc!r}") from exc
    ours = [name for name in untrusted if name.startswith("skdigits.")]
    unknown = sorted(set(untrusted) - set(ours) - set(trusted))
    if unknown:
        raise ValueError(
            f"{path} holds types that are not trusted: {', '.join(unknown)}. "
            "If you trust the file, name them with --trust."
        )
    try:
        return sio.load(path, trusted=[*ours, *trusted])
    except Exception as exc:
        raise ValueError(f"{path} is not a readable skops file: {exc!r}") from exc


def _describe(estimator) -> str:
    final = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    return type(final).__name__


def default_model_path(model: str = "relu") -> Path:
    """Where the named model is cached, per skdigits version.

    ``$XDG_CACHE_HOME/skdigits/models``, else ``~/.cache/skdigits/models``.
    """
    _check_model_name(model)
    return user_cache_dir() / "models" / f"draw-{model}-{skdigits.__version__}.pkl"


def _check_model_name(model: str) -> None:
    if model not in MODEL_NAMES:
        raise ValueError(
            f"model must be one of {', '.join(MODEL_NAMES)}; got {model!r}."
        )


def default_model(
    model: str = "relu",
    *,
    data_home=None,
    path=None,
    reject_threshold: float | None = None,
) -> ServedModel:
    """One of skdigits' models: shipped with it, or trained once and cached.

    The models skdigits ships trained ("convnet", `skdigits.weights.shipped_model`)
    are loaded from its files, with the figures their training script
    measured. The others are loaded from the cache, or trained and cached:
    training fits ``PixelScaler() -> estimator(random_state=0)``, the
    estimator at its defaults, on the 60,000 MNIST training images, printing
    its progress, and measures on the 10,000 test images its accuracy and
    the probability threshold that brings its error down to 0.5%. A cache
    file that cannot be read is replaced, with a warning.

    Parameters
    ----------
    model : {"relu", "sigmoid", "convnet"}, default="relu"
        The model, by its name in `skdigits.model_fitting.MODEL_NAMES`:
        ReluSoftmaxClassifier, SigmoidNetClassifier or ConvNetClassifier.

    data_home : str or path-like, default=None
        MNIST's cache folder (see `skdigits.datasets.fetch_mnist`).

    path : str or path-like, default=None
        The cache file of a model that is not shipped; None means
        `default_model_path`.

    reject_threshold : float, default=None
        Overrides the measured threshold.

    Returns
    -------
    model : ServedModel
    """
    _check_model_name(model)
    if model in SHIPPED_MODELS:
        saved = _shipped_default(model)
    else:
        path = default_model_path(model) if path is None else Path(path)
        saved = _read_cached(path)
        if saved is None:
            saved = _train_default(model, data_home)
            _write_cached(saved, path)
    accuracy, threshold = saved["accuracy"], saved["reject_threshold"]
    return ServedModel(
        estimator=saved["estimator"],
        description=(
            f"default {MODEL_NAMES[model]} ({accuracy:.2%} on the MNIST test set)"
        ),
        reject_threshold=threshold if reject_threshold is None else reject_threshold,
        pixel_max=infer_pixel_max(saved["estimator"]),
    )


def _read_cached(path: Path) -> dict | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as file:
            saved = pickle.load(file)
        check_servable(saved["estimator"], str(path))
        float(saved["accuracy"]), float(saved["reject_threshold"])
    except Exception as exc:  # any damage means: train again
        warnings.warn(
            f"The cached default model {path} cannot be used ({exc!r}); "
            "training it again.",
            stacklevel=3,
        )
        return None
    return saved


def _shipped_default(model: str) -> dict:
    """The model skdigits ships trained, with the figures its script measured."""
    import numpy as np
    from sklearn.pipeline import make_pipeline

    from skdigits.preprocessing import PixelScaler
    from skdigits.weights import shipped_model

    figures = SHIPPED_MODELS[model].figures
    scaler = PixelScaler().fit(np.zeros((1, 784), np.uint8))
    return {
        "estimator": make_pipeline(scaler, shipped_model(model)),
        "accuracy": figures["accuracy"],
        "reject_threshold": figures["reject_threshold"],
    }


def _train_default(model: str, data_home) -> dict:
    from skdigits.datasets import fetch_mnist
    from skdigits.model_fitting import fit_default_model

    X_train, y_train = fetch_mnist(data_home=data_home, return_X_y=True)
    X_test, y_test = fetch_mnist(data_home=data_home, subset="test", return_X_y=True)
    print(
        f"Training {MODEL_NAMES[model]} on {len(X_train)} MNIST images "
        "(once; it is cached for the next time).",
        flush=True,
    )
    return fit_default_model(model, X_train, y_train, X_test, y_test)


def _write_cached(saved: dict, path: Path) -> None:
    """Write ``saved`` to ``path`` whole or not at all; warn if it cannot."""
    try:
        with atomic_write(path) as file:
            pickle.dump(saved, file, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError as exc:
        warnings.warn(
            f"The default model could not be cached in {path} ({exc}); it will "
            "be trained again next time.",
            stacklevel=3,
        )
