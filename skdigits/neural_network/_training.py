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
learning rates or penalties share one compiled function. The traced epoch
is also kept on disk (``skdigits._jax_runtime.program_cache``): a new process with a
known network trains without importing Keras.
"""

import contextlib
import enum
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import numpy as np

from skdigits._jax_runtime import program_cache
from skdigits._jax_runtime.keras import import_keras
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


class ProgramKind(enum.Enum):
    """What a trainer keeps on disk."""

    OPTIMIZER = "optimizer"  # the optimizer's variables before the first step
    EPOCH = "epoch"  # an exported epoch, for one signature of its arguments
    INFERENCE = "inference"  # the exported logits program, for prediction


@dataclass(frozen=True)
class ProgramKey:
    """The name of a kept program: its kind, its network, and what else fixes it."""

    kind: ProgramKind
    network: str  # the trainer's key, as canonical JSON
    context: str = ""  # JAX's tracing settings, the arguments' signature

    def __str__(self) -> str:
        return " ".join(p for p in (self.kind.value, self.network, self.context) if p)


class ProgramStore:
    """A trainer's kept programs: the one path to load, make and keep them.

    ``network`` None (a network whose configuration does not fix its code)
    keeps nothing: every program is made in this process.
    """

    def __init__(self, network: str | None):
        self.network = network

    def fetch(
        self,
        kind: ProgramKind,
        context: str,
        *,
        make: Callable[[], tuple[object, dict | None]],
        read: Callable[[dict], object],
    ):
        """``read(arrays)`` of the kept entry, or what ``make()`` makes.

        ``make`` returns the result and the arrays to keep (None: keep
        nothing); an entry that ``read`` cannot read is made again.
        """
        key = (
            None
            if self.network is None
            else str(ProgramKey(kind, self.network, context))
        )
        if key is not None:
            stored = program_cache.load(key)
            if stored is not None:
                with contextlib.suppress(Exception):  # damaged: make it again
                    return read(stored)
        result, arrays = make()
        if key is not None and arrays is not None:
            program_cache.store(key, arrays)
        return result


class Trainer:
    """A network's epoch program, and where it comes from.

    The program is traced once per architecture and data shape from a Keras
    template (a model and an optimizer that are only traced, never mutated:
    their variables' values are passed in and returned, Keras' stateless
    API), exported with ``jax.export`` and kept on disk
    (``skdigits._jax_runtime.program_cache``); a later process loads it from there and
    never imports Keras to train. Each program is compiled once per process,
    from JAX's persistent compilation cache where it is on.
    """

    def __init__(
        self,
        key: Hashable,
        build_logits_model: Callable,
        optimizer_factory: Callable,
        output: str,
        augment=None,
        persistent: bool = True,
        steps_per_call: int | None = None,
    ):
        self._steps_per_call = steps_per_call
        self._store = ProgramStore(
            program_cache.canonical_key(key) if persistent else None
        )
        self._build_logits_model = build_logits_model
        self._optimizer_factory = optimizer_factory
        self._output = output
        self._augment = augment
        self._template = None  # the jitted epoch of the Keras template
        self._template_model = None  # its network, from input to logits
        self._inference = None  # the exported prediction (`inference_program`)
        self._template_optimizer_state = None
        self._optimizer_state = None
        self._programs = {}
        self._lock = threading.RLock()
        self.n_traced = 0  # programs traced in this process (the others loaded)

    def _traced_epoch(self):
        """The epoch as a jitted function of the Keras template (built once)."""
        with self._lock:
            if self._template is None:
                self._template = self._trace_template()
            return self._template

    def _trace_template(self):
        import jax
        import jax.numpy as jnp

        keras = import_keras()
        # The network without its output activation: the loss is computed
        # from the logits, exact where the probabilities underflow.
        model = self._template_model = self._build_logits_model(keras)
        optimizer = self._optimizer_factory(keras)
        optimizer.build(model.trainable_variables)
        self._template_optimizer_state = [
            np.asarray(v.value) for v in optimizer.variables
        ]
        is_kernel = [v.path.endswith("kernel") for v in model.trainable_variables]
        output, augment = self._output, self._augment
        unrolled = self._steps_per_call is not None

        # The learning rate is one of the optimizer's variables (a constant
        # rate is a variable Keras creates at build): the epoch sets it.
        lr_index = next(
            i for i, v in enumerate(optimizer.variables) if v is optimizer.learning_rate
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
            state = (trainable, non_trainable, opt_vars)
            if unrolled:
                # Steps in sequence, with no loop: XLA's CPU convolutions ran
                # 3 to 4 times slower inside a while loop (`steps_per_call`).
                outputs = []
                for i in range(batches.shape[0]):
                    state, output = step(state, (batches[i], valid[i], steps[i]))
                    outputs.append(output)
                losses, weights = (jnp.stack(v) for v in zip(*outputs, strict=True))
                return state, losses, weights
            state, (losses, weights) = jax.lax.scan(
                step, state, (batches, valid, steps)
            )
            return state, losses, weights

        # No buffer donation: JAX may build an input from a numpy array
        # without copying it (JAX 0.4.30 does), and a donated input is then
        # overwritten in place, in memory the caller still holds: early
        # stopping would keep the next epoch's weights, not the best ones.
        return jax.jit(run_epoch)

    def initial_optimizer_state(self) -> list[np.ndarray]:
        """The optimizer's variables before the first step (copies)."""
        with self._lock:
            if self._optimizer_state is None:
                self._optimizer_state = self._load_optimizer_state()
            return [v.copy() for v in self._optimizer_state]

    def _load_optimizer_state(self) -> list[np.ndarray]:
        def make():
            self._traced_epoch()
            state = self._template_optimizer_state
            return state, {f"v{i}": v for i, v in enumerate(state)}

        return self._store.fetch(
            ProgramKind.OPTIMIZER,
            "",
            make=make,
            read=lambda stored: [stored[f"v{i}"] for i in range(len(stored))],
        )

    def _program(self, args: tuple) -> Callable:
        """The compiled epoch for arguments of these shapes and types."""
        import jax

        leaves, tree = jax.tree.flatten(args)
        signature = (
            str(tree),
            tuple((np.shape(a), np.dtype(a.dtype).str) for a in leaves),
        )
        program = self._programs.get(signature)
        if program is None:
            with self._lock:
                program = self._programs.get(signature)
                if program is None:
                    program = self._compiled(signature, args)
                    self._programs[signature] = program
        return program

    def _compiled(self, signature, args) -> Callable:
        """The exported epoch for ``signature``, from disk or traced now.

        A network that JAX cannot export runs as traced, kept in memory only.
        """
        import jax
        from jax import export

        def make():
            traced = self._traced_epoch()
            self.n_traced += 1
            shapes = jax.tree.map(
                lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), args
            )
            try:
                serialized = export.export(traced)(*shapes).serialize()
            except Exception:  # not exportable: the traced function, here only
                return traced, None
            # The deserialized program, not the traced one: the same in every
            # process.
            program = jax.jit(export.deserialize(serialized).call)
            return program, {"program": np.frombuffer(serialized, np.uint8)}

        return self._store.fetch(
            ProgramKind.EPOCH,
            f"{_tracing_config(jax)} {signature}",
            make=make,
            read=lambda stored: jax.jit(
                export.deserialize(bytearray(stored["program"])).call
            ),
        )

    def inference_program(self) -> tuple[bytes, int | None]:
        """The network's logits as an exported JAX program, and its batch.

        The program takes the trainable values, the non-trainable values and
        a batch of rows, and returns the logits (`_inference.ExportedPredictor`
        runs it without Keras). Its batch size is symbolic (None), or fixed
        where the network cannot be exported for any batch size. Raises
        where it cannot be exported at all.
        """
        with self._lock:
            if self._inference is None:
                self._inference = self._load_inference_program()
            return self._inference

    def _load_inference_program(self):
        import jax

        def make():
            serialized, batch = self._export_inference()
            arrays = {
                "program": np.frombuffer(serialized, np.uint8),
                "batch": np.array(batch or 0),
            }
            return (serialized, batch), arrays

        return self._store.fetch(
            ProgramKind.INFERENCE,
            _tracing_config(jax),
            make=make,
            read=lambda stored: (
                bytes(stored["program"]),
                int(stored["batch"]) or None,
            ),
        )

    def _export_inference(self) -> tuple[bytes, int | None]:
        """Trace and export the logits program (`inference_program`)."""
        import jax
        from jax import export

        self._traced_epoch()
        model = self._template_model

        def logits(trainable, non_trainable, x):
            return model.stateless_call(trainable, non_trainable, x, training=False)[0]

        def struct(variable):
            return jax.ShapeDtypeStruct(tuple(variable.shape), variable.dtype)

        weights = (
            [struct(v) for v in model.trainable_variables],
            [struct(v) for v in model.non_trainable_variables],
        )
        (n_features,) = model.inputs[0].shape[1:]
        dtype = model.inputs[0].dtype
        try:
            batch = None
            rows = export.symbolic_shape(f"batch, {n_features}")
            exported = export.export(jax.jit(logits))(
                *weights, jax.ShapeDtypeStruct(rows, dtype)
            )
        except Exception:  # a network that needs a known batch size
            batch = INFERENCE_BATCH
            exported = export.export(jax.jit(logits))(
                *weights, jax.ShapeDtypeStruct((batch, n_features), dtype)
            )
        return bytes(exported.serialize()), batch

    def put(self, *arrays: np.ndarray) -> tuple:
        """Move data to the device once, before the epochs."""
        import jax

        # device_put, not jnp.asarray, which compiles a copy for each shape.
        return tuple(jax.device_put(a) for a in arrays)

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
        ``first_step``) determine the random augmentation, if any. With
        ``steps_per_call``, the batches go through that many at a time, the
        last call's padded with empty batches (which change nothing), so that
        one compiled program serves every call.
        """
        k = self._steps_per_call
        if k is not None and batches.shape[0] > k:

            def run_block(state, first, block, block_valid):
                return self.run_epoch(
                    state,
                    data,
                    block,
                    block_valid,
                    learning_rate,
                    alpha,
                    seed,
                    epoch,
                    first_step + first,
                )

            return run_in_blocks(state, batches, valid, k, run_block)
        # numpy arguments, which the compiled function takes as they are: a
        # jnp.asarray of each would dispatch a conversion of its own, a
        # quarter of a short fit's time (docs/design.rst).
        dtype = data[0].dtype
        args = (
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
        (trainable, non_trainable, opt_vars), losses, weights = self._program(args)(
            *args
        )
        losses, weights = np.asarray(losses, np.float64), np.asarray(weights)
        total = float(weights.sum())
        mean_loss = float(losses @ weights / total) if total > 0 else np.nan
        return TrainingState(trainable, non_trainable, opt_vars), mean_loss, total


# JAX's settings that change a traced program, besides the argument types.
_TRACING_FLAGS = (
    "jax_enable_x64",
    "jax_default_matmul_precision",
    "jax_default_prng_impl",
    "jax_threefry_partitionable",
    "jax_numpy_dtype_promotion",
)


def _tracing_config(jax) -> str:
    """The platform and JAX's settings a traced program depends on."""
    flags = {name: str(getattr(jax.config, name, None)) for name in _TRACING_FLAGS}
    return program_cache.canonical_key([jax.default_backend(), flags])


