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

import heapq
import math

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
    step = np.full(n_states, -np.inf)
    skip = np.full(n_states, -np.inf)
    for t in range(1, n_frames):
        step[1:] = alpha[:-1]
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


class _Unconstrained:
    """Every text: the automaton of no format."""

    initial = 0

    def step(self, state, symbol):
        return 0

    def accepts_state(self, state):
        return True


# Symbols below this probability at a frame are not tried there: they add
# nothing a beam would keep.
_MIN_SYMBOL_LOG_PROBA = np.log(1e-4)


def beam_search(log_proba: np.ndarray, beam_width: int, automaton=None) -> list:
    """The most probable texts of one field, best first (CTC prefix search).

    ``log_proba`` has shape (n_frames, 1 + K). Each text on the beam keeps
    its probability of ending in a blank and in a symbol, summed over the
    paths that read it, and its automaton's state: with an ``automaton``
    (`skdigits.formats.Automaton`: ``initial``, ``step(state, symbol)``,
    ``accepts_state(state)``), a text is extended only by the symbols it
    allows, and only texts it accepts are returned. Returns (labels,
    log-probability) pairs; the log-probabilities are the beam's, which
    may be below a text's own where a path of it fell off the beam
    (`text_log_likelihood` gives the exact value).
    """
    automaton = automaton or _Unconstrained()
    # The search adds a few thousand probabilities a field, one at a time:
    # in Python floats, which numpy's functions on scalars are slow at.
    # prefix -> [log P(ends in blank), log P(ends in a symbol), state]
    beams = {(): [0.0, -math.inf, automaton.initial]}
    for frame in log_proba:
        row = frame.tolist()
        symbols = (np.flatnonzero(frame[1:] >= _MIN_SYMBOL_LOG_PROBA) + 1).tolist()
        blank = row[BLANK]
        following = {}

        def add(prefix, state, ends_blank, ends_symbol, _following=following):
            entry = _following.get(prefix)
            if entry is None:
                _following[prefix] = [ends_blank, ends_symbol, state]
            else:
                entry[0] = _logaddexp(entry[0], ends_blank)
                entry[1] = _logaddexp(entry[1], ends_symbol)

        for prefix, (ends_blank, ends_symbol, state) in beams.items():
            total = _logaddexp(ends_blank, ends_symbol)
            # The last symbol again, with no blank between: the same text.
            again = ends_symbol + row[prefix[-1]] if prefix else -math.inf
            add(prefix, state, total + blank, again)
            for symbol in symbols:
                next_state = automaton.step(state, symbol)
                if next_state is None:
                    continue
                # A repeated symbol is a new one only after a blank.
                before = ends_blank if prefix and prefix[-1] == symbol else total
                add((*prefix, symbol), next_state, -math.inf, before + row[symbol])
        totals = {
            prefix: _logaddexp(entry[0], entry[1])
            for prefix, entry in following.items()
        }
        kept = heapq.nlargest(beam_width, totals, key=totals.__getitem__)
        beams = {prefix: following[prefix] for prefix in kept}
    texts = [
        (np.array(prefix, np.int32), _logaddexp(ends_blank, ends_symbol))
        for prefix, (ends_blank, ends_symbol, state) in beams.items()
        if automaton.accepts_state(state)
    ]
    return sorted(texts, key=lambda item: item[1], reverse=True)


def _logaddexp(a: float, b: float) -> float:
    """``log(exp(a) + exp(b))`` of two Python floats (as `np.logaddexp`)."""
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))


def surest_frames(log_proba: np.ndarray, labels) -> list[int]:
    """For each symbol of a text, the frame where it is surest.

    The text's most probable path (Viterbi) gives each symbol a run of
    frames; the frame of the run where the symbol's probability is highest
    is returned. ``labels`` must be readable from the frames (a finite
    `text_log_likelihood`).
    """
    labels = np.asarray(labels, np.intp)
    if not len(labels):
        return []
    extended = np.zeros(2 * len(labels) + 1, np.intp)
    extended[1::2] = labels
    n_states = len(extended)
    can_skip = np.zeros(n_states, bool)
    can_skip[3::2] = labels[1:] != labels[:-1]
    n_frames = log_proba.shape[0]
    score = np.full(n_states, -np.inf)
    score[0] = log_proba[0, BLANK]
    score[1] = log_proba[0, extended[1]]
    came_from = np.zeros((n_frames, n_states), np.intp)
    for t in range(1, n_frames):
        options = np.full((3, n_states), -np.inf)
        options[0] = score
        options[1, 1:] = score[:-1]
        options[2, 2:] = score[:-2]
        options[2, ~can_skip] = -np.inf
        move = np.argmax(options, axis=0)
        came_from[t] = np.arange(n_states) - move
        score = options[move, np.arange(n_states)] + log_proba[t, extended]
    state = n_states - 1 if score[-1] >= score[-2] else n_states - 2
    path = np.empty(n_frames, np.intp)
    for t in range(n_frames - 1, -1, -1):
        path[t] = state
        state = came_from[t, state]
    frames = []
    for i, symbol in enumerate(labels):
        run = np.flatnonzero(path == 2 * i + 1)
        frames.append(int(run[np.argmax(log_proba[run, symbol])]))
    return frames
