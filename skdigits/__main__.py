"""Command line: ``python -m skdigits`` (or ``skdigits``)."""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path


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


def train(args: argparse.Namespace) -> None:
    """Train both default models on MNIST; print test accuracy and times."""
    from skdigits.datasets import fetch_mnist
    from skdigits.report import fit_models

    X_train, y_train = fetch_mnist(data_home=args.data_home, return_X_y=True)
    X_test, y_test = fetch_mnist(
        data_home=args.data_home, subset="test", return_X_y=True
    )
    print(f"MNIST: {len(X_train)} training and {len(X_test)} test images")
    _, metrics = fit_models(
        ["sigmoid", "relu"],
        X_train,
        y_train,
        X_test,
        y_test,
        max_iter=args.max_iter,
        random_state=args.random_state,
    )
    print()
    print(
        f"{'model':<24}{'test accuracy':>14}{'epochs':>8}{'fit (s)':>9}"
        f"{'predict 10k (ms)':>18}"
    )
    for name, values in metrics.items():
        print(
            f"{name:<24}{values['accuracy']:>14.2%}{values['epochs']:>8}"
            f"{values['fit_time_s']:>9.1f}{values['predict_time_10k_s'] * 1000:>18.1f}"
        )


def report(args: argparse.Namespace) -> None:
    """Fit both models on MNIST and write an HTML report of every analysis."""
    from skdigits.report import build_report

    metrics = build_report(
        args.output,
        models=args.models,
        max_iter=args.max_iter,
        random_state=args.random_state,
        tsne_samples=args.tsne_samples,
        n_images=args.n_images,
        data_home=args.data_home,
    )
    print()
    for name, values in metrics.get("models", {}).items():
        print(f"{name:<24} test accuracy {values['accuracy']:.2%}")
    print(
        f"Report: {Path(args.output) / 'index.html'} ({metrics['total_time_s']:.0f} s)"
    )
    if metrics["failures"]:
        failed = ", ".join(f["part"] for f in metrics["failures"])
        raise SystemExit(f"error: these parts of the report failed: {failed}")


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
    train_parser = commands.add_parser("train", help=train.__doc__)
    train_parser.add_argument(
        "--max-iter", type=int, default=200, help="maximum epochs (default: 200)"
    )
    train_parser.add_argument(
        "--random-state", type=int, default=0, help="seed (default: 0)"
    )
    train_parser.set_defaults(func=train)
    report_parser = commands.add_parser(
        "report",
        help=report.__doc__,
        description="Fetch MNIST, fit the default SigmoidNetClassifier and "
        "ReluSoftmaxClassifier with progress shown, and write DIR/index.html "
        "(every analysis as an image, a metrics table, the comparison) and "
        "DIR/metrics.json.",
    )
    report_parser.add_argument(
        "--output", required=True, metavar="DIR", help="folder of the report"
    )
    report_parser.add_argument(
        "--models",
        nargs="+",
        choices=["sigmoid", "relu"],
        default=["sigmoid", "relu"],
        help="models to fit (default: both)",
    )
    report_parser.add_argument(
        "--max-iter", type=int, default=200, help="maximum epochs (default: 200)"
    )
    report_parser.add_argument(
        "--random-state", type=int, default=0, help="seed (default: 0)"
    )
    report_parser.add_argument(
        "--tsne-samples",
        type=int,
        default=10_000,
        help="test images in the t-SNE projection (default: 10000)",
    )
    report_parser.add_argument(
        "--n-images",
        type=int,
        default=30,
        help="images in the sample and mistake grids (default: 30)",
    )
    report_parser.set_defaults(func=report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
