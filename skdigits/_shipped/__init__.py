"""Model files shipped with skdigits, with their SHA-256 (see
`skdigits.weights.shipped_model`).

Each was written by a committed script from MNIST's training digits; the
figures recorded here were measured by that script on MNIST's test digits
(``benchmarks/README.md`` has the commands).
"""

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ShippedModel:
    """A weights file in this folder, its SHA-256, and its measured figures."""

    file: str
    sha256: str
    figures: dict = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return Path(__file__).parent / self.file


SHIPPED_MODELS = {
    # benchmarks/train_convnet.py: ConvNetClassifier(random_state=0) at its
    # defaults, after PixelScaler(); its accuracy on MNIST's test digits, and
    # the probability below which a digit is rejected for 0.5% error there.
    "convnet": ShippedModel(
        "convnet.npz",
        "82352e926cfc85e466d963776a14ee0e92f3f75f54e0680fba5e50e6f393ff90",
        figures={"accuracy": 0.9956, "reject_threshold": 0.35390302538871765},
    ),
    # benchmarks/train_field_reader.py
    "field_reader": ShippedModel(
        "field_reader.npz",
        "e9b32cc1e02275484ee43de1871fbc80d67d2ac190f1fe3ace8d6fac50961ead",
    ),
}
