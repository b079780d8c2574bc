"""Train a FieldReader on fields written with MNIST's training digits.

    python benchmarks/train_field_reader.py --output reader.pkl
        [--weights reader.npz] [--n-fields 20000] [--params '{"max_iter": 12}']
        [--random-state 0] [--fresh-fields]

Writes ``--n-fields`` fields of every kind (`make_digit_fields`, kind
"mixture") with MNIST's 60,000 training digits, a quarter of them with the
digits coarsened as ``load_digits``' were (`coarse_digits`: 8x8 counts of
4x4 blocks, enlarged again when written), so that the reader reads
low-resolution scans and other writers' digits; fits
``FieldReader(random_state=R, verbose=1, **params)`` on them in this
process, with its progress, and saves the fitted reader with pickle, and
its weights (`save_reader`, the file `default_reader` ships) with
``--weights``. With ``--fresh-fields``, every epoch is written anew: the
reader is trained with ``partial_fit``, once per epoch (``max_iter`` of
them, which its learning-rate schedule counts), on ``--n-fields`` fields
never seen before: no field is seen twice.
Prints one JSON line: the fields, the parameters, the time to write the
fields and to fit, the weights file's SHA-256.
``read_fields.py --field-reader reader.npz`` then measures it on fields of
MNIST's test digits.
"""

import argparse
import hashlib
import json
import pickle
import time
from pathlib import Path

import numpy as np
from benchmarks.common import report
from scipy import ndimage

from skdigits.datasets import fetch_mnist, make_digit_fields
from skdigits.field_reader import FieldReader, save_reader

# What trains the reader unless --params says otherwise: FieldReader's
# defaults but batches of 64 (more steps an epoch than 200, which leave
# CTC's first plateau, every frame blank, within the first epochs).
TRAINING_PARAMS = {"batch_size": 64, "max_iter": 12}
# The share of the fields written with coarsened digits.
COARSE_SHARE = 0.25


def coarse_digits(images: np.ndarray) -> np.ndarray:
    """28x28 digits reduced as ``load_digits``' were: 8x8 of 0-16, as [0, 1].

    ``load_digits``' writers' digits were bitmaps of 32x32, the digit
    filling their height, of which each 4x4 block's inked pixels were
    counted; here each digit's ink is scaled to 32 rows (its aspect kept,
    centred), thresholded, and counted alike.
    """
    coarse = np.zeros((len(images), 8, 8))
    for i, image in enumerate(images / 255):
        rows = np.flatnonzero(image.max(axis=1) > 0.1)
        cols = np.flatnonzero(image.max(axis=0) > 0.1)
        ink = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        zoom = 32 / ink.shape[0]
        scaled = ndimage.zoom(ink, (zoom, min(zoom, 32 / ink.shape[1])), order=1)
        bitmap = np.zeros((32, 32))
        left = (32 - scaled.shape[1]) // 2
        bitmap[:, left : left + scaled.shape[1]] = scaled[:32] > 0.5
        coarse[i] = bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3)) / 16
    return coarse


def training_fields(X, X_coarse, y, n_fields: int, random_state: int):
    """``n_fields`` fields of MNIST's training digits, a share written with
    the same digits coarsened (``X_coarse``: `coarse_digits` of ``X``)."""
    n_coarse = round(COARSE_SHARE * n_fields)
    fields, texts = make_digit_fields(
        X, y, n_fields - n_coarse, random_state=random_state
    )
    coarse_fields, coarse_texts = make_digit_fields(
        X_coarse, y, n_coarse, random_state=random_state + 1
    )
    # Interleaved: the two kinds of writing in the same order of batches.
    order = np.random.RandomState(random_state).permutation(n_fields)
    both = [*fields, *coarse_fields], [*texts, *coarse_texts]
    return [both[0][i] for i in order], [both[1][i] for i in order]


def fit_on_fresh_fields(reader, X, X_coarse, y, n_fields: int, random_state: int):
    """Train ``reader`` for ``max_iter`` epochs of ``n_fields`` new fields each.

    Returns the seconds spent writing fields, the seconds spent fitting, and
    the fields written.
    """
    # Two seeds an epoch (`training_fields` uses the seed and the next one),
    # none of them random_state's own, which writes the fixed training set.
    seeds = np.random.RandomState(random_state).randint(2**30, size=reader.max_iter)
    write_s = fit_s = 0.0
    for seed in seeds:
        start = time.perf_counter()
        fields, texts = training_fields(X, X_coarse, y, n_fields, 2 * int(seed) + 2)
        write_s += time.perf_counter() - start
        start = time.perf_counter()
        reader.partial_fit(fields, texts)
        fit_s += time.perf_counter() - start
    return write_s, fit_s, n_fields * len(seeds)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--n-fields", type=int, default=20_000)
    parser.add_argument("--params", type=json.loads, default={})
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--fresh-fields", action="store_true")
    args = parser.parse_args(argv)

    X, y = fetch_mnist(return_X_y=True)
    X = X.reshape(-1, 28, 28)
    start = time.perf_counter()
    X_coarse = coarse_digits(X)
    coarse_s = time.perf_counter() - start
    params = {**TRAINING_PARAMS, **args.params}
    reader = FieldReader(random_state=args.random_state, verbose=1, **params)
    if args.fresh_fields:
        write_s, fit_s, n_written = fit_on_fresh_fields(
            reader, X, X_coarse, y, args.n_fields, args.random_state
        )
    else:
        start = time.perf_counter()
        fields, texts = training_fields(
            X, X_coarse, y, args.n_fields, args.random_state
        )
        write_s = time.perf_counter() - start
        start = time.perf_counter()
        reader.fit(fields, texts)
        fit_s = time.perf_counter() - start
        n_written = args.n_fields
    temporary = args.output.with_name(args.output.name + ".tmp")
    temporary.write_bytes(pickle.dumps(reader))
    temporary.replace(args.output)
    weights = None
    if args.weights is not None:
        save_reader(reader, args.weights)
        weights = hashlib.sha256(args.weights.read_bytes()).hexdigest()
    report(
        n_fields=args.n_fields,
        fresh_fields=args.fresh_fields,
        fields_written=n_written,
        params=params,
        random_state=args.random_state,
        write_fields_s=round(coarse_s + write_s, 1),
        fit_s=round(fit_s, 1),
        epochs=len(reader.loss_curve_),
        loss=round(float(reader.loss_), 4),
        weights_sha256=weights,
    )


if __name__ == "__main__":
    main()
