"""Where users meet fixed costs: each workload in a fresh Python process.

    python benchmarks/fresh_process.py [--repeat 5] [--workloads NAME ...]

(this module is also asv's, ``bench_fresh_process.py``).

Every measurement starts a new interpreter, as a script, a joblib worker or a
CI job does, and times the workload inside it (imports included), for
skdigits and for MLPClassifier with the same network, alternately. It prints
the median of each and their ratio. The persistent compilation cache is warm
(a first run fills it, as any user's first run does), unless
``--cold-cache``.

Workloads:

- ``cold_fit``: import, then fit a 64-128-10 network (200 epochs, dropout 0)
  on ``load_digits``;
- ``search_1`` and ``search_2``: a ``GridSearchCV`` over ``hidden_layer_sizes``
  x ``alpha`` (2x2), cv=3, 10 epochs, on 12,000 MNIST images, with
  ``n_jobs=1`` and ``n_jobs=2``;
- ``predict_one``: import, unpickle a fitted model, predict one sample.

asv tracks the same ratios (``FreshProcess.track_ratio_vs_mlp``).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SETUP = """
import time
start = time.perf_counter()
import warnings
warnings.filterwarnings("ignore")
"""

ESTIMATORS = {
    "skdigits": (
        "from skdigits import ReluSoftmaxClassifier as Net\n"
        "make = lambda **kw: Net(dropout=0.0, **kw)\n"
    ),
    "mlp": ("from sklearn.neural_network import MLPClassifier as Net\nmake = Net\n"),
}

WORKLOADS = {
    "cold_fit": """
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
make(hidden_layer_sizes=(128,), random_state=0).fit(X / 16, y)
""",
    "search": """
from sklearn.model_selection import GridSearchCV
from skdigits.datasets import fetch_mnist
X, y = fetch_mnist(return_X_y=True)
X, y = X[:12000] / 255, y[:12000]
start = time.perf_counter()  # the search alone: the data are the same for both
grid = {{"hidden_layer_sizes": [(64,), (128,)], "alpha": [1e-4, 1e-3]}}
search = GridSearchCV(
    make(max_iter=10, batch_size=128, random_state=0), grid, cv=3, n_jobs={n_jobs}
).fit(X, y)
""",
    "predict_one": """
import pickle
model = pickle.load(open({model!r}, "rb"))
model.predict({sample!r})
""",
}


def script(estimator: str, workload: str, **values) -> str:
    body = WORKLOADS[workload].format(**values)
    prefix = "" if workload == "predict_one" else ESTIMATORS[estimator]
    return SETUP + prefix + body + "print(time.perf_counter() - start)\n"


def run(code: str, env: dict | None = None) -> float:
    """Seconds the code reports, run in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return float(result.stdout.split()[-1])


def fitted_models(folder: Path) -> dict:
    """Pickles of a fitted skdigits model and MLPClassifier, and a sample."""
    import pickle
    import warnings

    from sklearn.datasets import load_digits
    from sklearn.neural_network import MLPClassifier

    from skdigits import ReluSoftmaxClassifier

    warnings.filterwarnings("ignore")
    X, y = load_digits(return_X_y=True)
    X = X / 16
    paths = {}
    for name, model in (
        ("skdigits", ReluSoftmaxClassifier(max_iter=20, random_state=0)),
        ("mlp", MLPClassifier(hidden_layer_sizes=(128,), max_iter=20, random_state=0)),
    ):
        paths[name] = str(folder / f"{name}.pkl")
        Path(paths[name]).write_bytes(pickle.dumps(model.fit(X, y)))
    return {"paths": paths, "sample": X[:1].tolist()}


def workload_script(workload: str, estimator: str, models=None) -> str:
    """The script of ``workload`` ("cold_fit", "search_N", "predict_one")."""
    if workload.startswith("search_"):
        return script(estimator, "search", n_jobs=int(workload.split("_")[1]))
    if workload == "predict_one":
        return script(
            estimator,
            workload,
            model=models["paths"][estimator],
            sample=models["sample"],
        )
    return script(estimator, workload)


def measure(workload: str, repeat: int, env=None, models=None) -> dict:
    """Median seconds of skdigits and MLPClassifier, alternately, and the ratio."""
    times = {"skdigits": [], "mlp": []}
    for _ in range(repeat):
        for estimator in times:
            code = workload_script(workload, estimator, models)
            times[estimator].append(run(code, env))
    medians = {k: statistics.median(v) for k, v in times.items()}
    return {**medians, "ratio": medians["skdigits"] / medians["mlp"]}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--workloads",
        nargs="+",
        default=["cold_fit", "search_1", "search_2", "predict_one"],
        choices=["cold_fit", "search_1", "search_2", "predict_one"],
    )
    parser.add_argument("--cold-cache", action="store_true")
    args = parser.parse_args(argv)
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        if args.cold_cache:
            env["SKDIGITS_COMPILATION_CACHE"] = "0"
        models = fitted_models(Path(tmp))
        for workload in args.workloads:
            if not args.cold_cache:  # warm the cache as a first run does
                measure(workload, 1, env, models)
            result = measure(workload, args.repeat, env, models)
            print(
                f"{workload:<12} skdigits {result['skdigits']:6.2f} s   "
                f"MLPClassifier {result['mlp']:6.2f} s   "
                f"ratio {result['ratio']:.2f}",
                flush=True,
            )
