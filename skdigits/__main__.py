"""Command line: ``python -m skdigits`` (or ``skdigits``)."""

import argparse
import dataclasses
import math
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
    """Train the default models on MNIST; print test accuracy and times."""
    from skdigits.datasets import fetch_mnist
    from skdigits.model_fitting import fit_models

    X_train, y_train = fetch_mnist(data_home=args.data_home, return_X_y=True)
    X_test, y_test = fetch_mnist(
        data_home=args.data_home, subset="test", return_X_y=True
    )
    print(f"MNIST: {len(X_train)} training and {len(X_test)} test images")
    _, metrics = fit_models(
        args.models,
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
    """Fit the models on MNIST and write an HTML report of every analysis."""
    from skdigits.report import build_report

    metrics = build_report(
        args.output,
        models=args.models,
        max_iter=args.max_iter,
        random_state=args.random_state,
        tsne_samples=args.tsne_samples,
        n_images=args.n_images,
        data_home=args.data_home,
        self_contained=args.self_contained,
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


def draw(args: argparse.Namespace) -> None:
    """Serve a page where you draw digits and see them read."""
    from skdigits.draw import default_model, load_model, make_server
    from skdigits.model_fitting import MODEL_NAMES

    if args.model in MODEL_NAMES:
        model = default_model(
            args.model, data_home=args.data_home, reject_threshold=args.reject_threshold
        )
    else:
        model = load_model(
            args.model,
            reject_threshold=args.reject_threshold,
            pixel_max=args.pixel_max,
            trusted=tuple(args.trust),
        )
    if args.field_reader != "none":
        from skdigits.field_reader import default_reader, load_reader

        model = dataclasses.replace(
            model,
            field_reader=default_reader()
            if args.field_reader == "default"
            else load_reader(args.field_reader),
        )
    try:
        server = make_server(model, host=args.host, port=args.port)
    except OSError as exc:
        raise OSError(
            f"cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); "
            "pick another --port"
        ) from exc
    with server:
        if args.host not in ("127.0.0.1", "localhost", "::1"):
            print(
                f"warning: listening on {args.host}: other machines can reach "
                "the page and send it work.",
                file=sys.stderr,
            )
        print(f"Reading with {model.description}.")
        if model.field_reader is not None:
            print(f"Reading whole fields with the field reader {args.field_reader}.")
        print(f"Draw at {server.url} (Ctrl-C stops the server)", flush=True)
        server.serve_forever()


def export(args: argparse.Namespace) -> None:
    """Convert a fitted model file to ONNX."""
    from skdigits.draw._models import read_model_file
    from skdigits.onnx import export_model

    model = read_model_file(Path(args.model), trusted=tuple(args.trust))
    export_model(model, Path(args.output), zipmap=args.zipmap)
    print(f"Wrote {args.output}: onnxruntime agrees with {args.model}.")


def read(args: argparse.Namespace) -> None:
    """Read the handwritten field of each image file."""
    import json

    from skdigits.field_reader import default_reader, load_reader, read_image_files

    reader = default_reader() if args.model is None else load_reader(args.model)
    readings = read_image_files(
        args.images,
        reader,
        format=args.format,
        box=args.box,
        reject_threshold=args.reject_threshold,
    )
    for path, reading in zip(args.images, readings, strict=True):
        if args.json:
            print(
                json.dumps(
                    {
                        "file": path,
                        "text": reading.text,
                        "probability": round(reading.probability, 6),
                        "rejected": reading.rejected,
                        "alternatives": reading.alternatives,
                    }
                )
            )
        else:
            verdict = "rejected" if reading.rejected else "read"
            print(f"{path}\t{reading.text}\t{reading.probability:.4f}\t{verdict}")


def _box(text: str) -> tuple[int, int, int, int]:
    parts = text.split(",")
    try:
        box = tuple(int(part) for part in parts)
    except ValueError:
        box = ()
    if len(box) != 4:
        raise argparse.ArgumentTypeError(
            f"{text} is not a box TOP,LEFT,BOTTOM,RIGHT of four integers"
        )
    return box


def _probability(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"{text} is not a probability in [0, 1]")
    return value


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text} is not a port (0 to 65535)")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(f"{text} is not a finite positive number")
    return value


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    from skdigits.model_fitting import MODEL_NAMES

    parser.add_argument(
        "--models",
        nargs="+",
        choices=list(MODEL_NAMES),
        default=["sigmoid", "relu"],
        help="models to fit: "
        + ", ".join(f"{key} ({name})" for key, name in MODEL_NAMES.items())
        + " (default: sigmoid relu)",
    )
    parser.add_argument(
        "--max-iter",
        type=int,
        default=None,
        help="maximum epochs (default: each model's own, 200 for the dense "
        "networks and 30 for the convnet)",
    )


def _add_trust_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="TYPE",
        help="a type to trust in a .skops file, besides scikit-learn's and "
        "skdigits' (repeatable)",
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
    train_parser = commands.add_parser("train", help=train.__doc__)
    _add_model_options(train_parser)
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
    _add_model_options(report_parser)
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
    report_parser.add_argument(
        "--self-contained",
        action="store_true",
        help="put the images in index.html itself, so that the one file can be "
        "mailed (they are also written to DIR/figures)",
    )
    report_parser.set_defaults(func=report)
    draw_parser = commands.add_parser(
        "draw",
        help=draw.__doc__,
        description="Serve a web page (on this machine only, unless --host says "
        "otherwise) where you draw a digit or a short number and see it read: "
        "the number read whole by the field reader (digits that touch too), the "
        "28x28 images the model sees of each piece of ink cut apart, the digits, "
        'their probabilities, and "not sure" below the rejection threshold. A '
        "--model named relu (the default), sigmoid or convnet is trained at its "
        "defaults on MNIST the first time, with progress, and cached.",
    )
    draw_parser.add_argument(
        "--model",
        metavar="NAME|PATH",
        default="relu",
        help="relu (ReluSoftmaxClassifier, the default), sigmoid "
        "(SigmoidNetClassifier) or convnet (ConvNetClassifier, the most accurate; "
        "trained once, with progress, then cached); or a fitted "
        "classifier of 784 MNIST pixels, saved with pickle, joblib or skops "
        "(.skops), where unpickling runs code from the file, so load only files "
        "you trust (./relu for a file of that name)",
    )
    draw_parser.add_argument(
        "--port",
        type=_port,
        default=8000,
        metavar="N",
        help="port (default: 8000; 0 picks one)",
    )
    draw_parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    draw_parser.add_argument(
        "--reject-threshold",
        type=_probability,
        default=None,
        metavar="P",
        help='digits read with a lower probability are "not sure" (default: for a '
        "named model, its threshold for 0.5%% error on the MNIST test set; 0.9 "
        "for a file)",
    )
    draw_parser.add_argument(
        "--pixel-max",
        type=_positive,
        default=None,
        metavar="V",
        help="value of a fully inked pixel in the model's input (default: the "
        "max_value of a PixelScaler that starts the pipeline, else 1.0)",
    )
    draw_parser.add_argument(
        "--field-reader",
        metavar="default|none|PATH",
        default="default",
        help="the field reader that reads the whole drawing, digits that touch "
        "too: default (the one skdigits ships), a weights file of save_reader, or "
        "none to read only the digits the model reads once cut apart",
    )
    _add_trust_option(draw_parser)
    draw_parser.set_defaults(func=draw)
    export_parser = commands.add_parser(
        "export",
        help=export.__doc__,
        description="Convert a fitted classifier (a pipeline or an estimator, "
        "saved with pickle, joblib or skops) to an ONNX model, which onnxruntime "
        "runs without Python. The file is written only once onnxruntime's "
        "probabilities agree with the model's to 1e-5. Needs the onnx extra: "
        'pip install "skdigits[onnx]".',
    )
    export_parser.add_argument(
        "model", metavar="MODEL", help="the fitted model file (.pkl, .joblib, .skops)"
    )
    export_parser.add_argument("output", metavar="OUTPUT", help="the .onnx file")
    export_parser.add_argument(
        "--zipmap",
        action="store_true",
        help="probabilities as a dict per row (skl2onnx's default) instead of "
        "one tensor, which every runtime (onnxruntime-web included) reads",
    )
    _add_trust_option(export_parser)
    export_parser.set_defaults(func=export)
    read_parser = commands.add_parser(
        "read",
        help=read.__doc__,
        description="Read the handwritten field (a number, an amount, a date) of "
        "each image file (PNG, JPEG, TIFF...), one field per file, with a "
        "FieldReader: prints each file's text, its probability and whether it is "
        "rejected.",
    )
    read_parser.add_argument("images", nargs="+", metavar="IMAGE")
    read_parser.add_argument(
        "--model",
        default=None,
        metavar="PATH",
        help="a reader's weights file (skdigits.field_reader.save_reader; "
        "default: the reader shipped with skdigits)",
    )
    read_parser.add_argument(
        "--format",
        default=None,
        metavar="REGEX",
        help="what the fields may say, as a regular expression (e.g. '\\d{5}'): "
        "the most probable text of that format is read, or the field rejected",
    )
    read_parser.add_argument(
        "--box",
        type=_box,
        default=None,
        metavar="TOP,LEFT,BOTTOM,RIGHT",
        help="read this box of each image (pixels; bottom and right excluded)",
    )
    read_parser.add_argument(
        "--reject-threshold",
        type=_probability,
        default=None,
        metavar="P",
        help="texts of a lower probability are rejected (default: the reader's)",
    )
    read_parser.add_argument(
        "--json", action="store_true", help="one JSON object per file"
    )
    read_parser.set_defaults(func=read)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (OSError, ValueError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
