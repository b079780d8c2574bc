"""Read pickled numpy arrays without letting the pickle run arbitrary code."""

import pickle
from typing import IO, Any

import numpy as np

from skdigits._compat import numpy_reconstruct

# A pickle of numpy arrays (Python 2 era, protocol 2) names exactly these
# globals; numpy 2 moved ``numpy.core`` to ``numpy._core``.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): numpy_reconstruct(),
    ("numpy._core.multiarray", "_reconstruct"): numpy_reconstruct(),
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class NumpyArrayUnpickler(pickle.Unpickler):
    """Unpickler that admits only what numpy array reconstruction needs.

    Any other global (``os.system``, ``builtins.eval``, ...) raises
    :class:`pickle.UnpicklingError` before it can be called.
    """

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load global {module}.{name!s}: only numpy arrays "
                "are allowed in this pickle"
            ) from None


def load_numpy_pickle(file: IO[bytes]) -> Any:
    """Load a pickle made only of numpy arrays, tuples and numbers."""
    # latin1 reads the byte strings of Python 2 pickles as numpy expects.
    return NumpyArrayUnpickler(file, encoding="latin1").load()
