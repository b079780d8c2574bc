"""The descriptions of the parameters the estimators share, written once.

An estimator's docstring keeps each parameter's line (its type and default,
which may differ) and puts ``{name}`` in place of a shared description;
`fill_shared_parameters` writes the descriptions in, as pandas' ``doc``
decorator does, so that help(), Sphinx and numpydoc see whole docstrings.
"""

import textwrap

SHARED_PARAMETERS = {
    "alpha": (
        "Strength of the L2 penalty on the kernels (not the biases, nor other "
        "weights), added to the loss as ``0.5 * alpha * ||W||² / "
        "n_batch_samples``, as in MLPClassifier."
    ),
    "learning_rate_init": (
        "The optimizer's learning rate: throughout, or at the start of the "
        "cosine schedule."
    ),
    "max_iter": (
        "Maximum number of epochs (passes over the training data); the cosine "
        "schedule runs them all."
    ),
    "tol": (
        "Tolerance for the optimization: when the training loss (or, with "
        "``early_stopping``, the validation accuracy) does not improve by at "
        "least ``tol`` for ``n_iter_no_change`` consecutive epochs, training "
        "stops. With the cosine schedule, only early stopping stops."
    ),
    "verbose": (
        "True (or 1) prints the loss of each epoch, as MLPClassifier does; 2 "
        "shows a Keras progress bar over the epochs "
        "(``keras.callbacks.ProgbarLogger``)."
    ),
    "early_stopping": (
        "Whether to set aside ``validation_fraction`` of the training data "
        "(stratified) and stop when the validation accuracy stops improving; "
        "the weights of the best epoch are kept."
    ),
    "n_iter_no_change": (
        "Maximum number of epochs without an improvement of ``tol``; "
        "``np.inf`` never stops on it."
    ),
    "optimizer": (
        "The Keras optimizer, by name or as an instance whose configuration is "
        "copied; its learning rate is always ``learning_rate_init``."
    ),
    "callbacks": (
        "Keras callbacks, called at the start and end of training and of each "
        "epoch with the epoch's ``logs`` (``loss``, and ``val_accuracy`` and "
        "``val_loss`` with early stopping). Their model holds the epoch's "
        "weights and the optimizer: setting ``stop_training = True`` (as "
        "``keras.callbacks.EarlyStopping`` does) stops training, weights a "
        "callback restores into the model are kept, and a learning rate it "
        "sets on ``model.optimizer`` (``ReduceLROnPlateau``, "
        "``LearningRateScheduler``) is the rate of the following epochs. An "
        "epoch is one compiled step: batch-level hooks are called once per "
        "epoch, with the epoch's logs."
    ),
    "learning_rate": (
        "The learning-rate schedule (MLPClassifier's name for it): "
        "``learning_rate_init`` throughout, or its cosine decay to 0 over "
        "``max_iter`` epochs, for long runs such as those with augmentation. A "
        "cosine schedule runs its ``max_iter`` epochs: ``tol`` does not stop it "
        "(``early_stopping`` still can), and reaching ``max_iter`` is no "
        "ConvergenceWarning. Continued training restarts the cycle (warm "
        "restarts, as in SGDR): each warm-started ``fit`` runs a new cycle of "
        "``max_iter`` epochs, and successive :meth:`partial_fit` calls step "
        "through a cycle of ``max_iter`` calls, then start the next. A "
        "learning-rate callback overrides the schedule for its epoch."
    ),
    "augmentation_params": (
        "Parameters of the distortion (see :mod:`skdigits.augmentation`): "
        '``alpha`` and ``sigma`` for "elastic"; ``rotation``, ``scale``, '
        '``shear``, ``translation`` and ``blur`` for "affine". They are '
        "checked before training."
    ),
    "class_weight": (
        'Weights of the classes in the loss, ``{label: weight}``, or "balanced" '
        "for ``n_samples / (n_classes * np.bincount(y))``, as in "
        ":class:`sklearn.linear_model.LogisticRegression`; they multiply "
        '``sample_weight``. Not for multilabel targets; "balanced" is not for '
        ":meth:`partial_fit`."
    ),
}


def fill_shared_parameters(cls):
    """Class decorator: write the shared descriptions into ``cls.__doc__``.

    A line that holds only ``{name}`` becomes the description of ``name``,
    at that line's indentation (Python 3.13 dedents docstrings, earlier
    versions do not); an unknown name is an error, at import.
    """
    if cls.__doc__ is None:  # python -OO strips docstrings
        return cls
    lines = []
    for line in cls.__doc__.splitlines():
        stripped = line.strip()
        if stripped.startswith("{") and stripped.endswith("}"):
            indent = line[: len(line) - len(line.lstrip())]
            line = textwrap.fill(
                SHARED_PARAMETERS[stripped[1:-1]],
                width=79,
                initial_indent=indent,
                subsequent_indent=indent,
                break_on_hyphens=False,
                break_long_words=False,
            )
        lines.append(line)
    cls.__doc__ = "\n".join(lines)
    return cls
