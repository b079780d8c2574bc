"""The weights file of a fitted network: an ``.npz`` of arrays and JSON, no pickle.

One layout for every estimator that saves its weights
(`skdigits.weights.save_weights`): the estimator's class name, the
parameters that fix its network, the fitted attributes prediction needs,
its classes, and the weights by ``layer/variable`` name. Reading it
runs no code from the file (``allow_pickle=False``), and every way it can be
damaged is a ValueError naming the file.
"""

import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

from skdigits._atomic_write import atomic_write

# A weights file whose arrays' headers declare more than this is refused
# before any array is read: a header may claim any size, and the shipped
# files are a few MB.
MAX_WEIGHTS_BYTES = 2**30

# The version of the layout, which `read_weights_file` checks. Layout 1 was
# the field reader's alone (no class name, no classes: its alphabet).
LAYOUT = 2
_READABLE_LAYOUTS = (1, 2)


@dataclass(frozen=True)
class SavedNetwork:
    """What a weights file holds.

    Attributes
    ----------
    estimator : str
        The class's name (``"ConvNetClassifier"``, ``"FieldReader"``).

    params : dict
        The parameters that fix the network, as JSON values.

    attributes : dict
        Fitted attributes as JSON values: ``n_features_in_``, the
        ``output`` (`_outputs.OUTPUTS`), the ``target_type``, and what the
        estimator adds.

    classes : ndarray
        ``classes_``.

    weights : dict of str to ndarray
        The network's variables by their Keras paths.
    """

    estimator: str
    params: dict
    attributes: dict
    classes: np.ndarray
    weights: dict


class SavesWeights(Protocol):
    """An estimator that `skdigits.weights.save_weights` saves and
    `~skdigits.weights.load_weights` loads.

    `_base.BaseKerasClassifier` implements it for a class that names the
    parameters that fix its network (``_saved_params``) and gives the numpy
    predictor of a file's weights (``_numpy_predictor(saved, path)``, which
    raises a ValueError naming ``path`` and a missing or misshapen weight).
    """

    _saved_params: ClassVar[tuple[str, ...]]
    n_features_in_: int
    _predictor: Any  # an `_inference.Predictor`

    def _saved_network(self) -> SavedNetwork:
        """What the weights file of this fitted estimator holds."""

    @classmethod
    def _from_saved_network(cls, saved: SavedNetwork, path: Any) -> "SavesWeights":
        """The fitted estimator of a weights file, predicting in numpy."""


def write_weights_file(
    path, saved: SavedNetwork, verify: Callable[[str], None]
) -> None:
    """Write ``saved`` to ``path``: whole and verified (``verify(temporary)``
    raises if the written file is wrong), or not at all."""
    classes = np.asarray(saved.classes)
    meta = {
        "format": LAYOUT,
        "estimator": saved.estimator,
        "params": saved.params,
        "attributes": saved.attributes,
        # Labels held as Python objects (strings from pandas) are written as
        # numpy strings, and given back as objects.
        "classes_dtype": "object" if classes.dtype == object else None,
    }
    if classes.dtype == object:
        classes = classes.astype(str)
    arrays = {
        "meta": np.array(json.dumps(meta, sort_keys=True)),
        "classes": classes,
        **{f"weights/{name}": value for name, value in saved.weights.items()},
    }
    with atomic_write(Path(path), verify=verify) as file:
        np.savez(file, **arrays)


def read_weights_file(path) -> SavedNetwork:
    """What the weights file ``path`` holds, or a ValueError naming it."""
    # numpy reads a file that is no archive as a pickle, which it refuses
    # with a message about pickles: this one says what the file is not.
    if Path(path).is_file() and not zipfile.is_zipfile(path):
        raise ValueError(
            f"{path} is not a weights file of skdigits (save_weights'): it is "
            "not an .npz archive."
        )
    try:
        declared = _declared_bytes(path)
        if declared > MAX_WEIGHTS_BYTES:
            raise ValueError(
                f"its arrays declare {declared:,} bytes, more than a weights file "
                f"holds ({MAX_WEIGHTS_BYTES:,})"
            )
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            weights = {
                name.removeprefix("weights/"): data[name]
                for name in data.files
                if name.startswith("weights/")
            }
            classes = data["classes"] if "classes" in data.files else None
    except (
        OSError,
        ValueError,
        KeyError,
        EOFError,
        zipfile.BadZipFile,
        json.JSONDecodeError,
    ) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise ValueError(
            f"{path} is not a weights file of skdigits (save_weights'): {error}"
        ) from None
    if not isinstance(meta, dict) or meta.get("format") not in _READABLE_LAYOUTS:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ValueError(
            f"{path} holds weights in layout {found!r}; this skdigits reads "
            f"layouts {', '.join(map(str, _READABLE_LAYOUTS))}."
        )
    try:
        if meta["format"] == 1:
            params = meta["params"]
            return SavedNetwork(
                estimator="FieldReader",
                params=params,
                attributes={
                    "epsilon": meta["epsilon"],
                    "n_features_in_": params["height"] * params["width"],
                    "n_outputs_": len(params["alphabet"]) + 1,
                    "output": "ctc",
                    "target_type": "sequence",
                },
                classes=np.array(list(params["alphabet"])),
                weights=weights,
            )
        if classes is None:
            raise KeyError("classes")
        if meta.get("classes_dtype") == "object":
            classes = classes.astype(object)
        return SavedNetwork(
            estimator=str(meta["estimator"]),
            params=dict(meta["params"]),
            attributes=dict(meta["attributes"]),
            classes=classes,
            weights=weights,
        )
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"{path} is damaged: its description lacks {error}.") from None


def _declared_bytes(path) -> int:
    """The bytes the arrays of the ``.npz`` at ``path`` declare, from their
    headers alone (a ValueError for a member that is no ``.npy`` array)."""
    readers = {
        (1, 0): np.lib.format.read_array_header_1_0,
        (2, 0): np.lib.format.read_array_header_2_0,
    }
    total = 0
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version not in readers:
                    raise ValueError(f"{info.filename} is in .npy version {version}")
                shape, _, dtype = readers[version](member)
                total += int(np.prod(shape, dtype=object)) * dtype.itemsize
    return total


def check_weight_shapes(weights: dict, expected: dict, path) -> None:
    """Raise a ValueError naming a missing, misshapen or non-finite weight."""
    for name, shape in expected.items():
        if name not in weights or weights[name].shape != tuple(shape):
            found = weights[name].shape if name in weights else "nothing"
            raise ValueError(
                f"{path} is damaged or does not match its parameters: {name} should "
                f"have shape {tuple(shape)}, found {found}."
            )
    if not all(np.isfinite(weights[name]).all() for name in expected):
        raise ValueError(f"{path} is damaged: it holds non-finite weights.")


def variable_names(model) -> dict:
    """The name in a weights file of each of ``model``'s variables, by id.

    ``layer/variable`` (``"conv_1/kernel"``), whatever the model's kind and
    name (a Sequential model's paths start with its own name). The dropout
    layers' random states are not weights: a loaded network draws its own.
    """
    return {
        id(variable): f"{layer.name}/{variable.name}"
        for layer in model.layers
        for variable in layer.weights
        if "seed_generator" not in variable.path
    }
