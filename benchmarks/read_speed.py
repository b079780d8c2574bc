"""How fast a field reader reads, in a fresh process, as a user's script would.

    python benchmarks/read_speed.py [default|WEIGHTS.npz] [--n 1000]

In this process, which has imported nothing of skdigits: the time to import
`skdigits.field_reader` and load the reader, to read the first field, the
median time to read one field (`FieldReader.read`, its beam search
included), and fields a second read in one batch of ``--n`` (`predict`),
on fields of every kind written with MNIST's test digits. Prints them, and
whether Keras or JAX was imported, then one JSON line.
"""

import argparse
import json
import statistics
import sys
import time


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("weights", nargs="?", default="default")
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    from skdigits.field_reader import default_reader, load_reader

    reader = (
        default_reader() if args.weights == "default" else load_reader(args.weights)
    )
    load_s = time.perf_counter() - start

    from skdigits.datasets import fetch_mnist, make_digit_fields

    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    fields, _ = make_digit_fields(
        X_test.reshape(-1, 28, 28), y_test, args.n, random_state=1
    )
    start = time.perf_counter()
    reader.read(fields[:1])
    first_ms = 1000 * (time.perf_counter() - start)
    times = []
    for field in fields[1:101]:
        start = time.perf_counter()
        reader.read([field])
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    reader.predict(fields)
    batch_s = time.perf_counter() - start
    figures = {
        "field_reader_import_and_load_s": round(load_s, 2),
        "field_reader_first_field_ms": round(first_ms, 1),
        "field_reader_one_field_ms": round(1000 * statistics.median(times), 2),
        "field_reader_fields_per_s_in_a_batch": round(len(fields) / batch_s),
        "keras_or_jax_imported": "keras" in sys.modules or "jax" in sys.modules,
    }
    print(
        "fresh process: import and load "
        f"{figures['field_reader_import_and_load_s']} s, "
        f"first field {figures['field_reader_first_field_ms']} ms, then "
        f"{figures['field_reader_one_field_ms']} ms a field, "
        f"{figures['field_reader_fields_per_s_in_a_batch']} fields/s in a batch of "
        f"{len(fields)}; Keras or JAX imported: {figures['keras_or_jax_imported']}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
