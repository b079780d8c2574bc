"""One training epoch of a convolutional network: skdigits, raw Keras, PyTorch.

    python benchmarks/conv_epoch.py epochs [--network default bn_pool ...]
        [--rounds 3] [--n 60000]
    python benchmarks/conv_epoch.py ops [--network default] [--repeats 20]

``epochs`` times one epoch of ``--n`` MNIST images (batches of 200, Adam at
0.001, no penalty, no augmentation: what each framework's plain loop does)
through each framework in a fresh process, the frameworks in turn,
``--rounds`` times, and prints the median seconds of each and the ratios of
ours to each peer from that one run. Each process first fits 2,000 images
(which compiles), then times the epoch. The networks:

- ``default``: `ConvNetClassifier`'s network at its defaults (ours is the
  estimator itself, raw Keras its Keras network, PyTorch the same layers);
- ``bn_pool``: two 3x3 convolutions of 32 and 64 filters, each with batch
  normalization and 2x2 max-pooling, a dense layer of 128 and dropout
  (ours through `KerasClassifier`);
- a JSON object of `ConvNetClassifier` parameters, such as
  ``'{"filters": [32, 64]}'``: that estimator's network.

PyTorch runs when ``torch`` is installed (``pip install torch==2.13.0``),
with as many threads as the process may use; otherwise its rows are skipped
with a message.

``ops`` times each convolution of a `ConvNetClassifier`'s network alone, for a batch of
200: its forward pass, its input gradient and its weight gradient, as XLA
runs them (``jax.lax.conv_general_dilated``, which Keras calls) and as
PyTorch does, in GFLOP/s.
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from benchmarks.common import get_data, report
from benchmarks.conv_peers import (
    BATCH_SIZE,
    epoch_trainer,
    network_params,
    parameter_counts,
)

FRAMEWORKS = ("skdigits", "keras", "torch")
N_WARM_UP = 2000


def worker(args) -> None:
    """Time one epoch of ``args.n`` images in this process (``epochs``' unit)."""
    if args.framework == "keras":
        os.environ.setdefault("KERAS_BACKEND", "jax")
    X, _, y, _ = get_data("mnist")
    X, y = np.ascontiguousarray(X), y.astype(np.int64)
    fit = epoch_trainer(args.framework, args.network)
    fit(X[:N_WARM_UP], y[:N_WARM_UP])
    start = time.perf_counter()
    fit(X[: args.n], y[: args.n])
    print(json.dumps({"seconds": time.perf_counter() - start}))


def epochs(args) -> None:
    """Every framework's epoch, in fresh processes, in turn (module docstring)."""
    frameworks = list(FRAMEWORKS)
    if importlib.util.find_spec("torch") is None:
        print(
            "PyTorch is not installed: its epochs are skipped "
            "(pip install torch==2.13.0 to compare).",
            file=sys.stderr,
        )
        frameworks.remove("torch")
    for network in args.network:
        if "torch" in frameworks:
            counts = parameter_counts(network)
            if len(set(counts.values())) != 1:
                raise RuntimeError(f"{network}: not the same network: {counts}")
        seconds = {framework: [] for framework in frameworks}
        for _ in range(args.rounds):
            for framework in frameworks:
                command = (__file__, "worker", framework, network, "--n", str(args.n))
                output = subprocess.run(
                    [sys.executable, *command],
                    check=True,
                    capture_output=True,
                    text=True,
                    cwd=Path(__file__).parent,
                ).stdout
                seconds[framework].append(
                    json.loads(output.splitlines()[-1])["seconds"]
                )
        medians = {name: statistics.median(times) for name, times in seconds.items()}
        ours = medians["skdigits"]
        report(
            network=network,
            n_images=args.n,
            rounds=args.rounds,
            seconds={
                name: [round(t, 2) for t in times] for name, times in seconds.items()
            },
            s_per_epoch_of_60000={
                name: round(median * 60000 / args.n, 2)
                for name, median in medians.items()
            },
            ratio_ours_to={
                name: round(ours / median, 3)
                for name, median in medians.items()
                if name != "skdigits"
            },
        )


def ops(args) -> None:
    """Each convolution of a `ConvNetClassifier`'s network alone, XLA and
    PyTorch."""
    import jax
    from jax import lax

    params = network_params(args.network)
    k, batch = params["kernel_size"], BATCH_SIZE
    rng = np.random.default_rng(0)
    have_torch = importlib.util.find_spec("torch") is not None
    if not have_torch:
        print("PyTorch is not installed: its columns are skipped.", file=sys.stderr)
    channels, size = 1, 28
    for index, (filters, stride) in enumerate(
        zip(params["filters"], params["strides"], strict=True)
    ):
        out = -(-size // stride)
        x = rng.standard_normal((batch, size, size, channels)).astype(np.float32)
        w = rng.standard_normal((k, k, channels, filters)).astype(np.float32)
        g = rng.standard_normal((batch, out, out, filters)).astype(np.float32)
        gflop = 2 * batch * out * out * filters * k * k * channels / 1e9

        def conv(x, w, stride=stride):
            return lax.conv_general_dilated(
                x,
                w,
                (stride, stride),
                "SAME",
                dimension_numbers=("NHWC", "HWIO", "NHWC"),
            )

        xla = {
            "forward": jax.jit(conv),
            "input_gradient": jax.jit(
                lambda x, w, g, f=conv: jax.vjp(f, x, w)[1](g)[0]
            ),
            "weight_gradient": jax.jit(
                lambda x, w, g, f=conv: jax.vjp(f, x, w)[1](g)[1]
            ),
        }
        arguments = {"forward": (x, w)}
        figures = {}
        for name, function in xla.items():
            values = arguments.get(name, (x, w, g))

            def run(function=function, values=values):
                jax.block_until_ready(function(*values))

            figures[f"xla_{name}"] = _gflops(run, gflop, args.repeats)
        if have_torch:
            figures.update(_torch_conv_figures(x, w, g, stride, gflop, args.repeats))
        report(
            convolution=index + 1,
            input=[batch, size, size, channels],
            kernel=[k, k, channels, filters],
            stride=stride,
            gflop=round(gflop, 3),
            gflop_per_s=figures,
        )
        channels, size = filters, out


def _torch_conv_figures(x, w, g, stride, gflop, repeats) -> dict:
    """PyTorch's GFLOP/s for the convolution of `ops`, channels first."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(len(os.sched_getaffinity(0)))
    x = torch.from_numpy(x).permute(0, 3, 1, 2).contiguous()
    w = torch.from_numpy(w).permute(3, 2, 0, 1).contiguous()
    g = torch.from_numpy(g).permute(0, 3, 1, 2).contiguous()
    padding = w.shape[-1] // 2

    def forward():
        with torch.no_grad():
            F.conv2d(x, w, stride=stride, padding=padding)

    def gradient(wrt):
        def run():
            inputs = [x.clone().requires_grad_(wrt == "x"), w.clone()]
            inputs[1].requires_grad_(wrt == "w")
            y = F.conv2d(*inputs, stride=stride, padding=padding)
            torch.autograd.grad(y, inputs[0 if wrt == "x" else 1], g)

        return run

    # A gradient's time is less the forward pass it needs.
    forward_s = _median_seconds(forward, repeats)
    return {
        "torch_forward": round(gflop / forward_s),
        "torch_input_gradient": round(
            gflop / max(_median_seconds(gradient("x"), repeats) - forward_s, 1e-6)
        ),
        "torch_weight_gradient": round(
            gflop / max(_median_seconds(gradient("w"), repeats) - forward_s, 1e-6)
        ),
    }


def _median_seconds(run, repeats: int) -> float:
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _gflops(run, gflop: float, repeats: int) -> int:
    return round(gflop / _median_seconds(run, repeats))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("epochs", help="one epoch in each framework")
    command.add_argument("--network", nargs="+", default=["default", "bn_pool"])
    command.add_argument("--rounds", type=int, default=3)
    command.add_argument("--n", type=int, default=60000)
    command.set_defaults(run=epochs)
    command = commands.add_parser("worker", help="one framework's epoch, timed")
    command.add_argument("framework", choices=FRAMEWORKS)
    command.add_argument("network")
    command.add_argument("--n", type=int, default=60000)
    command.set_defaults(run=worker)
    command = commands.add_parser("ops", help="each convolution's GFLOP/s")
    command.add_argument("--network", default="default")
    command.add_argument("--repeats", type=int, default=20)
    command.set_defaults(run=ops)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
