"""The field reader's network in numpy: its frames' scores without Keras or JAX.

`FramePredictor` computes what `skdigits.field_reader.field_network` builds,
at prediction (batch normalization from its moving statistics, no dropout),
from the weights by their Keras names: a reader saved as weights
(`skdigits.field_reader.save_reader`) reads in a process that has neither
Keras nor JAX. Like `_inference.DensePredictor`, it works a fixed number of
fields at a time on one BLAS thread, so that its bits do not depend on the
thread budget.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from skdigits.neural_network._inference import _blas_controller, _blas_lock
from skdigits.neural_network._outputs import log_probabilities

# Fields a chunk, whatever the thread budget, so that the bits are fixed.
CHUNK_FIELDS = 64
# Inputs of fewer channels are convolved as one product (`_conv2d_same`):
# one product per offset would have too few columns for BLAS to be fast.
_FEW_CHANNELS = 32


class FramePredictor:
    """The frames' log-probabilities of a field reader's weights, in numpy.

    ``weights`` maps the Keras variables' paths (``"conv_1/kernel"``,
    ``"norm_1/moving_mean"``, ``"frames/kernel"``...) to their values;
    ``architecture`` holds `field_network`'s ``height``, ``width``,
    ``n_convolutions`` and ``epsilon`` (its batch normalization's).
    """

    def __init__(self, weights: dict, architecture: dict):
        self.weights = {name: np.asarray(w, np.float32) for name, w in weights.items()}
        self.architecture = dict(architecture)

    def log_proba(self, X) -> np.ndarray:
        """Log-probabilities of validated canvas rows, (n, n_frames, 1 + K)."""
        with _blas_lock, _blas_controller().limit(limits=1):
            blocks = [
                self._block(np.asarray(X[start : start + CHUNK_FIELDS], np.float32))
                for start in range(0, X.shape[0], CHUNK_FIELDS)
            ]
        return np.concatenate(blocks).astype(X.dtype, copy=False)

    def _block(self, X: np.ndarray) -> np.ndarray:
        w = self.weights
        height, width = self.architecture["height"], self.architecture["width"]
        epsilon = self.architecture["epsilon"]
        x = X.reshape(len(X), height, width, 1)
        for i in range(1, self.architecture["n_convolutions"] + 1):
            # Batch normalization folded into the convolution: its scale into
            # the kernel's outputs, its shift a bias. A bias and a ReLU
            # commute with the max of a pooling: both come after it, on a
            # quarter of the values.
            scale = w[f"norm_{i}/gamma"] / np.sqrt(
                w[f"norm_{i}/moving_variance"] + np.float32(epsilon)
            )
            shift = w[f"norm_{i}/beta"] - w[f"norm_{i}/moving_mean"] * scale
            x = _conv2d_same(x, w[f"conv_{i}/kernel"] * scale)
            x = _max_pool(x, (2 if x.shape[1] >= 2 else 1, 2 if i <= 2 else 1))
            x += shift
            np.maximum(x, 0, out=x)
        n, rows, frames, channels = x.shape
        x = x.transpose(0, 2, 1, 3).reshape(n * frames, rows * channels)
        x = np.maximum(x @ w["frames/kernel"] + w["frames/bias"], 0)
        x = _conv1d_same(x.reshape(n, frames, -1), w["context/kernel"])
        x = np.maximum(x.reshape(n * frames, -1) + w["context/bias"], 0)
        logits = x @ w["scores/kernel"] + w["scores/bias"]
        return log_probabilities(logits.reshape(n, frames, -1), "ctc", np)


def _conv2d_same(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Keras' Conv2D with "same" padding, stride 1, an odd kernel, no bias.

    A sum of one product per offset of the kernel; for an input of few
    channels, where each would be a product with a few columns, which BLAS
    runs slowly, one product of every offset's pixels gathered as columns.
    """
    k_rows, k_cols, n_in, n_out = kernel.shape
    n, rows, cols, _ = x.shape
    padded = np.pad(
        x, ((0, 0), (k_rows // 2, k_rows // 2), (k_cols // 2, k_cols // 2), (0, 0))
    )
    if n_in < _FEW_CHANNELS:
        windows = sliding_window_view(padded, (k_rows, k_cols), axis=(1, 2))
        columns = windows.transpose(0, 1, 2, 4, 5, 3).reshape(n * rows * cols, -1)
        products = columns @ kernel.reshape(-1, n_out)
        return products.reshape(n, rows, cols, n_out)
    # Each offset's pixels as the rows of one 2-D product: a product of
    # 3-D or 4-D arrays is a product for each of their leading indices.
    out = np.zeros((n * rows * cols, n_out), np.float32)
    for dy in range(k_rows):
        for dx in range(k_cols):
            pixels = padded[:, dy : dy + rows, dx : dx + cols, :]
            out += pixels.reshape(-1, n_in) @ kernel[dy, dx]
    return out.reshape(n, rows, cols, n_out)


def _conv1d_same(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Keras' Conv1D with "same" padding, stride 1, an odd kernel, no bias."""
    size = kernel.shape[0]
    frames = x.shape[1]
    padded = np.pad(x, ((0, 0), (size // 2, size // 2), (0, 0)))
    n, _, n_in = x.shape
    out = np.zeros((n * frames, kernel.shape[2]), np.float32)
    for k in range(size):
        out += padded[:, k : k + frames, :].reshape(-1, n_in) @ kernel[k]
    return out.reshape(n, frames, -1)


def _max_pool(x: np.ndarray, pool: tuple[int, int]) -> np.ndarray:
    """Keras' MaxPooling2D with strides equal to the pool, "valid" padding."""
    p_rows, p_cols = pool
    if pool == (1, 1):
        return x
    rows, cols = x.shape[1] // p_rows, x.shape[2] // p_cols
    # The maximum of the pool's strided views: a reduction over the middle
    # axes of a reshaped array is several times slower.
    views = [
        x[:, i : rows * p_rows : p_rows, j : cols * p_cols : p_cols]
        for i in range(p_rows)
        for j in range(p_cols)
    ]
    out = views[0].copy()
    for view in views[1:]:
        np.maximum(out, view, out=out)
    return out
