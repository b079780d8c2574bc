"""The compiled training loop shared by every skdigits network.

Keras builds the network and its optimizer; JAX runs the training. One call
of a compiled function runs a whole epoch: ``jax.lax.scan`` over the
mini-batches, each a ``model.stateless_call`` forward pass, a gradient and an
``optimizer.stateless_apply`` update. Python is re-entered once per epoch,
not once per batch, which is where per-step overhead would otherwise go.

The compiled functions are cached per architecture (``Trainer`` below): they
take the weights, the optimizer state, the learning rate and the L2 penalty
as arguments, so a second fit of the same network (a grid search, a
cross-validation) runs without tracing or compiling again, and different
learning rates or penalties share one compiled function.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import numpy as np

from skdigits._keras import import_keras
from skdigits.neural_network._network import LOGITS
from skdigits.neural_network._outputs import sample_losses


@dataclass(frozen=True)
class TrainingState:
    """Everything that changes during training, as lists of arrays."""

    trainable: list
    non_trainable: list
    optimizer: list

    def to_numpy(self) -> "TrainingState":
        """A copy in numpy arrays: picklable, and owned by no JAX buffer."""
        return TrainingState(
            [np.array(v) for v in self.trainable],
            [np.array(v) for v in self.non_trainable],
            [np.array(v) for v in self.optimizer],
        )


class Trainer:
    """A network's compiled epoch function, with the Keras objects it traces.

    The template model and optimizer are only traced, never mutated: their
    variables' values are passed in and returned (Keras' stateless API).
    """

    def __init__(
        self,
        build_model: Callable,
        optimizer_factory: Callable,
        output: str,
        augment=None,
    ):
        import jax
        import jax.numpy as jnp

        keras = import_keras()
        self.model = build_model(keras)
        self.optimizer = optimizer_factory(keras)
        self.optimizer.build(self.model.trainable_variables)
        # The loss is computed from the logits, which is exact where the
        # probabilities underflow: the network without its output activation.
        # The single input, not a list of one: Keras 3.6 warns when a list
        # model is called with a tensor.
        model = keras.Model(self.model.input, self.model.get_layer(LOGITS).output)
        assert [v.path for v in model.trainable_variables] == [
            v.path for v in self.model.trainable_variables
        ]
        is_kernel = [v.path.endswith("kernel") for v in model.trainable_variables]
        optimizer = self.optimizer

        lr_index = next(
            i
            for i, v in enumerate(optimizer.variables)
            if v is optimizer._learning_rate
        )

        def batch_loss(trainable, non_trainable, x, y, w, alpha):
            logits, non_trainable = model.stateless_call(
                trainable, non_trainable, x, training=True
            )
            weight_sum = jnp.maximum(jnp.sum(w), jnp.finfo(w.dtype).tiny)
            l2 = sum(
                jnp.sum(v * v) for v, k in zip(trainable, is_kernel, strict=True) if k
            )
            loss = (
                jnp.sum(w * sample_losses(y, logits, output, jnp)) + 0.5 * alpha * l2
            ) / weight_sum
            return loss, non_trainable

        grad_fn = jax.value_and_grad(batch_loss, has_aux=True)

        def run_epoch(
            state,
            X,
            Y,
            W,
            batches,
            valid,
            learning_rate,
            alpha,
            seed,
            epoch,
            first_step,
        ):
            trainable, non_trainable, opt_vars = state
            opt_vars = list(opt_vars)
            opt_vars[lr_index] = learning_rate.astype(opt_vars[lr_index].dtype)
            epoch_key = jax.random.fold_in(jax.random.PRNGKey(seed), epoch)

            def step(carry, batch):
                trainable, non_trainable, opt_vars = carry
                index, mask, step_number = batch
                w = W[index] * mask
                x = X[index]
                if augment is not None:
                    # Training batches only: never validation data, never
                    # prediction, which do not go through this step.
                    x = augment(jax.random.fold_in(epoch_key, step_number), x)
                (loss, new_non_trainable), grads = grad_fn(
                    trainable, non_trainable, x, Y[index], w, alpha
                )
                new_trainable, new_opt_vars = optimizer.stateless_apply(
                    opt_vars, grads, trainable
                )
                # A batch whose samples all weigh zero changes nothing, as if
                # its samples had been removed.
                has_weight = jnp.sum(w) > 0
                carry = jax.tree.map(
                    lambda new, old: jnp.where(has_weight, new, old),
                    (new_trainable, new_non_trainable, new_opt_vars),
                    carry,
                )
                return carry, (loss, jnp.sum(w))

            steps = first_step + jnp.arange(batches.shape[0], dtype=jnp.uint32)
            state, (losses, weights) = jax.lax.scan(
                step, (trainable, non_trainable, opt_vars), (batches, valid, steps)
            )
            return state, losses, weights

        # No buffer donation: JAX may build an input from a numpy array
        # without copying it (JAX 0.4.30 does), and a donated input is then
        # overwritten in place, in memory the caller still holds (measured:
        # early stopping kept the next epoch's weights, not the best ones).
        self._run_epoch = jax.jit(run_epoch)
        self._jax = jax

    def initial_state(self, model, optimizer) -> TrainingState:
        """The state of a freshly built model and (built) optimizer."""
        return TrainingState(
            [v.value for v in model.trainable_variables],
            [v.value for v in model.non_trainable_variables],
            [v.value for v in optimizer.variables],
        )

    def put(self, *arrays: np.ndarray) -> tuple:
        """Move data to the device once, before the epochs."""
        # device_put, not jnp.asarray, which compiles a copy for each shape.
        return tuple(self._jax.device_put(a) for a in arrays)

    def run_epoch(
        self,
        state: TrainingState,
        data: tuple,
        batches: np.ndarray,
        valid: np.ndarray,
        learning_rate: float,
        alpha: float,
        seed: int = 0,
        epoch: int = 0,
        first_step: int = 0,
    ) -> tuple[TrainingState, float, float]:
        """One pass over ``batches``; return the state, mean loss, weight seen.

        ``seed``, ``epoch`` and the batches' step numbers (from
        ``first_step``) determine the random augmentation, if any.
        """
        # numpy arguments, which the compiled function takes as they are: a
        # jnp.asarray of each would dispatch a conversion of its own (7 an
        # epoch, a quarter of a 200-epoch fit on load_digits, measured).
        dtype = data[0].dtype
        (trainable, non_trainable, opt_vars), losses, weights = self._run_epoch(
            (state.trainable, state.non_trainable, state.optimizer),
            *data,
            np.asarray(batches, np.int32),
            np.asarray(valid, np.float32),
            np.asarray(learning_rate, dtype),
            np.asarray(alpha, dtype),
            np.uint32(seed),
            np.uint32(epoch),
            np.uint32(first_step),
        )
        losses, weights = np.asarray(losses, np.float64), np.asarray(weights)
        total = weights.sum()
        mean_loss = float(losses @ weights / total) if total > 0 else np.nan
        return TrainingState(trainable, non_trainable, opt_vars), mean_loss, total


_MAX_CACHED_TRAINERS = 8
_trainers: OrderedDict[Hashable, Trainer] = OrderedDict()
_trainers_lock = threading.Lock()


def get_trainer(
    key: Hashable,
    build_model: Callable,
    optimizer_factory: Callable,
    output: str,
    augment=None,
) -> Trainer:
    """The `Trainer` of the architecture ``key``, compiled once and cached.

    ``key`` must determine the network, its output, its optimizer (up to the
    values of their variables) and the augmentation; ``build_model(keras)``,
    ``optimizer_factory(keras)`` and ``augment(key, x)``, a pure JAX
    function of a PRNG key and a batch, build them on a cache miss. The
    least recently used of more than 8 architectures is dropped, and JAX's
    caches are cleared with it, so that a long search over many architectures
    holds a bounded amount of memory and compiled code.
    """
    with _trainers_lock:
        trainer = _trainers.get(key)
        if trainer is None:
            trainer = Trainer(build_model, optimizer_factory, output, augment)
            _trainers[key] = trainer
            if len(_trainers) > _MAX_CACHED_TRAINERS:
                while len(_trainers) > _MAX_CACHED_TRAINERS:
                    _trainers.popitem(last=False)
                # JAX's own caches keep what an evicted trainer traced and
                # compiled (about 10 MB an architecture, measured): clear
                # them, or memory grows with every new architecture. The
                # trainers kept recompile when next used (from the persistent
                # compilation cache, where it is on).
                import jax

                jax.clear_caches()
        _trainers.move_to_end(key)
        return trainer
