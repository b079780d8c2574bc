"""The estimators' docstrings say the same thing of the same parameter, and
the defaults their signatures have."""

import ast
import collections
import inspect

import pytest
from numpydoc import docscrape

from skdigits import (
    ConvNetClassifier,
    DigitNormalizer,
    FieldReader,
    KerasClassifier,
    PixelScaler,
    ReluSoftmaxClassifier,
    SigmoidNetClassifier,
)

ESTIMATORS = [
    SigmoidNetClassifier,
    ReluSoftmaxClassifier,
    ConvNetClassifier,
    KerasClassifier,
]

# Parameters whose meaning differs between estimators, and why; each listed
# estimator words its own.
OWN_WORDING = {
    "dropout": "where the dropout acts is each network's own",
    "hidden_layer_sizes": "the dense layers follow the input, or the convolutions",
    "augmentation": "ConvNetClassifier's 'auto'",
    "image_shape": "ConvNetClassifier reads other rows as one-row images",
    "random_state": "a convolution's bits depend on XLA's thread count",
    "warm_start": "what must stay the same is each network's own",
}
# Parameters a KerasClassifier says more of (its routed parameters): its
# description starts with the shared one.
EXTENDED = {("KerasClassifier", "optimizer")}


def descriptions():
    by_parameter = collections.defaultdict(dict)
    for estimator in ESTIMATORS:
        for parameter in docscrape.ClassDoc(estimator)["Parameters"]:
            text = " ".join(" ".join(parameter.desc).split())
            by_parameter[parameter.name][estimator.__name__] = text
    return by_parameter


def test_shared_parameters_are_described_alike():
    differing = {}
    for name, texts in descriptions().items():
        if len(texts) < 2 or name in OWN_WORDING:
            continue
        shared = {
            text
            for estimator, text in texts.items()
            if (estimator, name) not in EXTENDED
        }
        extended = [
            text for estimator, text in texts.items() if (estimator, name) in EXTENDED
        ]
        if len(shared) != 1 or not all(
            t.startswith(next(iter(shared))) for t in extended
        ):
            differing[name] = texts
    assert not differing, "\n\n".join(
        f"{name}:\n" + "\n".join(f"  {e}: {t}" for e, t in texts.items())
        for name, texts in differing.items()
    )


def test_every_own_wording_is_still_needed():
    """An exception that no longer differs is removed from OWN_WORDING."""
    by_parameter = descriptions()
    for name in OWN_WORDING:
        assert len(set(by_parameter[name].values())) > 1, name


def documented_defaults(estimator) -> dict:
    """Each parameter's ``default=...`` in the docstring, as a Python value."""
    return {
        parameter.name: ast.literal_eval(text.strip())
        for parameter in docscrape.ClassDoc(estimator)["Parameters"]
        for _, found, text in [parameter.type.partition("default=")]
        if found
    }


@pytest.mark.parametrize(
    "estimator",
    [*ESTIMATORS, FieldReader, DigitNormalizer, PixelScaler],
    ids=lambda e: e.__name__,
)
def test_documented_defaults_are_the_signatures(estimator):
    signature = inspect.signature(estimator.__init__).parameters
    documented = documented_defaults(estimator)
    assert documented, "no default documented"
    for name, default in documented.items():
        assert default == signature[name].default, name