# The batch of an inference program exported for a fixed batch size.
INFERENCE_BATCH = 256

_MAX_CACHED_TRAINERS = 8
_trainers: OrderedDict[Hashable, Trainer] = OrderedDict()
_trainers_lock = threading.Lock()


def get_trainer(key: Hashable, **arguments) -> Trainer:
    """The `Trainer` of the architecture ``key``, compiled once and cached.

    ``arguments`` are `Trainer`'s; ``key`` must determine what they build
    (the network, its output, its optimizer up to the values of their
    variables, the augmentation), and, as it also names the trainer's
    programs on disk, determine them in any process with the same versions
    and skdigits source (else pass ``persistent=False``). The least recently
    used of more than 8 architectures is dropped, and JAX's caches are
    cleared with it, so that a long search over many architectures holds a
    bounded amount of memory and compiled code.
    """
    with _trainers_lock:
        trainer = _trainers.get(key)
        if trainer is None:
            trainer = Trainer(key, **arguments)
            _trainers[key] = trainer
            if len(_trainers) > _MAX_CACHED_TRAINERS:
                while len(_trainers) > _MAX_CACHED_TRAINERS:
                    _trainers.popitem(last=False)
                # JAX's own caches keep what an evicted trainer traced and
                # compiled: clear them, or memory grows with every new
                # architecture (docs/design.rst). The
                # trainers kept recompile when next used (from the persistent
                # compilation cache, where it is on).
                import jax

                jax.clear_caches()
        _trainers.move_to_end(key)
        return trainer


def run_in_blocks(state, batches, valid, per_block: int, run_block: Callable):
    """Run ``batches`` a block of ``per_block`` at a time, through
    ``run_block(state, first, block, block_valid) -> (state, loss, weight)``.

    The last block is padded with empty batches, which change nothing, so
    that one compiled program serves every block. Returns the state, the
    mean loss weighted by the samples' weights (NaN if none weighs), and the
    weight seen.
    """
    n_blocks = -(-batches.shape[0] // per_block)
    padding = n_blocks * per_block - batches.shape[0]
    batches = np.concatenate(
        [batches, np.zeros((padding, batches.shape[1]), batches.dtype)]
    )
    valid = np.concatenate([valid, np.zeros((padding, valid.shape[1]), valid.dtype)])
    total_loss = total_weight = 0.0
    for first in range(0, batches.shape[0], per_block):
        state, loss, weight = run_block(
            state,
            first,
            batches[first : first + per_block],
            valid[first : first + per_block],
        )
        if weight > 0:
            total_loss += loss * weight
            total_weight += weight
    mean = float(total_loss / total_weight) if total_weight > 0 else np.nan
    return state, mean, float(total_weight)
