"""How well fields of each kind are read, side by side, on the same fields.

Fields of each kind of `skdigits.datasets.make_digit_fields` (``--n`` each,
written with MNIST's test digits, which no model here was trained on) are
read by:

- `skdigits.reading.read_digits`, which cuts a field into digits, with a
  classifier of MNIST digits (``--model``: a default model by name, as
  ``python -m skdigits draw`` serves it: "convnet" the shipped one, the
  others trained on MNIST the first time and cached; or a saved model file);
- a `FieldReader` (``--field-reader``: a weights file of `save_reader`, or
  ``default`` for the shipped reader), without and with the kind's format
  (`FORMATS`); with the format, also the share of fields read wrong when
  the least probable 5% are rejected, and the share to reject for 0.5%
  wrong; its CTC loss of the true texts (to set against its training
  loss); and how often it and ``read_digits`` read the same text, and how
  often that text is right (two readers as a check on each other);
- Tesseract 5 with a whitelist of digits and separators, where the
  ``tesseract`` command is installed (``apt-get install tesseract-ocr``;
  skipped with a message otherwise), on the first ``--tesseract-n`` fields
  of each kind (a process a field: 0.1-0.2 s each).

Besides MNIST's test digits, "touching_load_digits" fields of 3-5 touching
digits are written with scikit-learn's ``load_digits`` (other writers, 8x8
scans enlarged), which no reader here was trained on.

Prints, per kind and reader, the share of fields read exactly, then the
field reader's speed in a fresh process (`read_speed.py`), and one JSON
line with all the figures.

    python read_fields.py [--model relu|sigmoid|convnet|PATH] [--n 200]
        [--field-reader default|PATH] [--tesseract-n 200]
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

from skdigits.datasets import FIELD_KINDS, fetch_mnist, make_digit_fields
from skdigits.draw import default_model, load_model
from skdigits.field_reader import default_reader, load_reader
from skdigits.model_fitting import MODEL_NAMES
from skdigits.neural_network._ctc import encode_texts, text_losses
from skdigits.preprocessing import NoInkError
from skdigits.reading import read_digits

TESSERACT_WHITELIST = "0123456789,./-"

_DAY, _MONTH = r"(0[1-9]|[12]\d|3[01])", r"(0[1-9]|1[0-2])"
# What a field of each kind may say, as a reader told its format reads it.
FORMATS = {
    **dict.fromkeys(("apart", "touching", "boxes", "line", "slanted"), r"\d{3,7}"),
    "amount": r"[1-9]\d{0,4}[.,]\d{2}",
    "date": "|".join(
        f"{_DAY}{s}{_MONTH}{s}(\\d{{2}}|\\d{{4}})" for s in ("/", "-", r"\.")
    ),
}


def error_and_rejection(correct, probability) -> tuple[float, float]:
    """The share of fields read wrong once the least probable 5% are rejected,
    and the share to reject (least probable first) for at most 0.5% wrong."""
    order = np.argsort(-np.asarray(probability), kind="stable")
    wrong = ~np.asarray(correct)[order]
    kept = int(np.ceil(0.95 * len(wrong)))
    error_at_5 = float(wrong[:kept].mean())
    # Errors among the first k kept, for every k; the most kept within 0.5%.
    errors = np.cumsum(wrong) / np.arange(1, len(wrong) + 1)
    within = np.flatnonzero(errors <= 0.005)
    most_kept = int(within[-1]) + 1 if len(within) else 0
    return error_at_5, 1 - most_kept / len(wrong)


def mean_loss(reader, fields, texts) -> float:
    """The reader's CTC loss of the true texts, in the mean: its training
    loss's measure (less the weights' penalty) on fields it never saw.
    No public API gives a reader's loss; these are the functions its
    training loss is checked against."""
    frames = reader._frame_log_proba(fields)
    targets = encode_texts(texts, "".join(reader.classes_))
    return float(np.mean(text_losses(frames, targets)))


def agreement(read, other, texts) -> tuple[float, float | None]:
    """The share of fields two readers read alike, and the share of those
    read exactly (None where they never agree)."""
    read, other, texts = (np.array(a, dtype=object) for a in (read, other, texts))
    alike = read == other
    exact = float(np.mean(read[alike] == texts[alike])) if alike.any() else None
    return float(np.mean(alike)), exact


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
    parser.add_argument(
        "--field-reader", default=None, help="a reader's weights file, or default"
    )
    parser.add_argument(
        "--tesseract-n",
        type=int,
        default=200,
        help="fields of each kind Tesseract reads",
    )
    args = parser.parse_args(argv)
    field_reader = None
    if args.field_reader == "default":
        field_reader = default_reader()
    elif args.field_reader is not None:
        field_reader = load_reader(args.field_reader)

    model = (
        default_model(args.model)
        if args.model in MODEL_NAMES
        else load_model(args.model)
    )
    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    images = X_test.reshape(-1, 28, 28)
    digits = load_digits()
    figures = {"model": model.description, "n": args.n}
    if shutil.which("tesseract") is None:
        print("Tesseract is not installed (apt-get install tesseract-ocr): skipped.")
    for kind in (*FIELD_KINDS, "touching_load_digits"):
        if kind == "touching_load_digits":
            fields, texts = make_digit_fields(
                digits.images / 16,
                digits.target,
                args.n,
                kind="touching",
                length=(3, 5),
                random_state=args.random_state,
            )
        else:
            fields, texts = make_digit_fields(
                images, y_test, args.n, kind=kind, random_state=args.random_state
            )
        readers = {"read_digits": read_with_skdigits(fields, model)}
        if field_reader is not None:
            readers["field_reader"] = list(field_reader.predict(fields))
            readings = field_reader.read(fields, format=FORMATS.get(kind, r"\d{3,7}"))
            readers["field_reader_format"] = [r.text for r in readings]
            correct = [r.text == t for r, t in zip(readings, texts, strict=True)]
            error, rejection = error_and_rejection(
                correct, [r.probability for r in readings]
            )
            figures[f"{kind}_field_reader_format_error_at_5_percent_rejected"] = round(
                error, 4
            )
            figures[f"{kind}_field_reader_format_rejection_for_0_5_percent_error"] = (
                round(rejection, 4)
            )
            loss = mean_loss(field_reader, fields, texts)
            figures[f"{kind}_field_reader_loss"] = round(loss, 4)
            print(f"{kind:<20} {'field_reader loss':<20} {loss:7.3f}", flush=True)
        tesseract = (
            read_with_tesseract(fields[: args.tesseract_n])
            if args.tesseract_n
            else None
        )
        if tesseract is not None:
            readers["tesseract"] = tesseract
        for name, read in readers.items():
            exact = float(np.mean([r == t for r, t in zip(read, texts, strict=False)]))
            figures[f"{kind}_{name}"] = round(exact, 4)
            print(
                f"{kind:<20} {name:<20} {exact:7.1%} exact of {len(read)}", flush=True
            )
        if field_reader is not None:
            agree, exact = agreement(
                readers["field_reader_format"], readers["read_digits"], texts
            )
            figures[f"{kind}_both_agree"] = round(agree, 4)
            figures[f"{kind}_both_agree_exact"] = (
                None if exact is None else round(exact, 4)
            )
            right = "" if exact is None else f", of which {exact:.1%} exact"
            print(f"{kind:<20} {'both agree':<20} {agree:7.1%}{right}", flush=True)
    if field_reader is not None:
        weights = "default" if args.field_reader == "default" else args.field_reader
        speed = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("read_speed.py")), weights],
            capture_output=True,
            text=True,
            check=True,
        )
        figures.update(json.loads(speed.stdout.splitlines()[-1]))
        print(speed.stdout, end="", flush=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
