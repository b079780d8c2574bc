"""Output layers: their probabilities, losses, predictions and scores.

Everything that depends on the kind of a network's output is here, so that
a new kind is an edit of this module. Five kinds, each computed from the
logits so that nothing underflows:

- ``"softmax"``: one unit per class, probabilities that sum to one;
- ``"normalized_sigmoid"``: one sigmoid unit per class, normalised to sum to
  one, ``p_k = s_k / sum_j s_j`` with ``s_k = sigmoid(z_k)``, computed as a
  softmax of log-sigmoids. This is what Keras' categorical cross-entropy does
  with sigmoid outputs, without its clipping;
- ``"sigmoid"``: independent sigmoid units, one per label, for multilabel
  targets (as MLPClassifier's logistic output);
- ``"binary"``: one sigmoid unit for two classes, the probability of the
  second (as MLPClassifier's binary output): the log-probabilities of both
  classes are ``log_sigmoid(-z)`` and ``log_sigmoid(z)``.

- ``"ctc"``: a sequence of frames, each a softmax over a blank and the
  symbols of an alphabet, read as texts by connectionist temporal
  classification (`_ctc`).

All but ``"sigmoid"`` and ``"ctc"`` are trained on the log-loss of their
probabilities; ``"sigmoid"`` on the binary cross-entropy summed over its
units; ``"ctc"`` on the negative log-probability of the target text, whose
targets are rows of symbol indices, not indicators.
"""

import numpy as np

from skdigits.neural_network._ctc import BLANK, best_path, ctc_losses, text_losses

OUTPUTS = ("softmax", "normalized_sigmoid", "sigmoid", "binary", "ctc")

# The outputs whose targets are one class per sample, which a split can
# stratify on.
STRATIFIED_OUTPUTS = ("softmax", "normalized_sigmoid", "binary")

# MLPClassifier's name for each output (its `out_activation_`).
OUT_ACTIVATIONS = {
    "softmax": "softmax",
    "normalized_sigmoid": "logistic",
    "sigmoid": "logistic",
    "binary": "logistic",
    "ctc": "softmax",  # over the blank and the alphabet, at each frame
}


def _log_sigmoid(z, xp):
    return -xp.logaddexp(0, -z)


def log_probabilities(logits, output: str, xp):
    """Log of the output probabilities, with ``xp`` numpy or jax.numpy."""
    if output == "sigmoid":
        return _log_sigmoid(logits, xp)
    if output == "binary":
        z = logits[:, :1]
        return xp.concatenate([_log_sigmoid(-z, xp), _log_sigmoid(z, xp)], axis=1)
    if output == "normalized_sigmoid":
        logits = _log_sigmoid(logits, xp)
    elif output not in ("softmax", "ctc"):
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


def sample_losses(y, logits, output: str, xp):
    """The loss of each sample (row), from targets ``y`` as 0/1 indicators
    (symbol indices for ``"ctc"``, whose loss is computed in JAX only)."""
    if output == "ctc":
        return ctc_losses(y, logits)
    if output == "sigmoid":
        # log(1 - s) = log_sigmoid(-z)
        return -xp.sum(
            y * _log_sigmoid(logits, xp) + (1 - y) * _log_sigmoid(-logits, xp),
            axis=1,
        )
    return -xp.sum(y * log_probabilities(logits, output, xp), axis=1)


def predicted_labels(log_proba, output: str):
    """Predictions from log-probabilities: label indices, or indicators."""
    if output == "sigmoid":
        return (log_proba > np.log(0.5)).astype(int)
    return np.argmax(log_proba, axis=1)


def validation_results(log_proba, Y, output: str):
    """Whether each sample is predicted right, and its loss, in numpy.

    ``Y`` are the targets as the training loss takes them; a text is right
    when its best path reads it exactly.
    """
    if output == "ctc":
        correct = np.array(
            [
                np.array_equal(labels, row[row != BLANK])
                for labels, row in zip(best_path(log_proba), Y, strict=True)
            ]
        )
        return correct, text_losses(log_proba, Y)
    if output == "sigmoid":
        correct = np.all(predicted_labels(log_proba, output) == Y, axis=1)
        losses = -(Y * log_proba + (1 - Y) * np.log1p(-np.exp(log_proba))).sum(axis=1)
        return correct, losses
    correct = predicted_labels(log_proba, output) == np.argmax(Y, axis=1)
    return correct, -(Y * log_proba).sum(axis=1)
