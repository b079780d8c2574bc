"""The drawing page's server: Python's own ``http.server``, nothing to build.

``GET /`` is the page (one HTML file, its script and style inline, so it
works offline), ``GET /model`` says which model reads, and ``POST /read``
reads a canvas (see `skdigits.draw._requests`). It listens on 127.0.0.1
unless told otherwise.
"""

import json
import socket
import sys
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import urlsplit

from skdigits.draw._models import ServedModel
from skdigits.draw._requests import (
    MAX_BODY_BYTES,
    RequestError,
    class_labels,
    parse_canvas,
    read_canvas,
)

__all__ = ["DrawServer", "make_server"]


class DrawServer(ThreadingHTTPServer):
    """A threading HTTP server that reads drawn digits with one model."""

    daemon_threads = True

    def __init__(self, address, model: ServedModel, *, quiet: bool = False):
        self.model = model
        self.quiet = quiet
        # Predictions one at a time: a model's predict_proba need not be
        # thread-safe, and two at once would only share the same cores.
        self.predict_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.page = resources.files("skdigits.draw").joinpath("page.html").read_bytes()
        super().__init__(address, DrawRequestHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/"


class DrawRequestHandler(BaseHTTPRequestHandler):
    server: DrawServer
    server_version = "skdigits-draw"
    protocol_version = "HTTP/1.1"
    # A client that stalls mid-request is dropped after this many seconds.
    timeout = 30

    def do_GET(self):
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self._send(HTTPStatus.OK, self.server.page, "text/html; charset=utf-8")
        elif path == "/model":
            model = self.server.model
            self._send_json(
                HTTPStatus.OK,
                {
                    "description": model.description,
                    "reject_threshold": model.reject_threshold,
                    "classes": class_labels(model.estimator.classes_),
                },
            )
        else:
            self._send_error(HTTPStatus.NOT_FOUND, f"There is no page {self.path}.")

    def do_POST(self):
        if urlsplit(self.path).path != "/read":
            # The body is left unread: the connection cannot be reused.
            self.close_connection = True
            self._send_error(HTTPStatus.NOT_FOUND, f"There is no page {self.path}.")
            return
        try:
            body = self._read_body()
            canvas = parse_canvas(body)
            with self.server.predict_lock:
                reading = read_canvas(canvas, self.server.model)
        except RequestError as exc:
            self._send_error(exc.status, str(exc))
            return
        except TimeoutError:
            self.close_connection = True
            return
        except Exception as exc:  # the page must get an answer
            self.log_error("reading failed: %r", exc)
            self._send_error(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"The model failed to read: {exc}"
            )
            return
        self._send_json(HTTPStatus.OK, reading)

    def _method_not_allowed(self):
        self.close_connection = True
        self._send_error(HTTPStatus.METHOD_NOT_ALLOWED, "Use GET or POST.")

    do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _method_not_allowed

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding") or length is None:
            self.close_connection = True
            raise RequestError(HTTPStatus.LENGTH_REQUIRED, "Content-Length is needed.")
        try:
            length = int(length)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            raise RequestError(HTTPStatus.BAD_REQUEST, "Content-Length is not valid.")
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            raise RequestError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"The request is {length} bytes, over the limit of {MAX_BODY_BYTES}.",
            )
        body = self.rfile.read(length)
        if len(body) < length:
            self.close_connection = True
            raise RequestError(HTTPStatus.BAD_REQUEST, "The request body is cut short.")
        return body

    def _send_json(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self._send(status, body, "application/json")

    def _send_error(self, status: int, message: str) -> None:
        self._send_json(status, {"error": message})

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        if not self.server.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")


def make_server(
    model: ServedModel, *, host: str = "127.0.0.1", port: int = 8000, quiet=False
) -> DrawServer:
    """A server of the drawing page, bound but not yet serving.

    Parameters
    ----------
    model : ServedModel
        What reads the digits (see `load_model` and `default_model`).

    host : str, default="127.0.0.1"
        The address to listen on: this machine only, unless told otherwise.

    port : int, default=8000
        The port; 0 picks a free one (see ``server.url``).

    quiet : bool, default=False
        Whether to keep the request log off standard error.

    Returns
    -------
    server : DrawServer
        Call ``server.serve_forever()``, and ``server.server_close()`` after.
    """
    return DrawServer((host, port), model, quiet=quiet)
