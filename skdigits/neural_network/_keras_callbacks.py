"""Keras callbacks on skdigits' epoch loop: the one place they are called.

The loop runs whole epochs in one compiled call, so callbacks see epochs,
not batches: ``on_train_begin``, ``on_epoch_begin``, one
``on_train_batch_end`` at the end of each epoch (for the progress bar),
``on_epoch_end`` and ``on_train_end``. They get a Keras model holding the
current weights, with an optimizer whose ``learning_rate`` they may read and
set (``ReduceLROnPlateau``, ``LearningRateScheduler``), and may set
``model.stop_training`` or restore other weights (``EarlyStopping``'s
``restore_best_weights``).
"""

import dataclasses

import numpy as np

from skdigits.neural_network._network import assign


class NoCallbacks:
    """The bridge of a fit without callbacks: every event is a no-op."""

    model = None

    def on_train_begin(self) -> None:
        pass

    def on_epoch_begin(self, epoch: int, learning_rate: float) -> float:
        return learning_rate

    def on_epoch_end(self, epoch, logs, state, n_batches, learning_rate):
        return learning_rate, False

    def on_train_end(self, state):
        return state


class KerasCallbacks:
    """Keras callbacks (and the progress bar of ``verbose >= 2``) on the loop."""

    def __init__(self, keras, network, optimizer, callbacks, *, progbar, epochs, steps):
        self.model = network.build_model(keras)
        # Learning-rate callbacks read and set `model.optimizer.learning_rate`.
        self.model.optimizer = self._optimizer = optimizer
        self.model.stop_training = False
        # Last, it sees the logs as the callbacks left them (Keras passes
        # each callback a copy of the logs it is given).
        self._recorder = keras.callbacks.History()
        self._callbacks = keras.callbacks.CallbackList(
            [*callbacks, self._recorder],
            add_progbar=progbar,
            model=self.model,
            verbose=1,
            epochs=epochs,
            steps=steps,
        )

    def on_train_begin(self) -> None:
        self._callbacks.on_train_begin()

    def on_epoch_begin(self, epoch: int, learning_rate: float) -> float:
        """Tell the callbacks the rate; return the rate they leave."""
        self._optimizer.learning_rate = learning_rate
        self._callbacks.on_epoch_begin(epoch)
        return self._rate(learning_rate)

    def on_epoch_end(self, epoch, logs, state, n_batches, learning_rate):
        """Show the callbacks the epoch's weights and logs.

        ``logs`` gets what they added to it. Returns the learning rate they
        leave and whether one asked to stop.
        """
        assign(self.model, state)
        self._callbacks.on_train_batch_end(n_batches - 1, logs)
        self._callbacks.on_epoch_end(epoch, logs)
        logs.update({k: v[-1] for k, v in self._recorder.history.items()})
        return self._rate(learning_rate), bool(self.model.stop_training)

    def on_train_end(self, state):
        """The state with the weights the callbacks leave in the model."""
        self._callbacks.on_train_end()
        return dataclasses.replace(
            state,
            trainable=[np.asarray(v.value) for v in self.model.trainable_variables],
            non_trainable=[
                np.asarray(v.value) for v in self.model.non_trainable_variables
            ],
        )

    def _rate(self, learning_rate: float) -> float:
        """The optimizer's rate if a callback changed it, else the given one.

        The optimizer holds the rate in float32; the rate given, a float, is
        kept unless the optimizer's value differs from its float32 rounding.
        """
        rate = self._optimizer.learning_rate
        current = float(np.asarray(getattr(rate, "value", rate)))
        if current == float(np.float32(learning_rate)):
            return learning_rate
        return current
