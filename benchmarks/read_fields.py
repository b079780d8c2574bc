"""How well fields of each kind are read today, side by side with Tesseract.

Fields of each kind of `skdigits.datasets.make_digit_fields` (``--n`` each,
written with MNIST's test digits, which no model here was trained on) are
read by `skdigits.reading.read_digits` with a classifier of MNIST digits
(``--model``: a default model by name, trained on MNIST the first time and
cached as ``python -m skdigits draw`` caches it, or a saved model file), and
by Tesseract 5 with a whitelist of digits and separators where the
``tesseract`` command is installed (``apt-get install tesseract-ocr``;
skipped with a message otherwise). Prints, per kind, the share of fields
read exactly, and one JSON line with all the figures.

    python read_fields.py [--model relu|sigmoid|convnet|PATH] [--n 200]
"""

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from skdigits.datasets import FIELD_KINDS, fetch_mnist, make_digit_fields
from skdigits.draw import default_model, load_model
from skdigits.model_fitting import MODEL_NAMES
from skdigits.preprocessing import NoInkError
from skdigits.reading import read_digits

TESSERACT_WHITELIST = "0123456789,./-"


def read_with_tesseract(fields) -> list[str] | None:
    """Tesseract's reading of each field (one line), or None without it."""
    if shutil.which("tesseract") is None:
        return None
    from PIL import Image

    texts = []
    with tempfile.TemporaryDirectory() as folder:
        for i, field in enumerate(fields):
            path = Path(folder) / f"{i}.png"
            Image.fromarray(field).save(path)
            run = subprocess.run(
                [
                    *("tesseract", str(path), "stdout", "--psm", "7"),
                    *("-c", f"tessedit_char_whitelist={TESSERACT_WHITELIST}"),
                ],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            texts.append("".join(run.stdout.split()))
    return texts


def read_with_skdigits(fields, model) -> list[str]:
    texts = []
    for field in fields:
        try:
            texts.append(
                read_digits(field, model.estimator, pixel_max=model.pixel_max).text
            )
        except NoInkError:
            texts.append("")
    return texts


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", default="relu", help="relu, sigmoid, convnet or a file"
    )
    parser.add_argument("--n", type=int, default=200, help="fields of each kind")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)

    model = (
        default_model(args.model)
        if args.model in MODEL_NAMES
        else load_model(args.model)
    )
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    images = X_test.reshape(-1, 28, 28)
    figures = {"model": model.description, "n": args.n}
    if shutil.which("tesseract") is None:
        print("Tesseract is not installed (apt-get install tesseract-ocr): skipped.")
    for kind in FIELD_KINDS:
        fields, texts = make_digit_fields(
            images, y_test, args.n, kind=kind, random_state=args.random_state
        )
        readers = {"read_digits": read_with_skdigits(fields, model)}
        tesseract = read_with_tesseract(fields)
        if tesseract is not None:
            readers["tesseract"] = tesseract
        for name, read in readers.items():
            exact = float(np.mean([r == t for r, t in zip(read, texts, strict=True)]))
            figures[f"{kind}_{name}"] = round(exact, 4)
            print(f"{kind:<9} {name:<12} {exact:7.1%} exact", flush=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
