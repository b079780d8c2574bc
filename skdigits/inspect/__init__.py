"""The analyses people run on digit models, as scikit-learn-style Displays.

Each Display computes its data once (``from_data``, ``from_predictions``,
``from_estimator``, ``from_estimators``), keeps it as attributes, and draws
with ``plot(ax=...)``, keeping the matplotlib ``figure_`` and axes. Images
are rows of pixels (784 -> 28x28, 64 -> 8x8 are inferred) or 2-D arrays.
"""

from skdigits.inspect._comparison import ModelComparisonDisplay
from skdigits.inspect._data import (
    AverageImageDisplay,
    LabelDistributionDisplay,
    SampleGridDisplay,
)
from skdigits.inspect._evaluation import (
    ConfusionMatrixPercentDisplay,
    MisclassifiedDisplay,
    PerClassAccuracyDisplay,
    PredictionConfidenceDisplay,
    classification_report_frame,
)
from skdigits.inspect._images import infer_image_shape, to_images
from skdigits.inspect._trust import ErrorRejectDisplay, ReliabilityDisplay
from skdigits.inspect._tsne import TSNEDisplay, tsne_embedding

__all__ = [
    "AverageImageDisplay",
    "ConfusionMatrixPercentDisplay",
    "ErrorRejectDisplay",
    "LabelDistributionDisplay",
    "MisclassifiedDisplay",
    "ModelComparisonDisplay",
    "PerClassAccuracyDisplay",
    "PredictionConfidenceDisplay",
    "ReliabilityDisplay",
    "SampleGridDisplay",
    "TSNEDisplay",
    "classification_report_frame",
    "infer_image_shape",
    "to_images",
    "tsne_embedding",
]
