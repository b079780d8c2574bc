"""What the drawing server's tests share: a toy model, canvases, requests."""

import base64
import http.client
import json
import threading
from contextlib import contextmanager

import numpy as np
from sklearn.linear_model import LogisticRegression

from skdigits.draw import ServedModel, make_server


def bar_digits(n=300, seed=0):
    """28x28 images of two made-up classes: a bar (0) or a hollow box (1)."""
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 0.1, (n, 28, 28))
    y = rng.integers(0, 2, n)
    for image, label in zip(images, y, strict=True):
        offset = rng.integers(9, 13)
        if label == 0:
            image[4:24, offset + 3 : offset + 6] = 1.0
        else:
            image[4:24, offset : offset + 9] = 1.0
            image[7:21, offset + 3 : offset + 6] = 0.0
    return images.reshape(n, -1), y


def canvas_body(canvas):
    height, width = canvas.shape
    return json.dumps(
        {
            "width": width,
            "height": height,
            "pixels": base64.b64encode(canvas.astype(np.uint8).tobytes()).decode(),
        }
    ).encode()


def request(server, method, path, body=None, headers=None):
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    kind = response.getheader("Content-Type", "")
    if method == "HEAD" or "json" not in kind:
        return response.status, payload
    return response.status, json.loads(payload)


def paper(height=140, width=280):
    return np.full((height, width), 255, dtype=np.uint8)


def fit_bar_model():
    """A classifier of bars (0) and hollow boxes (1) in MNIST's format."""
    X, y = bar_digits()
    return LogisticRegression(max_iter=500).fit(X, y)


@contextmanager
def serving(estimator, *, reject_threshold=0.8, pixel_max=1.0, description="bars"):
    """A drawing server of ``estimator`` on 127.0.0.1, in a thread."""
    model = ServedModel(estimator, description, reject_threshold, pixel_max)
    server = make_server(model, port=0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
