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

from skdigits.neural_network._inference import _blas_controller, _blas_lock
from skdigits.neural_network._numpy_layers import conv1d_same, conv2d_same, max_pool
from skdigits.neural_network._outputs import log_probabilities

# Fields a chunk, whatever the thread budget, so that the bits are fixed.
CHUNK_FIELDS = 64


class FramePredictor:
    """The frames' log-probabilities of a field reader's weights, in numpy.

    ``weights`` maps the Keras variables' paths (``"conv_1/kernel"``,
    ``"norm_1/moving_mean"``, ``"frames/kernel"``...) to their values;
    ``architecture`` holds `field_network`'s ``height``, ``width``,
    ``n_convolutions`` and ``epsilon`` (its batch normalization's).
    """

    output = "ctc"

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
            x = conv2d_same(x, w[f"conv_{i}/kernel"] * scale)
            x = max_pool(x, (2 if x.shape[1] >= 2 else 1, 2 if i <= 2 else 1))
            x += shift
            np.maximum(x, 0, out=x)
        n, rows, frames, channels = x.shape
        x = x.transpose(0, 2, 1, 3).reshape(n * frames, rows * channels)
        x = np.maximum(x @ w["frames/kernel"] + w["frames/bias"], 0)
        x = conv1d_same(x.reshape(n, frames, -1), w["context/kernel"])
        x = np.maximum(x.reshape(n * frames, -1) + w["context/bias"], 0)
        logits = x @ w["scores/kernel"] + w["scores/bias"]
        return log_probabilities(logits.reshape(n, frames, -1), "ctc", np)
