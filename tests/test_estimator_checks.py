"""scikit-learn's own estimator checks, all of them, none skipped or xfailed.

As scikit-learn does for its own estimators (`MLPClassifier(max_iter=100)`,
and `solver="lbfgs"` for the sample-weight check), a few parameters are set
for the checks' tiny data sets; each is explained where it is set.
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdigits import PixelScaler, ReluSoftmaxClassifier, SigmoidNetClassifier

# Parameters set for the checks, with what was measured without them:
#
# dtype="float64": check_sample_weight_equivalence compares predict_proba after
# fitting with integer weights and with repeated samples, at rtol=1e-7. The
# data fit in one batch, so the two fits differ only by rounding: in float32,
# 1.4e-7 relative (one element of 45, ReluSoftmaxClassifier).
#
# dropout=0.0 for ReluSoftmaxClassifier (default 0.2): dropout draws one mask
# per sample, so three copies of a sample get three masks where the weighted
# sample gets one; the same check then differs by up to 0.49 in probability.
#
# learning_rate_init=0.05 for SigmoidNetClassifier (default 0.001):
# check_classifiers_train asks for 83% training accuracy on 300 blobs, which
# fit in one batch, so 200 epochs are 200 Adam steps. At 0.001 the single
# layer reaches 77% (3 classes) and 44% (2 classes); at 0.01 in float64 the
# two sigmoid units saturate together on the binary problem (79.5%); 0.02 to
# 0.1 all pass. On MNIST (300 steps an epoch) 0.001 is the better rate.
ESTIMATORS = [
    ReluSoftmaxClassifier(random_state=0, dtype="float64", dropout=0.0),
    SigmoidNetClassifier(random_state=0, dtype="float64", learning_rate_init=0.05),
    PixelScaler(),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
