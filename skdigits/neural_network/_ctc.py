"""Connectionist temporal classification (CTC): texts from frames of scores.

A sequence network scores each of its ``T`` frames (columns of a field)
over a blank, index 0, and the ``K`` symbols of an alphabet, indices 1 to K.
A text is read from the frames by a path: one symbol or blank per frame,
repeats merged, blanks dropped (Graves et al., 2006). The probability of a
text is the sum over every path that reads it, not the product of the best
frame's scores; its negative logarithm is the CTC loss the network is
trained on.

Training computes the loss with ``keras.ops.ctc_loss`` inside the compiled
epoch; this module computes the same quantities in numpy for prediction,
without Keras or JAX.

Targets are rows of symbol indices padded with 0 (the blank never occurs
in a text), so that a row's length is its count of non-zero entries.
"""

import numpy as np

BLANK = 0


def encode_texts(texts, alphabet: str, *, what: str = "y") -> np.ndarray:
    """Texts as rows of symbol indices (1 to K) padded with the blank (0).

    Raises a ValueError naming the first text with a character outside
    ``alphabet``.
    """
    index = {char: i for i, char in enumerate(alphabet, start=1)}
    width = max((len(text) for text in texts), default=0)
    rows = np.zeros((len(texts), max(width, 1)), np.int32)
    for row, text in enumerate(texts):
        unknown = sorted(set(text) - set(index))
        if unknown:
            raise ValueError(
                f"{what}[{row}] = {text!r} has characters {unknown} outside the "
                f"alphabet {alphabet!r}."
            )
        rows[row, : len(text)] = [index[char] for char in text]
    return rows


def decode_labels(labels, alphabet: str) -> str:
    """The text of a row of symbol indices (the blanks, 0, skipped)."""
    return "".join(alphabet[i - 1] for i in labels if i != BLANK)


def best_path(log_proba: np.ndarray) -> list[np.ndarray]:
    """The labels of each field's most probable path (greedy decoding).

    ``log_proba`` has shape (n_fields, n_frames, 1 + K). The best path's text
    is a good reading but not always the most probable text: several paths
    add up to a text's probability (`text_log_likelihood` gives it).
    """
    frames = np.argmax(log_proba, axis=-1)
    texts = []
    for path in frames:
        keep = np.ones(path.shape, bool)
        keep[1:] = path[1:] != path[:-1]
        merged = path[keep]
        texts.append(merged[merged != BLANK])
    return texts


def text_log_likelihood(log_proba: np.ndarray, labels) -> float:
    """log P(text | frames): the CTC forward algorithm over one field.

    ``log_proba`` has shape (n_frames, 1 + K); ``labels`` are the text's
    symbol indices (1 to K). -inf where the frames are too few for the text.
    """
    labels = np.asarray(labels, np.intp)
    n_frames = log_proba.shape[0]
    # The extended text: blank, s1, blank, s2, ..., blank.
    extended = np.zeros(2 * len(labels) + 1, np.intp)
    extended[1::2] = labels
    n_states = len(extended)
    # A symbol may follow the symbol two states back (skipping the blank
    # between them) unless the two are the same symbol.
    can_skip = np.zeros(n_states, bool)
    can_skip[3::2] = labels[1:] != labels[:-1]
    alpha = np.full(n_states, -np.inf)
    alpha[0] = log_proba[0, BLANK]
    if n_states > 1:
        alpha[1] = log_proba[0, extended[1]]
    for t in range(1, n_frames):
        step = np.full(n_states, -np.inf)
        step[1:] = alpha[:-1]
        skip = np.full(n_states, -np.inf)
        skip[2:] = alpha[:-2]
        skip[~can_skip] = -np.inf
        alpha = np.logaddexp(np.logaddexp(alpha, step), skip) + log_proba[t, extended]
    return float(np.logaddexp(alpha[-1], alpha[-2]) if n_states > 1 else alpha[-1])


def text_losses(log_proba: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """The CTC loss (-log P(text)) of each field's target row (0-padded)."""
    return np.array(
        [
            -text_log_likelihood(frames, row[row != BLANK])
            for frames, row in zip(log_proba, targets, strict=True)
        ]
    )


def ctc_losses(targets, logits):
    """The CTC loss of each row in JAX, for the compiled training step.

    ``targets`` are 0-padded rows of symbol indices, ``logits`` the frames'
    unnormalised scores, of shape (batch, n_frames, 1 + K).
    """
    import jax.numpy as jnp

    from skdigits._jax_runtime.keras import import_keras

    keras = import_keras()
    lengths = jnp.sum(targets != BLANK, axis=1)
    n_frames = jnp.full(targets.shape[0], logits.shape[1])
    return keras.ops.ctc_loss(targets, logits, lengths, n_frames, mask_index=BLANK)
