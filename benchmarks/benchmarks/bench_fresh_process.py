"""Fixed costs users meet: workloads in fresh processes, as ratios to MLPClassifier.

Each sample runs skdigits and MLPClassifier alternately, each in a new
interpreter (see `workloads`), after one warm-up run that fills the
persistent compilation cache as a user's first run does.
"""

import tempfile
from pathlib import Path

from .workloads import fitted_models, measure


class FreshProcess:
    params = (["cold_fit", "search_1", "search_2", "predict_one"],)
    param_names = ("workload",)
    timeout = 1800

    def setup_cache(self):
        return fitted_models(Path(tempfile.mkdtemp(prefix="skdigits-asv-")))

    def track_ratio_vs_mlp(self, models, workload):
        measure(workload, 1, models=models)  # fills the compilation cache
        return measure(workload, 3, models=models)["ratio"]

    track_ratio_vs_mlp.unit = "ratio"
