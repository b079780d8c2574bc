"""Memory of one process that fits many architectures, as a long search does.

    python benchmarks/memory_search.py [N_ARCHITECTURES]

Fits ReluSoftmaxClassifier (2 epochs on load_digits) with N hidden sizes in
turn and prints the resident memory every 10. skdigits keeps 8 compiled
trainers; beyond them memory must stay flat.
"""

import gc
import sys
import warnings

from sklearn.datasets import load_digits

from skdigits import ReluSoftmaxClassifier


def resident_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(n_architectures: int = 60) -> None:
    warnings.filterwarnings("ignore")
    X, y = load_digits(return_X_y=True)
    X = X / 16
    for i in range(n_architectures):
        ReluSoftmaxClassifier(
            hidden_layer_sizes=(10 + i,), max_iter=2, random_state=0
        ).fit(X, y)
        if i % 10 == 9:
            gc.collect()
            print(f"{i + 1:>4} architectures: {resident_mib():.0f} MiB", flush=True)


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
