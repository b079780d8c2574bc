"""Output layers: their probabilities and their losses, for numpy and JAX.

Four kinds of output, each computed from the logits so that nothing
underflows:

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

from skdigits.neural_network._ctc import ctc_losses

OUTPUTS = ("softmax", "normalized_sigmoid", "sigmoid", "binary", "ctc")

# The outputs whose targets are one class per sample, which a split can
# stratify on.
SINGLE_LABEL_OUTPUTS = ("softmax", "normalized_sigmoid", "binary")


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
