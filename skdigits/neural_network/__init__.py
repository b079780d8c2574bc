"""Keras-backed neural-network classifiers with scikit-learn's API."""

from skdigits.neural_network._convnet import ConvNetClassifier
from skdigits.neural_network._keras_classifier import KerasClassifier
from skdigits.neural_network._relu_softmax import ReluSoftmaxClassifier
from skdigits.neural_network._sigmoid_net import SigmoidNetClassifier

__all__ = [
    "ConvNetClassifier",
    "KerasClassifier",
    "ReluSoftmaxClassifier",
    "SigmoidNetClassifier",
]
