"""Command line: ``python -m skdigits`` (or ``skdigits``)."""

import argparse
import sys
from collections.abc import Sequence


def summary(args: argparse.Namespace) -> None:
    """Print a summary of the MNIST data set."""
    import numpy as np

    from skdigits.datasets import fetch_mnist

    for subset in ("train", "test"):
        bunch = fetch_mnist(subset=subset, data_home=args.data_home)
        counts = np.bincount(bunch.target, minlength=10)
        print(
            f"{subset:>5}: {bunch.data.shape[0]:>6} images of "
            f"{bunch.images.shape[1]}x{bunch.images.shape[2]} {bunch.data.dtype} "
            f"pixels; per digit: {' '.join(map(str, counts))}"
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m skdigits",
        description="Handwritten-digit recognition on MNIST with skdigits.",
    )
    parser.add_argument(
        "--data-home",
        default=None,
        help="folder of the MNIST cache (default: scikit-learn's data home)",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("summary", help=summary.__doc__).set_defaults(func=summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
