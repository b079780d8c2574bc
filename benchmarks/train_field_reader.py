"""Train a FieldReader on fields written with MNIST's training digits.

    python benchmarks/train_field_reader.py --output reader.pkl
        [--weights reader.npz] [--n-fields 20000] [--params '{"max_iter": 12}']
        [--random-state 0]

Writes ``--n-fields`` fields of every kind (`make_digit_fields`, kind
"mixture") with MNIST's 60,000 training digits, fits
``FieldReader(random_state=R, verbose=1, **params)`` on them in this
process, with its progress, and saves the fitted reader with pickle, and
its weights (`save_reader`, the file `default_reader` ships) with
``--weights``. Prints one JSON line: the fields, the parameters, the time to
write the fields and to fit, the weights file's SHA-256.
``read_fields.py --field-reader reader.npz`` then measures it on fields of
MNIST's test digits.
"""

import argparse
import hashlib
import json
import pickle
import time
from pathlib import Path

from benchmarks.common import report

from skdigits.datasets import fetch_mnist, make_digit_fields
from skdigits.field_reader import FieldReader, save_reader

# What trains the reader unless --params says otherwise: FieldReader's
# defaults but batches of 64 (more steps an epoch than 200, which leave
# CTC's first plateau, every frame blank, within the first epochs).
TRAINING_PARAMS = {"batch_size": 64, "max_iter": 12}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--weights", type=Path, default=None)
    parser.add_argument("--n-fields", type=int, default=20_000)
    parser.add_argument("--params", type=json.loads, default={})
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)

    X, y = fetch_mnist(return_X_y=True)
    start = time.perf_counter()
    fields, texts = make_digit_fields(
        X.reshape(-1, 28, 28), y, args.n_fields, random_state=args.random_state
    )
    write_s = time.perf_counter() - start
    params = {**TRAINING_PARAMS, **args.params}
    reader = FieldReader(random_state=args.random_state, verbose=1, **params)
    start = time.perf_counter()
    reader.fit(fields, texts)
    fit_s = time.perf_counter() - start
    temporary = args.output.with_name(args.output.name + ".tmp")
    temporary.write_bytes(pickle.dumps(reader))
    temporary.replace(args.output)
    weights = None
    if args.weights is not None:
        save_reader(reader, args.weights)
        weights = hashlib.sha256(args.weights.read_bytes()).hexdigest()
    report(
        n_fields=args.n_fields,
        params=params,
        random_state=args.random_state,
        write_fields_s=round(write_s, 1),
        fit_s=round(fit_s, 1),
        epochs=reader.n_iter_,
        loss=round(float(reader.loss_), 4),
        weights_sha256=weights,
    )


if __name__ == "__main__":
    main()
