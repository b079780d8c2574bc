"""Prediction of a fitted network, without Keras.

Two predictors (`Predictor`), each with ``log_proba(X)`` for validated X
(dense or CSR):

- `DensePredictor`, for the dense networks (`_network.NetworkSpec`): numpy,
  no JAX either. The products run in float32, the network's precision (in
  float64 only for a ``dtype="float64"`` network on float64 input: float64
  products take twice the time and a float32 network has nothing more to
  give), and the log-probabilities are computed from the logits in the
  input's dtype, so that float64 probabilities sum to one to float64's
  precision.
- `ExportedPredictor`, for any other network (`_keras_network.KerasNetwork`):
  its logits as an exported JAX program (`_training.Trainer.inference_program`),
  with the weights as arguments.

The same input gives the same output bits whatever the process and its
thread budget (a joblib or Dask worker has one thread, a script every
core). OpenBLAS sums a product differently by how many threads share it, so
the rows go through in chunks of a fixed size, on one BLAS thread. Running
the chunks on several Python threads at once is no faster in a process that
has trained, so they run in turn (the measurements: ``docs/design.rst``). A
sample predicted in another batch agrees to rounding (about 1e-6 relative),
as a BLAS may sum a row differently by its place in a chunk.
"""

import hashlib
import os
import threading
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from skdigits.neural_network._outputs import log_probabilities

# Values of X in a chunk of rows: 334 rows of MNIST's 784 pixels, 4096 of
# load_digits' 64. Fixed whatever the thread budget, so that the bits are.
# An exported program's chunks are padded to a power of two rows, so that a
# few batch sizes are compiled, whatever the number of rows asked.
CHUNK_VALUES = 2**18

_HIDDEN_ACTIVATIONS = {"relu": lambda x: np.maximum(x, 0, out=x)}

# BLAS's thread count is one setting for the whole process: one prediction at
# a time sets it to one (and puts it back), so that two cannot interleave.
_blas_lock = threading.Lock()
_blas = None


class Predictor(Protocol):
    """What predicts for a fitted estimator (its ``_predictor``).

    ``output`` is the kind of the network's output (`_outputs.OUTPUTS`),
    which says how its log-probabilities become predictions.
    """

    output: str

    def log_proba(self, X) -> np.ndarray:
        """The log-probabilities of validated X."""


class DensePredictor:
    """The log-probabilities of a dense network's weights, in numpy."""

    def __init__(self, weights: dict):
        self.weights = weights

    @property
    def output(self) -> str:
        """The output layer's kind: the activation of the last layer."""
        return self.weights["float32"][-1][2]

    def log_proba(self, X) -> np.ndarray:
        """Class log-probabilities of validated X (dense or CSR), in X's dtype."""
        return forward(X, self.weights)


def inference_weights(spec, state) -> dict:
    """(coef, intercept, activation) of each Dense layer, by the input's dtype."""
    layers = list(
        zip(state.trainable[::2], state.trainable[1::2], spec.activations, strict=True)
    )
    by_dtype = {
        dtype: [(np.asarray(c, dtype), np.asarray(b, dtype), a) for c, b, a in layers]
        for dtype in {"float32", spec.dtype}
    }
    return {"float32": by_dtype["float32"], "float64": by_dtype[spec.dtype]}


def forward(X, weights) -> np.ndarray:
    """Class log-probabilities of validated X (dense or CSR), in X's dtype."""
    dtype = X.dtype
    layers = weights[dtype.name]
    rows = max(CHUNK_VALUES // X.shape[1], 1)
    out = np.empty((X.shape[0], layers[-1][0].shape[1]), dtype=dtype)
    with _blas_lock, _blas_controller().limit(limits=1):
        for start in range(0, X.shape[0], rows):
            block = X[start : start + rows]
            if sp.issparse(block):
                block = block.toarray()
            out[start : start + block.shape[0]] = _forward_block(block, layers, dtype)
    return out


def _forward_block(X, layers, dtype):
    """Log-probabilities of the rows of dense X, in ``dtype``; X is not changed."""
    *hidden, (coef, intercept, output) = layers
    activation = np.asarray(X, dtype=coef.dtype)  # a copy only to float32
    for hidden_coef, hidden_intercept, name in hidden:
        activation = activation @ hidden_coef
        activation += hidden_intercept
        activation = _HIDDEN_ACTIVATIONS[name](activation)
    logits = activation @ coef
    logits += intercept
    return log_probabilities(logits.astype(dtype, copy=False), output, np)


def _blas_controller():
    """threadpoolctl's handle on the BLAS libraries numpy loaded."""
    global _blas
    if _blas is None:
        from threadpoolctl import ThreadpoolController

        _blas = ThreadpoolController().select(user_api="blas")
    return _blas


def _after_fork_in_child() -> None:
    # A forked child (multiprocessing's default on Linux before Python 3.14)
    # may hold the lock, as the parent's predicting thread did when it forked:
    # its first prediction would wait forever.
    global _blas_lock
    _blas_lock = threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


# The compiled prediction of each exported program, shared by the predictors
# of the same network (the fits of a search), by the program's digest.
_calls: dict[str, object] = {}
_calls_lock = threading.Lock()


class ExportedPredictor:
    """The log-probabilities of a network run as an exported JAX program.

    Rows go through in chunks padded to a power of two (a program is
    compiled for each size, once per process), so that a prediction
    compiles at most a few times whatever the number of rows. Pickles
    without JAX objects.
    """

    def __init__(self, program: bytes, batch, trainable, non_trainable, output):
        self.program = program
        self.batch = batch
        self.trainable = [np.asarray(v) for v in trainable]
        self.non_trainable = [np.asarray(v) for v in non_trainable]
        self.output = output
        self.digest = hashlib.sha256(program).hexdigest()

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def _call(self):
        call = _calls.get(self.digest)
        if call is None:
            import jax
            from jax import export

            with _calls_lock:
                call = _calls.setdefault(
                    self.digest,
                    jax.jit(export.deserialize(bytearray(self.program)).call),
                )
        return call

    def logits(self, X) -> np.ndarray:
        """The network's float32 logits of validated X (dense or CSR)."""
        call = self._call()
        n_rows, n_features = X.shape
        chunk = self.batch or _power_of_two_at_most(max(CHUNK_VALUES // n_features, 1))
        out = None
        for start in range(0, n_rows, chunk):
            block = X[start : start + chunk]
            if sp.issparse(block):
                block = block.toarray()
            size = self.batch or min(chunk, _next_power_of_two(block.shape[0]))
            padded = np.zeros((size, n_features), np.float32)
            padded[: block.shape[0]] = block
            logits = np.asarray(call(self.trainable, self.non_trainable, padded))
            if out is None:
                out = np.empty((n_rows, *logits.shape[1:]), np.float32)
            out[start : start + block.shape[0]] = logits[: block.shape[0]]
        return out

    def log_proba(self, X) -> np.ndarray:
        """Class log-probabilities of validated X, in X's dtype."""
        logits = self.logits(X).astype(X.dtype, copy=False)
        return log_probabilities(logits, self.output, np)


def _next_power_of_two(n: int) -> int:
    return 1 << max(n - 1, 0).bit_length()


def _power_of_two_at_most(n: int) -> int:
    return 1 << (n.bit_length() - 1)
