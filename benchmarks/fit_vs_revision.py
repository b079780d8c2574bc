"""A fit's time with this checkout over its time with another revision.

Each sample fits in a fresh interpreter, the two checkouts alternately, after
one warm-up run of each (which fills its program and compilation caches, as
a user's first run does). The revision is checked out with ``git worktree``
in a temporary folder and removed afterwards.

    python benchmarks/fit_vs_revision.py 26bf566 [--repeat 5] [--n-train 10000]

The workload is the default ReluSoftmaxClassifier on MNIST's first
``--n-train`` images, ``max_iter=10``.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FIT = """
import time, warnings
warnings.filterwarnings("ignore")
from skdigits import ReluSoftmaxClassifier
from skdigits.datasets import fetch_mnist
X, y = fetch_mnist(return_X_y=True)
X, y = X[:{n}] / 255, y[:{n}]
start = time.perf_counter()
ReluSoftmaxClassifier(max_iter=10, random_state=0).fit(X, y)
print(time.perf_counter() - start)
"""


def fit_seconds(tree: Path, n_train: int) -> float:
    result = subprocess.run(
        [sys.executable, "-c", FIT.format(n=n_train)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
    )
    return float(result.stdout.split()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("revision")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--n-train", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="skdigits-rev-") as folder:
        other = Path(folder) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(other), args.revision],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            trees = {"this": ROOT, args.revision: other}
            for tree in trees.values():
                fit_seconds(tree, args.n_train)  # warm-up
            times = {name: [] for name in trees}
            for _ in range(args.repeat):
                for name, tree in trees.items():
                    times[name].append(fit_seconds(tree, args.n_train))
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(other)],
                cwd=ROOT,
                check=False,
            )
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, median in medians.items():
        print(f"{name}: median {median:.2f} s of {times[name]}")
    print(
        f"ratio this / {args.revision}: {medians['this'] / medians[args.revision]:.3f}"
    )


if __name__ == "__main__":
    main()
