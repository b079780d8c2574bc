"""Draw a digit and see it read: a local web page, ``python -m skdigits draw``.

The page lets a person draw a digit, or a short number, with the mouse, a
finger or a pen; the server cuts it into digits, normalizes each to MNIST's
format (`skdigits.reading.read_digits`) and shows the 28x28 images the model
reads, the digits, every class's probability, and "not sure" when a digit's
probability is below the model's rejection threshold.
"""

from skdigits.draw._models import (
    ServedModel,
    default_model,
    default_model_path,
    load_model,
)
from skdigits.draw._server import DrawServer, make_server

__all__ = [
    "DrawServer",
    "ServedModel",
    "default_model",
    "default_model_path",
    "load_model",
    "make_server",
]
