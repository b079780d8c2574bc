"""Class log-probabilities from the output layer's logits, for numpy and JAX."""

# Sigmoid units are normalised to sum to one, p_k = s_k / sum_j s_j with
# s_k = sigmoid(z_k), computed as a softmax of log-sigmoids so that it cannot
# underflow. This is also what Keras' categorical cross-entropy does with
# sigmoid outputs, without its clipping.
OUTPUT_ACTIVATIONS = ("softmax", "sigmoid")


def log_probabilities(logits, activation: str, xp):
    """Log of the class probabilities, with ``xp`` numpy or jax.numpy."""
    if activation == "sigmoid":
        logits = -xp.logaddexp(0, -logits)
    elif activation != "softmax":
        raise ValueError(
            f"output activation must be one of {OUTPUT_ACTIVATIONS}, got {activation!r}"
        )
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=1, keepdims=True))
