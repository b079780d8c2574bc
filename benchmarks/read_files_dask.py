"""Reading many image files: in this process, and on a local Dask cluster.

    python benchmarks/read_files_dask.py [--n 4096] [--workers 2]

Writes ``--n`` PNG files of fields of every kind (MNIST's test digits) to a
temporary folder, then reads them all with the shipped reader through
`skdigits.field_reader.read_image_files`: in this process, and on a
``dask.distributed.LocalCluster`` on 127.0.0.1 of ``--workers`` processes
of one thread each (the reader sent to each worker once). Prints the files
a second of each, the cluster's start, whether both read the same texts,
and one JSON line. Throughput grows with the workers up to the cores: a
machine of two cores shows at most twice one process.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=4096)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    from dask.distributed import Client, LocalCluster
    from PIL import Image

    from skdigits.datasets import fetch_mnist, make_digit_fields
    from skdigits.field_reader import default_reader, read_image_files

    X_test, y_test = fetch_mnist(subset="test", return_X_y=True)
    fields, _ = make_digit_fields(
        X_test.reshape(-1, 28, 28), y_test, args.n, random_state=2
    )
    reader = default_reader()
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, field in enumerate(fields):
            path = Path(folder) / f"field_{i:06d}.png"
            Image.fromarray(field).save(path)
            paths.append(path)
        start = time.perf_counter()
        here = read_image_files(paths, reader)
        here_s = time.perf_counter() - start
        start = time.perf_counter()
        with (
            LocalCluster(
                n_workers=args.workers,
                threads_per_worker=1,
                host="127.0.0.1",
                dashboard_address=None,
                processes=True,
            ) as cluster,
            Client(cluster) as client,
        ):
            started_s = time.perf_counter() - start
            # The first call sends the reader and warms the workers up.
            read_image_files(paths[: args.workers * 256], reader, client=client)
            start = time.perf_counter()
            there = read_image_files(paths, reader, client=client)
            there_s = time.perf_counter() - start
    figures = {
        "files": args.n,
        "workers": args.workers,
        "in_process_files_per_s": round(args.n / here_s),
        "cluster_files_per_s": round(args.n / there_s),
        "cluster_start_s": round(started_s, 1),
        "same_texts": [r.text for r in here] == [r.text for r in there],
    }
    print(
        f"{args.n} files: {figures['in_process_files_per_s']} a second in this "
        f"process, {figures['cluster_files_per_s']} on {args.workers} workers "
        f"(started in {figures['cluster_start_s']} s); same texts: "
        f"{figures['same_texts']}"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
