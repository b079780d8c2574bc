"""The dense classifiers' predictions, bit for bit, as recorded: a
refactoring of the engine must not change a single bit of a fixed fit's
probabilities.

The bits depend on JAX's and Keras' versions (XLA's kernels), so the hashes
are recorded per version pair; another pair is skipped, saying so. They
depend on the machine too (measured with the same versions: an AMD EPYC
with AVX-512 gives other bits in every case than this project's earlier
machines, the same bits at each run), so a version pair holds one table
per machine recorded, and a fit must give all of one table's bits.
"""

import hashlib
import importlib.metadata

import pytest

from skdigits import ReluSoftmaxClassifier, SigmoidNetClassifier

CASES = {
    "relu": lambda: ReluSoftmaxClassifier(
        hidden_layer_sizes=(32,), max_iter=15, random_state=0
    ),
    "relu_es_dropout": lambda: ReluSoftmaxClassifier(
        hidden_layer_sizes=(32, 16),
        max_iter=15,
        dropout=0.2,
        early_stopping=True,
        random_state=1,
    ),
    "sigmoid": lambda: SigmoidNetClassifier(max_iter=15, random_state=0),
}

# sha256[:16] of predict_proba's bytes, by (jax, keras) version, machine and
# case: on the x86-64 machines without AVX-512 this project has run on, and
# on an AMD EPYC with AVX-512.
_JAX_0_10_X86_64 = {
    ("relu", "float64"): "9655f6cb4f35c748",
    ("relu", "float32"): "15b3aa70d3ba0f01",
    ("relu_es_dropout", "float64"): "d80bf101b22fa480",
    ("relu_es_dropout", "float32"): "996930ed263cc5a5",
    ("sigmoid", "float64"): "b3c0db2e3d0aa300",
    ("sigmoid", "float32"): "39cabdddfd855e34",
}
_JAX_0_10_EPYC_AVX512 = {
    ("relu", "float64"): "d28ca01f20d70a5e",
    ("relu", "float32"): "4039c0966e09daf1",
    ("relu_es_dropout", "float64"): "076c9ca097289b46",
    ("relu_es_dropout", "float32"): "9eab7e3b2245244b",
    ("sigmoid", "float64"): "7c6ddc45915b6917",
    ("sigmoid", "float32"): "0f8b8d9abb772b1f",
}
_JAX_0_12_EPYC_AVX512 = {
    ("relu", "float64"): "4f762a6afe1fa2e2",
    ("relu", "float32"): "5f21affc51617e38",
    ("relu_es_dropout", "float64"): "17412c5506a677a8",
    ("relu_es_dropout", "float32"): "2f37ad51d01e8dc4",
    ("sigmoid", "float64"): "7c6ddc45915b6917",
    ("sigmoid", "float32"): "0f8b8d9abb772b1f",
}
RECORDED = {
    ("0.10.2", "3.15.1"): [_JAX_0_10_X86_64, _JAX_0_10_EPYC_AVX512],
    ("0.12.0.1", "3.15.1"): [_JAX_0_10_X86_64, _JAX_0_12_EPYC_AVX512],
    ("0.4.30", "3.6.0"): [
        {
            ("relu", "float64"): "e50ce3e1b5b7b84a",
            ("relu", "float32"): "2736018b223e51e0",
            ("relu_es_dropout", "float64"): "fad49674332ded0d",
            ("relu_es_dropout", "float32"): "1ee61405a4c1f7eb",
            ("sigmoid", "float64"): "3d8a189b2a03ed99",
            ("sigmoid", "float32"): "31dae6784261dc3f",
        },
        {
            ("relu", "float64"): "211a6d7ed0aa508b",
            ("relu", "float32"): "d20e28a025f22b0a",
            ("relu_es_dropout", "float64"): "8c3dc6a5f2dc78fd",
            ("relu_es_dropout", "float32"): "12776e6cc8b2070b",
            ("sigmoid", "float64"): "4d7619364c4b27b0",
            ("sigmoid", "float32"): "2a19c88d20908a24",
        },
    ],
}


@pytest.mark.parametrize("case", CASES)
def test_predict_proba_bits_as_recorded(case, digits):
    versions = tuple(importlib.metadata.version(p) for p in ("jax", "keras"))
    if versions not in RECORDED:
        pytest.skip(f"no hashes recorded for jax and keras {versions}")
    X, y = digits
    clf = CASES[case]().fit(X[:1200], y[:1200])
    digests = {
        dtype: hashlib.sha256(
            clf.predict_proba(X[1200:].astype(dtype)).tobytes()
        ).hexdigest()[:16]
        for dtype in ("float64", "float32")
    }
    recorded = [
        {dtype: table[case, dtype] for dtype in digests} for table in RECORDED[versions]
    ]
    assert digests in recorded
