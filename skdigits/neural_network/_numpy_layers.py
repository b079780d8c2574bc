"""Keras' convolution and pooling layers in numpy, for prediction without Keras.

What the numpy predictors (`_frame_predictor.FramePredictor`,
`_conv_predictor.ConvNetPredictor`) share: each function computes the Keras
layer of its name on channels-last float32 arrays, as Keras on JAX does, so
that weights saved from a Keras network predict the same here.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

# Inputs of fewer channels are convolved as one product of every offset's
# pixels gathered as columns (`conv2d_same`): one product per offset would
# have too few columns for BLAS to be fast.
_FEW_CHANNELS = 32


def same_padding(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """The padding before and after an axis of ``size`` for "same" padding.

    The output has ``ceil(size / stride)`` positions; the padding they need
    is split with its smaller half before, as TensorFlow, Keras and XLA do.
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def conv2d_same(x: np.ndarray, kernel: np.ndarray, stride: int = 1) -> np.ndarray:
    """Keras' Conv2D with "same" padding and equal strides, without a bias.

    ``x`` is (n, rows, cols, n_in) and ``kernel`` (k_rows, k_cols, n_in,
    n_out). A stride of 1 over many channels is a sum of one product per
    offset of the kernel; otherwise one product of every offset's pixels
    gathered as columns (a stride skips positions, which the sum over
    offsets would compute and throw away).
    """
    k_rows, k_cols, n_in, n_out = kernel.shape
    n, rows, cols, _ = x.shape
    padded = np.pad(
        x,
        (
            (0, 0),
            same_padding(rows, k_rows, stride),
            same_padding(cols, k_cols, stride),
            (0, 0),
        ),
    )
    out_rows, out_cols = -(-rows // stride), -(-cols // stride)
    if n_in < _FEW_CHANNELS or stride != 1:
        windows = sliding_window_view(padded, (k_rows, k_cols), axis=(1, 2))
        windows = windows[:, ::stride, ::stride][:, :out_rows, :out_cols]
        columns = windows.transpose(0, 1, 2, 4, 5, 3).reshape(
            n * out_rows * out_cols, -1
        )
        products = columns @ kernel.reshape(-1, n_out)
        return products.reshape(n, out_rows, out_cols, n_out)
    # Each offset's pixels as the rows of one 2-D product: a product of
    # 3-D or 4-D arrays is a product for each of their leading indices.
    out = np.zeros((n * rows * cols, n_out), np.float32)
    for dy in range(k_rows):
        for dx in range(k_cols):
            pixels = padded[:, dy : dy + rows, dx : dx + cols, :]
            out += pixels.reshape(-1, n_in) @ kernel[dy, dx]
    return out.reshape(n, rows, cols, n_out)


def conv1d_same(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Keras' Conv1D with "same" padding, stride 1, an odd kernel, no bias."""
    size = kernel.shape[0]
    frames = x.shape[1]
    padded = np.pad(x, ((0, 0), (size // 2, size // 2), (0, 0)))
    n, _, n_in = x.shape
    out = np.zeros((n * frames, kernel.shape[2]), np.float32)
    for k in range(size):
        out += padded[:, k : k + frames, :].reshape(-1, n_in) @ kernel[k]
    return out.reshape(n, frames, -1)


def max_pool(x: np.ndarray, pool: tuple[int, int]) -> np.ndarray:
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
