"""Where a fresh process's first fit spends its time, phase by phase.

    python benchmarks/cold_fit_phases.py [--repeat 3]

Each run is a new interpreter that imports scikit-learn and skdigits and loads
``load_digits``, then imports JAX (as skdigits does, see
``skdigits/_jax_runtime/keras.py``), then fits the ``cold_fit`` workload of
``benchmarks/workloads.py`` (64-128-10, 200 epochs, dropout 0). It prints the
seconds of each phase, and whether the fit imported Keras; the caches
(compiled and traced programs) are warmed by one run first.
"""

import argparse
import subprocess
import sys

PHASES = """
import time
t0 = time.perf_counter()
import warnings
warnings.filterwarnings("ignore")
from sklearn.datasets import load_digits
from skdigits import ReluSoftmaxClassifier
X, y = load_digits(return_X_y=True)
t1 = time.perf_counter()
from skdigits._jax_runtime.keras import import_jax
import_jax()
t2 = time.perf_counter()
ReluSoftmaxClassifier(hidden_layer_sizes=(128,), dropout=0.0, random_state=0).fit(
    X / 16, y
)
t3 = time.perf_counter()
import sys
print(t1 - t0, t2 - t1, t3 - t2, t3 - t0, int("keras" in sys.modules))
"""

NAMES = ("scikit-learn, skdigits, data", "import jax", "fit", "total", "keras imported")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    runs = []
    for _ in range(args.repeat + 1):  # the first warms the compilation cache
        output = subprocess.run(
            [sys.executable, "-c", PHASES], capture_output=True, text=True, check=True
        ).stdout
        runs.append([float(v) for v in output.split()[-len(NAMES) :]])
    for name, values in zip(NAMES, zip(*runs[1:], strict=True), strict=True):
        if name == "keras imported":
            print(f"{name:<30} " + "  ".join("yes" if v else "no" for v in values))
        else:
            print(f"{name:<30} " + "  ".join(f"{v:5.2f}" for v in values) + " s")


if __name__ == "__main__":
    main()
