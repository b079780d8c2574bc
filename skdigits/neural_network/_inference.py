"""Prediction of a fitted dense network, in numpy: no Keras, no JAX.

The products run in float32, the network's precision (in float64 only for a
``dtype="float64"`` network on float64 input: float64 products take twice
the time and a float32 network has nothing more to give), and the
log-probabilities are computed from the logits in the input's dtype, so that
float64 probabilities sum to one to float64's precision.

The same input gives the same output bits whatever the process and its
thread budget (a joblib or Dask worker has one thread, a script every
core). OpenBLAS sums a product differently by how many threads share it
(measured: float32 products of 32 rows or more, and float64 ones of about
1,300, change in their last bits between one thread and two), so the rows go
through in chunks of a fixed size, on one BLAS thread. Running the chunks on
several Python threads at once was measured no faster in a process that has
trained (`benchmarks/README.md`), so they run in turn. A sample predicted in
another batch agrees to rounding (about 1e-6 relative), as a BLAS may sum a
row differently by its place in a chunk.
"""

import os
import threading

import numpy as np
import scipy.sparse as sp

from skdigits.neural_network._outputs import log_probabilities

# Values of X in a chunk of rows: 334 rows of MNIST's 784 pixels, 4096 of
# load_digits' 64. Fixed whatever the thread budget, so that the bits are.
CHUNK_VALUES = 2**18

_HIDDEN_ACTIVATIONS = {"relu": lambda x: np.maximum(x, 0, out=x)}

# BLAS's thread count is one setting for the whole process: one prediction at
# a time sets it to one (and puts it back), so that two cannot interleave.
_blas_lock = threading.Lock()
_blas = None


class DensePredictor:
    """The log-probabilities of a dense network's weights, in numpy."""

    def __init__(self, weights: dict):
        self.weights = weights

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
