"""What the drawing page sends, checked, and the reading it gets back.

The page posts its canvas as JSON::

    {"width": W, "height": H, "pixels": "<base64 of W*H grayscale bytes>"}

(row by row, 0 black to 255 white) and gets the reading as JSON. Everything
a request can get wrong is a `RequestError` with an HTTP status and a message
for the page; nothing a client sends leads to a server error.
"""

import base64
import binascii
import json

import numpy as np

from skdigits._digit_normalization import NoInkError
from skdigits.draw._models import ServedModel
from skdigits.reading import read_digits, read_field

MAX_SIDE = 4096
MAX_PIXELS = 2**22  # 4 Mpx: a 2048x2048 canvas
# Base64 takes 4 bytes for 3, and the JSON around it little.
MAX_BODY_BYTES = MAX_PIXELS * 4 // 3 + 4096
# More pieces than this is not a short number but a scribble.
MAX_DIGITS = 20


class RequestError(ValueError):
    """A request the page (or another client) got wrong."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def parse_canvas(body: bytes) -> np.ndarray:
    """The grayscale canvas in a request's body, as a (height, width) uint8 array.

    Raises
    ------
    RequestError
        400 if the body is not the JSON object described above, 413 if the
        canvas is larger than `MAX_SIDE` or `MAX_PIXELS`.
    """
    try:
        payload = json.loads(body)
    except RecursionError as exc:  # arrays or objects nested thousands deep
        raise RequestError(400, "The request's JSON is nested too deeply.") from exc
    except ValueError as exc:
        # Malformed JSON or UTF-8, and numbers of more digits than Python
        # converts (sys.get_int_max_str_digits).
        raise RequestError(400, f"The request is not valid JSON: {exc}.") from exc
    if not isinstance(payload, dict):
        raise RequestError(400, "The request must be a JSON object.")
    missing = [key for key in ("width", "height", "pixels") if key not in payload]
    if missing:
        raise RequestError(400, f"The request lacks {', '.join(missing)}.")
    width, height, pixels = payload["width"], payload["height"], payload["pixels"]
    for name, side in (("width", width), ("height", height)):
        if not isinstance(side, int) or isinstance(side, bool) or side < 1:
            raise RequestError(400, f"{name} must be a positive integer, got {side!r}.")
        if side > MAX_SIDE:
            raise RequestError(413, f"{name} {side} is over the limit of {MAX_SIDE}.")
    if width * height > MAX_PIXELS:
        raise RequestError(
            413, f"A {width}x{height} canvas is over the limit of {MAX_PIXELS} pixels."
        )
    if not isinstance(pixels, str):
        raise RequestError(400, "pixels must be a base64 string.")
    try:
        data = base64.b64decode(pixels, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise RequestError(400, f"pixels is not valid base64: {exc}.") from exc
    if len(data) != width * height:
        raise RequestError(
            400,
            f"pixels holds {len(data)} bytes; a {width}x{height} canvas has "
            f"{width * height}.",
        )
    return np.frombuffer(data, dtype=np.uint8).reshape(height, width)


def read_canvas(canvas: np.ndarray, model: ServedModel) -> dict:
    """Read the digits on a canvas (dark ink on light paper) with ``model``.

    With a ``model.field_reader``, the text is the field reader's reading
    of the whole canvas (digits that touch included; a rejected field as
    "?"), and the digits are still the pieces of ink cut apart and read by
    ``model.estimator``, to show what the classifier sees.

    Returns
    -------
    reading : dict
        ``text`` (a rejected digit as "?"), ``empty``, ``not_sure`` (some
        digit, or the field, was rejected), ``message`` (for the page, or
        None), ``field`` (the field reader's ``text``, ``probability``,
        ``rejected`` and ``alternatives``; None without a field reader), and
        per digit: ``label``, ``probability``, ``rejected``, ``box`` (top,
        left, bottom, right), ``proba`` (every class's probability, in the
        order of ``classes``) and ``image`` (the 28x28 image the model saw,
        as 784 integers 0-255, light ink on black).
    """
    try:
        reading = read_digits(
            canvas,
            model.estimator,
            reject_threshold=model.reject_threshold,
            polarity="dark_on_light",
            pixel_max=model.pixel_max,
        )
    except NoInkError:
        reading = None
    if reading is None or not reading.digits:
        return {
            "text": "",
            "empty": True,
            "not_sure": False,
            "message": "Nothing drawn yet: draw a digit.",
            "field": None,
            "classes": class_labels(model.estimator.classes_),
            "digits": [],
        }
    if len(reading.digits) > MAX_DIGITS:
        raise RequestError(
            422,
            f"{len(reading.digits)} separate marks: draw at most {MAX_DIGITS} digits.",
        )
    digits = [
        {
            "label": str(label),
            "probability": float(probability),
            "rejected": bool(rejected),
            "box": [int(side) for side in box],
            "proba": [float(p) for p in proba],
            "image": np.rint(image * 255).astype(int).ravel().tolist(),
        }
        for label, probability, rejected, box, proba, image in zip(
            reading.digits,
            reading.probabilities,
            reading.rejected,
            reading.boxes,
            reading.proba,
            reading.images,
            strict=True,
        )
    ]
    if model.field_reader is not None:
        return {
            **_whole_field(canvas, model.field_reader),
            "empty": False,
            "classes": class_labels(reading.classes),
            "digits": digits,
        }
    not_sure = bool(reading.rejected.any())
    return {
        "text": reading.text,
        "empty": False,
        "not_sure": not_sure,
        "message": (
            f"Not sure: a digit's probability is below {model.reject_threshold:.4g}."
            if not_sure
            else None
        ),
        "field": None,
        "classes": class_labels(reading.classes),
        "digits": digits,
    }


def _whole_field(canvas: np.ndarray, field_reader) -> dict:
    """The field reader's ``text``, ``not_sure``, ``message`` and ``field``."""
    field = read_field(canvas, field_reader)
    read_as = f"{field.text!r}" if field.text else "nothing"
    return {
        "text": "?" if field.rejected else field.text,
        "not_sure": field.rejected,
        "message": (
            f"Not sure: read whole as {read_as}, with probability "
            f"{field.probability:.1%}, below {field_reader.reject_threshold:.4g}."
            if field.rejected
            else f"Read whole with probability {field.probability:.1%}; below, "
            "each piece of ink cut apart and read by the model."
        ),
        "field": {
            "text": field.text,
            "probability": field.probability,
            "rejected": field.rejected,
            "alternatives": field.alternatives,
        },
    }


def class_labels(classes) -> list[str]:
    """The classes as the page shows them."""
    return [str(label) for label in classes]
