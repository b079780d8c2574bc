"""Keras-backed neural-network classifiers with scikit-learn's API.

The estimators are thin: each says what its network is, and one engine
trains them all. A map of the engine, module by module:

- `_base`: ``BaseKerasClassifier``, the scikit-learn face: parameters,
  ``fit``/``partial_fit`` as a transaction, prediction, pickling, tags;
- `_targets`: targets, classes and sample weights, as plain functions;
- `_fit_loop`: ``FitLoop``, the epochs of one fit, with
  `_schedules` (the learning rate of each epoch), `_stopping` (when to
  stop, MLPClassifier's rule) and `_keras_callbacks` (the one bridge to
  Keras callbacks);
- `_fit_record`: ``FitRecord``, what a fit has produced, replaced whole each
  epoch; the fitted attributes are set from it, at once;
- `_training`: ``Trainer``, a network's compiled epoch program (traced from
  Keras once, exported and kept on disk);
- `_inference`: prediction without Keras, in numpy for dense networks or
  as an exported JAX program; `_frame_predictor`, the field reader's
  network in numpy;
- `_network` (the ``Network`` protocol and the dense networks'
  ``NetworkSpec``) and `_keras_network` (any Keras model, ``KerasNetwork``);
- `_outputs`: each kind of output, in one place: its probabilities, its
  training loss, its predictions and validation scores, its name in
  MLPClassifier's terms; `_ctc`, the texts of a sequence output;
- the estimators: `_sigmoid_net`, `_relu_softmax`, `_keras_classifier`,
  `_convnet`, and ``skdigits.field_reader.FieldReader``.

JAX and Keras themselves are imported and configured in
``skdigits._jax_runtime``; importing this package makes the Keras imported
next run on JAX, unless ``KERAS_BACKEND`` names a backend.
"""

from skdigits._jax_runtime.keras import select_jax_backend
from skdigits.neural_network._convnet import ConvNetClassifier
from skdigits.neural_network._keras_classifier import KerasClassifier
from skdigits.neural_network._relu_softmax import ReluSoftmaxClassifier
from skdigits.neural_network._sigmoid_net import SigmoidNetClassifier

# Before any Keras import: the user's, or that of a network builder being
# unpickled in a worker process (see `select_jax_backend`).
select_jax_backend()

__all__ = [
    "ConvNetClassifier",
    "KerasClassifier",
    "ReluSoftmaxClassifier",
    "SigmoidNetClassifier",
]
