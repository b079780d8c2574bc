"""ConvNetClassifier's network in numpy: its probabilities without Keras or JAX.

`ConvNetPredictor` computes what `_convnet.convnet` builds, at prediction (no
dropout), from the weights by their Keras names: a classifier saved as
weights (`skdigits.weights.save_weights`) predicts in a process that has
neither Keras nor JAX. Like `_inference.DensePredictor`, it works a fixed
number of rows at a time on one BLAS thread, so that its bits do not depend
on the thread budget.
"""

import numpy as np

from skdigits.neural_network._inference import _blas_controller, _blas_lock
from skdigits.neural_network._numpy_layers import conv2d_same
from skdigits.neural_network._outputs import log_probabilities

# Rows a chunk, whatever the thread budget, so that the bits are fixed.
CHUNK_ROWS = 256


class ConvNetPredictor:
    """The log-probabilities of a `convnet`'s weights, in numpy.

    ``weights`` maps ``layer/variable`` names (``"conv_1/kernel"``,
    ``"hidden_1/bias"``, ``"scores/kernel"``...) to their values;
    ``architecture`` holds `convnet`'s ``image_shape`` and ``strides``, the
    number of dense hidden layers ``n_hidden``, and the ``output``
    (`_outputs.OUTPUTS`).
    """

    def __init__(self, weights: dict, architecture: dict):
        self.weights = {name: np.asarray(w, np.float32) for name, w in weights.items()}
        self.architecture = dict(architecture)
        self.output = self.architecture["output"]

    @staticmethod
    def weight_shapes(params: dict, n_outputs: int) -> dict:
        """The shape of each weight of `convnet` with ``params`` (its own)."""
        shapes, channels = {}, 1
        rows, cols = params["image_shape"]
        kernel = params["kernel_size"]
        for i, (n_filters, stride) in enumerate(
            zip(params["filters"], params["strides"], strict=True), start=1
        ):
            shapes[f"conv_{i}/kernel"] = (kernel, kernel, channels, n_filters)
            shapes[f"conv_{i}/bias"] = (n_filters,)
            rows, cols, channels = -(-rows // stride), -(-cols // stride), n_filters
        units = rows * cols * channels
        for i, size in enumerate(params["hidden_layer_sizes"], start=1):
            shapes[f"hidden_{i}/kernel"] = (units, size)
            shapes[f"hidden_{i}/bias"] = (size,)
            units = size
        shapes["scores/kernel"] = (units, n_outputs)
        shapes["scores/bias"] = (n_outputs,)
        return shapes

    def log_proba(self, X) -> np.ndarray:
        """Class log-probabilities of validated X (dense or CSR), in X's dtype."""
        out = np.empty((X.shape[0], self.weights["scores/bias"].shape[0]), X.dtype)
        with _blas_lock, _blas_controller().limit(limits=1):
            for start in range(0, X.shape[0], CHUNK_ROWS):
                block = X[start : start + CHUNK_ROWS]
                if hasattr(block, "toarray"):
                    block = block.toarray()
                logits = self._logits(np.asarray(block, np.float32))
                out[start : start + len(logits)] = log_probabilities(
                    logits.astype(X.dtype, copy=False), self.output, np
                )
        return out

    def _logits(self, X: np.ndarray) -> np.ndarray:
        w = self.weights
        x = X.reshape(len(X), *self.architecture["image_shape"], 1)
        for i, stride in enumerate(self.architecture["strides"], start=1):
            x = conv2d_same(x, w[f"conv_{i}/kernel"], stride)
            x += w[f"conv_{i}/bias"]
            np.maximum(x, 0, out=x)
        # Keras' Flatten of channels-last images: rows, columns, channels.
        x = x.reshape(len(x), -1)
        for i in range(1, self.architecture["n_hidden"] + 1):
            x = x @ w[f"hidden_{i}/kernel"]
            x += w[f"hidden_{i}/bias"]
            np.maximum(x, 0, out=x)
        return x @ w["scores/kernel"] + w["scores/bias"]
